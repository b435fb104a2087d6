"""Fusion parameters chosen by k-fold cross-validation over every development set, without re-querying.

1. Once per question, the arms that do not depend on the others (`FROZEN_ARMS`: BM25 and dense) are run at the
   largest candidate depth of the grid. Every fusion configuration is then *replayed* through the real
   `HybridRetriever` with those rankings frozen and the dependent arms (legal, references) run live, so a
   configuration costs a fusion, not a search.
2. Objective: the mean over corpora (macro: each corpus counts once, however many questions it has) of
   (Recall@5 + MRR@10) / 2 over its answerable questions.
3. Cross-validation: `folds` folds stratified by dataset, repeated for `seeds` shuffles. In each fold the best
   configuration on the other folds is scored on the held-out fold: that is the estimate reported (mean ± std over
   all folds), never the best fold.
4. The shipped configuration: each configuration's held-out objective is paired fold by fold with the best one's;
   every configuration whose mean difference is within one standard deviation of those differences counts as tied,
   and the simplest of the tied ones is chosen (`complexity`: equal weights, no RRF k, k near 60, the default depth).

The legal arm's weight is not searched: it is derived (`fusion.dominant_weight`) so a § named in the question
stays rank 1 under every configuration.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import statistics
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace

from boligassistent.evals.dataset import Question
from boligassistent.evals.metrics import reciprocal_rank, span_recall
from boligassistent.retrieval.arms.base import Arm, ArmQuery
from boligassistent.retrieval.fusion import FusionConfig, dominant_weight
from boligassistent.retrieval.retriever import HybridRetriever
from boligassistent.retrieval.store import Candidate

FROZEN_ARMS = ("bm25", "dense")  # arms whose ranking does not depend on the arms before them
LEGAL_ARM = "legal"
METRICS = ("recall@1", "recall@5", "mrr@10")
CHOSEN = "hybrid (chosen config; picked on all folds, so slightly optimistic)"


@dataclass(frozen=True)
class SearchSpace:
    rrf_k: tuple[int, ...] = (10, 20, 30, 60, 100)
    bm25_weight: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0, 3.0)  # relative to dense = 1
    references_weight: tuple[float, ...] = (0.0, 0.5, 1.0)
    candidates: tuple[int, ...] = (20, 50, 100)
    methods: tuple[str, ...] = ("rrf", "score")
    sentence_weight: tuple[float, ...] = (0.0, 0.15, 0.3)  # the sentence reorder of the first hits (0 = off)

    def configs(self, base: FusionConfig) -> list[FusionConfig]:
        out = []
        for method, depth, w_bm25, w_ref, w_sentence in itertools.product(
                self.methods, self.candidates, self.bm25_weight, self.references_weight, self.sentence_weight):
            for k in (self.rrf_k if method == "rrf" else (base.rrf_k,)):
                weights = {"bm25": w_bm25, "dense": 1.0, "references": w_ref, LEGAL_ARM: 0.0}
                config = replace(base, method=method, rrf_k=k, candidates=depth, weights=weights,
                                 sentence_weight=w_sentence)
                weights[LEGAL_ARM] = dominant_weight(config, LEGAL_ARM)
                out.append(config)
        return out


DEFAULT_CANDIDATES = 50  # the depth kept when deeper or shallower ones are only tied with it


def complexity(config: FusionConfig) -> tuple:
    """Lower is simpler: fewer weights other than 0 or 1, then fewer parameters of the method itself (RRF has k,
    score fusion none), then k nearer the textbook 60, then a candidate depth nearer `DEFAULT_CANDIDATES`."""
    unequal = sum(config.weight(arm) not in (0.0, 1.0) for arm in ("bm25", "dense", "references"))
    unequal += config.sentence_weight > 0  # the sentence reorder is one more knob
    rrf = config.method == "rrf"
    return (unequal, int(rrf), abs(math.log(config.rrf_k / 60)) if rrf else 0.0,
            abs(math.log(config.candidates / DEFAULT_CANDIDATES)))


def describe(config: FusionConfig) -> str:
    weights = ", ".join(f"{arm} {w:g}" for arm, w in config.weights.items())
    k = f" k={config.rrf_k}" if config.method == "rrf" else ""
    sentence = f" sentence reorder {config.sentence_weight:g}" if config.sentence_weight > 0 else ""
    return f"{config.method}{k} candidates={config.candidates} weights: {weights}{sentence}"


@dataclass
class FrozenArm:
    """An arm that replays a ranking computed once."""

    name: str
    ranking: list[Candidate]

    def search(self, query: ArmQuery) -> list[Candidate]:
        return self.ranking[: query.n]


@dataclass
class Recorded:
    """One answerable question with its frozen arm rankings."""

    question: Question
    corpus: str
    frozen: dict[str, list[Candidate]]
    live_arms: list[Arm]
    retriever: HybridRetriever | None = None  # the live one: its law catalog and idf serve the replays


def record(corpus: str, retriever: HybridRetriever, questions: Iterable[Question], depth: int,
           progress: Callable[[], None] | None = None) -> list[Recorded]:
    """Run the frozen arms once per answerable question at `depth` candidates."""
    live = [arm for arm in retriever.arms if arm.name not in FROZEN_ARMS]
    out = []
    for q in questions:
        if not q.answerable:
            continue
        frozen = {}
        for arm in FROZEN_ARMS:
            hits = retriever.search(q.question, k=depth, mode=arm).hits
            frozen[arm] = [Candidate(h.chunk, h.arms[arm].score) for h in hits]
        out.append(Recorded(question=q, corpus=corpus, frozen=frozen, live_arms=live, retriever=retriever))
        if progress:
            progress()
    return out


def replay(item: Recorded, config: FusionConfig, k: int = 10) -> list[tuple[str, str]]:
    arms: list[Arm] = [FrozenArm(name, ranking) for name, ranking in item.frozen.items()] + item.live_arms
    live = item.retriever
    hits = HybridRetriever(arms, config, catalog=live.catalog if live else None,
                           term_idf=live.term_idf if live else None).search(item.question.question, k=k).hits
    return [(h.chunk.doc_id, h.chunk.text) for h in hits]


def question_metrics(question: Question, retrieved: list[tuple[str, str]]) -> tuple[float, float, float]:
    return span_recall(question, retrieved, 1), span_recall(question, retrieved, 5), reciprocal_rank(question, retrieved, 10)


def arm_alone(item: Recorded, arm: str) -> list[tuple[str, str]]:
    return [(c.chunk.doc_id, c.chunk.text) for c in item.frozen[arm][:10]]


def stratified_folds(items: list[Recorded], folds: int, seed: int) -> list[int]:
    """Fold number of each item: within each dataset the items are shuffled and dealt round-robin."""
    rng = random.Random(seed)
    by_dataset: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        by_dataset.setdefault(f"{item.corpus}/{item.question.dataset}", []).append(i)
    assignment = [0] * len(items)
    offset = 0
    for key in sorted(by_dataset):
        members = by_dataset[key]
        rng.shuffle(members)
        for j, i in enumerate(members):
            assignment[i] = (offset + j) % folds
        offset += len(members)  # the next dataset starts where this one stopped: folds stay the same size
    return assignment


Scores = list[tuple[float, float, float]]  # (recall@1, recall@5, rr@10) per item


def summarize(items: list[Recorded], scores: Scores, members: list[int]) -> dict[str, dict[str, float]]:
    """Per corpus: mean recall@1, recall@5, mrr@10 and n over `members`."""
    out: dict[str, dict[str, float]] = {}
    for corpus in sorted({items[i].corpus for i in members}):
        idx = [i for i in members if items[i].corpus == corpus]
        out[corpus] = {m: statistics.fmean(scores[i][j] for i in idx) for j, m in enumerate(METRICS)} | {"n": len(idx)}
    return out


def objective(items: list[Recorded], scores: Scores, members: list[int]) -> float:
    """Macro mean over corpora of (Recall@5 + MRR@10) / 2."""
    per_corpus = summarize(items, scores, members)
    return statistics.fmean((m["recall@5"] + m["mrr@10"]) / 2 for m in per_corpus.values())


@dataclass
class TuningResult:
    configs: list[FusionConfig]
    chosen: FusionConfig
    best_by_mean: FusionConfig
    tied: int  # configurations tied with the best by the paired fold rule
    folds: list[dict] = field(default_factory=list)  # per fold: the config chosen on the others, its held-out metrics
    config_table: list[dict] = field(default_factory=list)  # per config: held-out objective mean / std over folds
    nested: dict = field(default_factory=dict)  # the selection procedure's held-out metrics, mean ± std per corpus
    arms: dict = field(default_factory=dict)  # each frozen arm alone and the default fusion, same folds


def _mean_std(values: list[float]) -> dict[str, float]:
    return {"mean": statistics.fmean(values), "std": statistics.pstdev(values) if len(values) > 1 else 0.0}


def _per_corpus_stats(per_fold: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, dict[str, float]]]:
    corpora = sorted({c for fold in per_fold for c in fold})
    return {c: {m: _mean_std([fold[c][m] for fold in per_fold if c in fold]) for m in METRICS} for c in corpora}


def cross_validate(items: list[Recorded], configs: list[FusionConfig], default: FusionConfig, *, folds: int = 5,
                   seeds: int = 3, progress: Callable[[], None] | None = None) -> TuningResult:
    scores: list[Scores] = []
    for config in configs:
        scores.append([question_metrics(item.question, replay(item, config)) for item in items])
        if progress:
            progress()
    arm_scores = {arm: [question_metrics(item.question, arm_alone(item, arm)) for item in items] for arm in FROZEN_ARMS}
    arm_scores["hybrid (default)"] = [question_metrics(item.question, replay(item, default)) for item in items]

    fold_rows: list[dict] = []
    held_out: list[list[float]] = [[] for _ in configs]  # per config: its objective on every held-out fold
    nested_folds: list[dict] = []
    arm_folds: dict[str, list[dict]] = {arm: [] for arm in arm_scores}
    order = sorted(range(len(configs)), key=lambda c: complexity(configs[c]))  # ties: simplest first
    test_sets: list[list[int]] = []
    for seed in range(seeds):
        assignment = stratified_folds(items, folds, seed)
        for fold in range(folds):
            test = [i for i, f in enumerate(assignment) if f == fold]
            train = [i for i, f in enumerate(assignment) if f != fold]
            test_sets.append(test)
            train_obj = [objective(items, s, train) for s in scores]
            best = max(order, key=lambda c: train_obj[c])  # max keeps the first (simplest) of equal values
            for c, s in enumerate(scores):
                held_out[c].append(objective(items, s, test))
            metrics = summarize(items, scores[best], test)
            nested_folds.append(metrics)
            for arm, s in arm_scores.items():
                arm_folds[arm].append(summarize(items, s, test))
            fold_rows.append({"seed": seed, "fold": fold, "n": len(test), "chosen": describe(configs[best]),
                              "train_objective": train_obj[best], "test_objective": held_out[best][-1], "test": metrics})

    means = [statistics.fmean(v) for v in held_out]
    best_mean = max(range(len(configs)), key=lambda c: means[c])
    tied = []
    for c in range(len(configs)):
        diffs = [a - b for a, b in zip(held_out[c], held_out[best_mean], strict=True)]
        if statistics.fmean(diffs) + statistics.pstdev(diffs) >= 0:
            tied.append(c)
    chosen = min(tied, key=lambda c: (complexity(configs[c]), -means[c]))  # equally simple: the better one
    ranked = sorted(range(len(configs)), key=lambda c: -means[c])
    table = [{"config": describe(configs[c]), **_mean_std(held_out[c]), "tied_with_best": c in tied} for c in ranked]
    return TuningResult(configs=configs, chosen=configs[chosen], best_by_mean=configs[best_mean], tied=len(tied),
                        folds=fold_rows, config_table=table, nested=_per_corpus_stats(nested_folds),
                        arms={arm: _per_corpus_stats(rows) for arm, rows in arm_folds.items()}
                        | {CHOSEN: _per_corpus_stats([summarize(items, scores[chosen], test) for test in test_sets])})


def report_markdown(result: TuningResult, folds: int, seeds: int) -> str:
    def cell(stats: dict[str, float]) -> str:
        return f"{stats['mean']:.3f} ± {stats['std']:.3f}"

    lines = [f"# Fusion chosen by cross-validation ({folds} folds × {seeds} seeds, stratified by dataset)", "",
             f"- configurations searched: {len(result.configs)}",
             f"- best held-out mean: `{describe(result.best_by_mean)}`",
             f"- tied with it (paired fold differences within one std): {result.tied}",
             f"- **chosen (simplest of the tied)**: `{describe(result.chosen)}`", "",
             "## Held-out metrics per corpus (mean ± std over folds)", "",
             "| system | corpus | Recall@1 | Recall@5 | MRR@10 |", "|---|---|---|---|---|"]
    rows = {"selection procedure (nested CV)": result.nested} | result.arms
    for system, per_corpus in rows.items():
        for corpus, stats in per_corpus.items():
            lines.append(f"| {system} | {corpus} | " + " | ".join(cell(stats[m]) for m in METRICS) + " |")
    lines += ["", "## Per fold (config chosen on the other folds, scored on this one)", "",
              "| seed | fold | n | chosen | train obj | test obj |", "|---|---|---|---|---|---|"]
    for row in result.folds:
        lines.append(f"| {row['seed']} | {row['fold']} | {row['n']} | {row['chosen']} | {row['train_objective']:.3f} | "
                     f"{row['test_objective']:.3f} |")
    lines += ["", "## Top configurations by held-out objective", "", "| config | mean | std | tied |", "|---|---|---|---|"]
    for row in result.config_table[:20]:
        lines.append(f"| {row['config']} | {row['mean']:.3f} | {row['std']:.3f} | {'yes' if row['tied_with_best'] else ''} |")
    return "\n".join(lines) + "\n"


def tuning_json(result: TuningResult) -> str:
    return json.dumps({"chosen": asdict(result.chosen), "chosen_description": describe(result.chosen),
                       "best_by_mean": asdict(result.best_by_mean), "tied_with_best": result.tied,
                       "nested_cv": result.nested, "arms": result.arms, "folds": result.folds,
                       "configs": result.config_table}, ensure_ascii=False, indent=2)
