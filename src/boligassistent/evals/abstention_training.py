"""Training and cross-validation of the abstention model (`answering.abstention_model`), deterministic.

Samples, per question set and its own index:
- every answerable question as asked: label "answer";
- every answerable question again with its gold documents left out of retrieval (leave-one-document-out,
  `SearchFilters.exclude_doc_ids`): label "decline", since what answered it is gone;
- every `answerable: false` question: label "decline";
- with more than one corpus, every question of each other corpus asked over this one's index (cross-corpus): label
  "decline", since another domain's question is out of this corpus's scope. These are negatives nothing in this
  corpus can memorize: a kommune's corpus gets questions its documents never meant to answer. They count with
  their index's corpus when the corpora are weighted alike, and as a group of their own when the threshold is chosen.

The hard gates (vague, out-of-scope, answer-type) run first, as in the assistant; the model is fitted on the
samples no gate decided, each corpus weighted alike. Cross-validation: stratified k-fold grouped by question (a question and its
leave-one-out twin share a fold); the decision threshold is chosen inside the training folds only, from
out-of-fold probabilities of an inner grouped k-fold (best F1 with false-abstain ≤ the bound). Figures are
per fold, with mean ± std, for all samples and for the questions as asked (no leave-one-out twins), per corpus.
Needs scikit-learn (the `eval` extra).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from boligassistent.answering.abstention import AbstentionGates
from boligassistent.answering.abstention_model import TRAINED_FEATURES, LogisticModel, feature_vector
from boligassistent.answering.assistant import AnswerConfig, Retriever
from boligassistent.answering.evidence import TermStatistics, measure_evidence
from boligassistent.answering.similarity import SentenceSimilarity
from boligassistent.evals.dataset import Question
from boligassistent.evals.extra import MissingEvalExtra
from boligassistent.evals.metrics import abstention_scores
from boligassistent.retrieval.store import SearchFilters

LODO = "leave-one-document-out"
ASKED = "as-asked"
CROSS = "cross-corpus"


@dataclass(frozen=True)
class TrainingConfig:
    folds: int = 5  # outer cross-validation folds
    inner_folds: int = 5  # folds inside the training part, for the threshold
    seed: int = 0  # fold assignment
    c: float = 1.0  # inverse L2 regularisation strength of the logistic regression
    max_false_abstain: float = 0.05  # the threshold keeps the false-abstain rate on the training folds at most this
    features: tuple[str, ...] = TRAINED_FEATURES  # names in `abstention_model.FEATURES`


@dataclass
class Sample:
    group: str  # dataset:question id (a question and its leave-one-out twin)
    corpus: str  # which corpus/index the question set belongs to
    variant: str  # ASKED or LODO
    decline: bool  # the right decision
    gate: str | None  # the hard gate that declined it, if any
    x: list[float] = field(default_factory=list)


def collect_samples(retriever: Retriever, index: TermStatistics, gates: AbstentionGates, config: AnswerConfig,
                    questions: Iterable[Question], corpus: str, features: tuple[str, ...],
                    progress: Callable[[], None] | None = None,
                    similarity: SentenceSimilarity | None = None, cross: bool = False) -> list[Sample]:
    """The samples of one question set over its own index, by the assistant's retrieval, evidence and gates; with
    `cross`, the set belongs to another corpus than the index's, and every question is a cross-corpus decline."""
    out: list[Sample] = []
    for q in questions:
        variants = [(CROSS if cross else ASKED, SearchFilters(), cross or not q.answerable)]
        if q.answerable and not cross:
            variants.append((LODO, SearchFilters(exclude_doc_ids=tuple(sorted(q.gold_docs))), True))
        for variant, filters, decline in variants:
            result = retriever.search(q.question, k=config.top_k, filters=filters)
            evidence = measure_evidence(index, result, config.evidence, similarity)
            gated = gates.gate(q.question, evidence)
            out.append(Sample(group=f"{q.dataset}:{q.id}", corpus=corpus, variant=variant, decline=decline,
                              gate=gated.reason if gated else None,
                              x=feature_vector(list(features), gates.features(q.question, evidence))))
        if progress:
            progress()
    return out


def _sklearn():
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedGroupKFold
        from sklearn.preprocessing import StandardScaler
    except ModuleNotFoundError as exc:
        raise MissingEvalExtra("training the abstention model", exc) from exc
    return LogisticRegression, StratifiedGroupKFold, StandardScaler


@dataclass
class Fitted:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = self.intercept + ((x - self.mean) / self.scale) @ self.coef
        return 1.0 / (1.0 + np.exp(-z))


def _fit(samples: list[Sample], config: TrainingConfig) -> Fitted:
    logistic_regression, _, standard_scaler = _sklearn()
    model_samples = [s for s in samples if s.gate is None]
    x = np.array([s.x for s in model_samples], dtype=float)
    y = np.array([s.decline for s in model_samples], dtype=int)
    per_corpus = {c: sum(s.corpus == c for s in model_samples) for c in {s.corpus for s in model_samples}}
    weight = np.array([len(model_samples) / (len(per_corpus) * per_corpus[s.corpus]) for s in model_samples])
    scaler = standard_scaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    lr = logistic_regression(C=config.c, max_iter=2000).fit((x - scaler.mean_) / scale, y, sample_weight=weight)
    return Fitted(mean=scaler.mean_, scale=scale, coef=lr.coef_[0], intercept=float(lr.intercept_[0]))


def decisions(samples: list[Sample], fitted: Fitted, threshold: float) -> list[bool]:
    """The whole policy's decisions: a gate, else the model at `threshold`."""
    p = fitted.probability(np.array([s.x for s in samples], dtype=float)) if samples else np.array([])
    return [s.gate is not None or bool(pi >= threshold) for s, pi in zip(samples, p)]


def _splits(samples: list[Sample], folds: int, seed: int) -> list[tuple[list[int], list[int]]]:
    _, stratified_group_k_fold, _ = _sklearn()
    y = [int(s.decline) for s in samples]
    groups = [s.group for s in samples]
    splitter = stratified_group_k_fold(n_splits=folds, shuffle=True, random_state=seed)
    return [(list(a), list(b)) for a, b in splitter.split(np.zeros(len(samples)), y, groups)]


def choose_threshold(samples: list[Sample], config: TrainingConfig) -> float:
    """The threshold with the best abstention F1 (mean over the corpora, a corpus's cross-corpus samples apart) at
    false-abstain ≤ the bound in every corpus, from out-of-fold probabilities of an inner grouped k-fold over
    `samples` (the training part only); ties → the highest threshold."""
    probability = np.zeros(len(samples))
    for train, test in _splits(samples, config.inner_folds, config.seed):
        fitted = _fit([samples[i] for i in train], config)
        probability[test] = fitted.probability(np.array([samples[i].x for i in test], dtype=float))
    groups = [(s.corpus, s.variant == CROSS) for s in samples]  # a corpus's cross-corpus samples on their own
    best: tuple[float, float] | None = None  # (mean F1 over the groups, threshold)
    for threshold in sorted(set(np.round(probability, 4).tolist()) | {1.0}, reverse=True):
        did = [s.gate is not None or bool(p >= threshold) for s, p in zip(samples, probability)]
        scores = [abstention_scores([s.decline for s, g in zip(samples, groups) if g == group],
                                    [d for d, g in zip(did, groups) if g == group]) for group in sorted(set(groups))]
        f1 = float(np.mean([sc["f1"] for sc in scores]))
        worst = max(sc["false_abstain_rate"] for sc in scores)  # no corpus pays for another's recall
        if worst <= config.max_false_abstain and (best is None or f1 > best[0]):
            best = (f1, threshold)
    return best[1] if best else 1.0


def _scores(samples: list[Sample], did: list[bool]) -> dict[str, float]:
    scores = abstention_scores([s.decline for s in samples], did)
    return {k: float(scores[k]) for k in ("precision", "recall", "f1", "false_abstain_rate")} | {"n": len(samples)}


def _slices(samples: list[Sample]) -> dict[str, list[int]]:
    """Sample indices per reported slice: all / as-asked, over all corpora and per corpus (a cross-corpus group is
    reported on its own, and left out of "all", so the figures on the dev sets stay comparable)."""
    out: dict[str, list[int]] = {}
    for corpus in ["all", *sorted({s.corpus for s in samples})]:
        for variant in ("all", ASKED, CROSS):
            idx = [i for i, s in enumerate(samples) if corpus in ("all", s.corpus)
                   and (s.variant != CROSS if variant == "all" else s.variant == variant)]
            if idx:
                out[f"{corpus}/{variant}"] = idx
    return out


def cross_validate(samples: list[Sample], config: TrainingConfig) -> dict:
    """Per fold and mean ± std: precision, recall, F1 and false-abstain per slice, plus each fold's threshold."""
    folds: list[dict] = []
    for n, (train, test) in enumerate(_splits(samples, config.folds, config.seed), start=1):
        training = [samples[i] for i in train]
        threshold = choose_threshold(training, config)
        fitted = _fit(training, config)
        held_out = [samples[i] for i in test]
        did = decisions(held_out, fitted, threshold)
        fold: dict = {"fold": n, "threshold": threshold, "slices": {}}
        for name, idx in _slices(held_out).items():
            if idx:
                fold["slices"][name] = _scores([held_out[i] for i in idx], [did[i] for i in idx])
        folds.append(fold)
    summary: dict = {}
    for name in sorted({name for fold in folds for name in fold["slices"]}):
        values = [fold["slices"][name] for fold in folds if name in fold["slices"]]
        summary[name] = {metric: {"mean": float(np.mean([v[metric] for v in values])),
                                  "std": float(np.std([v[metric] for v in values]))}
                         for metric in ("precision", "recall", "f1", "false_abstain_rate")}
    return {"folds": folds, "summary": summary}


def gate_counts(samples: list[Sample]) -> dict[str, dict[str, int]]:
    """How often each gate declined, split by whether declining was right."""
    out: dict[str, dict[str, int]] = {}
    for s in samples:
        if s.gate:
            entry = out.setdefault(s.gate, {"right": 0, "wrong": 0})
            entry["right" if s.decline else "wrong"] += 1
    return out


def train(samples: list[Sample], config: TrainingConfig, datasets: list[str]) -> tuple[LogisticModel, dict]:
    """The model fitted on every sample, its threshold chosen by inner cross-validation over all of them, and the
    cross-validated report."""
    report = cross_validate(samples, config)
    report["gates"] = gate_counts(samples)
    fitted = _fit(samples, config)
    threshold = choose_threshold(samples, config)
    trained = {"datasets": datasets, "samples": len(samples), "model_samples": sum(s.gate is None for s in samples),
               "seed": config.seed, "folds": config.folds, "c": config.c, "max_false_abstain": config.max_false_abstain,
               "cross_validated": {name: {m: round(v["mean"], 3) for m, v in metrics.items()}
                                   for name, metrics in report["summary"].items()}}
    model = LogisticModel(features=list(config.features), mean=[round(float(v), 6) for v in fitted.mean],
                          scale=[round(float(v), 6) for v in fitted.scale], coef=[round(float(v), 6) for v in fitted.coef],
                          intercept=round(fitted.intercept, 6), threshold=round(threshold, 4), trained=trained)
    return model, report
