"""The calibrated abstention model: logistic regression over a few evidence features, inspectable as JSON.

P(decline) = 1 / (1 + exp(-(intercept + Σ coef_i · (x_i − mean_i) / scale_i))); the assistant declines when
P ≥ threshold. The weights, the features' names, their standardisation and the threshold live in
`answering/data/abstention_model.json`, written by `boligassistent eval train-abstention`
(`evals/abstention_training.py`, scikit-learn, `eval` extra); at run time only numpy is needed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from boligassistent.answering.evidence import Evidence

DEFAULT_MODEL_PATH = Path(__file__).parent / "data" / "abstention_model.json"


@dataclass(frozen=True)
class FeatureInput:
    """What the features are computed from: the evidence, plus two facts about the question."""

    evidence: Evidence
    asks_value: bool  # the question asks for a value: a quantity, a time, a name or a place (`text.answer_types`)
    names_corpus_law: bool  # the question names an act or regulation of the corpus
    dense_baseline: float = 0.0  # the corpus's own typical best dense similarity (`dense_baseline`)


def _reciprocal(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


# name → how it is computed; the model file lists the names it was trained on, in its order.
FEATURES: dict[str, Callable[[FeatureInput], float]] = {
    # best cosine similarity (dense arm) above the corpus's baseline: e5 similarities sit higher in one corpus than
    # in another (reference corpus ≈ 0.93, NorQuAD news ≈ 0.84 for the documents' own titles)
    "dense_relative": lambda f: f.evidence.top_dense - f.dense_baseline,
    "coverage": lambda f: f.evidence.coverage,  # idf share of the question's terms in the top passages
    "sentence_coverage": lambda f: f.evidence.sentence_coverage,  # … in the best sentence (with the one before)
    "uncovered_idf": lambda f: f.evidence.uncovered_idf,  # summed idf of the question's terms the passages lack
    "bm25_norm": lambda f: f.evidence.bm25_norm,  # best BM25 score / the query's idf sum
    "arm_agreement": lambda f: f.evidence.arm_agreement,  # top hits found by both arms
    "top_bm25_rr": lambda f: _reciprocal(f.evidence.top_bm25_rank),  # 1 / the top hit's rank in the BM25 arm
    "top_dense_rr": lambda f: _reciprocal(f.evidence.top_dense_rank),  # … in the dense arm
    "missing_entity": lambda f: float(bool(f.evidence.missing_entities)),  # a proper noun absent from the passages
    "asks_value": lambda f: float(f.asks_value),
    "names_corpus_law": lambda f: float(f.names_corpus_law),
    # how specific the question is: at equal coverage, a question with more idf mass is more often answerable
    "query_idf": lambda f: f.evidence.query_idf,
    # the top document alone: the share of the question's terms and of its names and numbers found there
    "topdoc_coverage": lambda f: f.evidence.topdoc_coverage,
    "names_in_topdoc": lambda f: f.evidence.names_in_topdoc,
    "dense_margin": lambda f: f.evidence.dense_margin,  # how far the best hit stands out (dense arm)
    # the embedder's best question–sentence similarity in the top hits, above the corpus's baseline (as dense_relative)
    "unit_similarity_relative": lambda f: f.evidence.best_unit_similarity - f.dense_baseline,
}

# What `boligassistent eval train-abstention` fits by default: the features of the shipped model. Chosen by
# cross-validation over all dev sets (as-asked NorQuAD F1 .839 at false-abstain .030, against .802 for the earlier
# eleven features): the top document's evidence and the question's specificity, plus the best question–sentence
# similarity, which keeps declining out-of-domain questions that pass the gates. `--features` trains any subset.
TRAINED_FEATURES: tuple[str, ...] = ("bm25_norm", "query_idf", "topdoc_coverage", "names_in_topdoc", "dense_margin",
                                     "unit_similarity_relative")


def dense_baseline(best_dense: Callable[[str], float], titles: list[str], n: int) -> float:
    """The corpus's typical best dense similarity: the mean over `n` of its document titles, spread over the corpus,
    of the best similarity each gets when asked as a question (`best_dense`); 0 without titles."""
    titles = [t for t in titles if t.strip()]
    if not titles or n <= 0:
        return 0.0
    step = max(1, len(titles) // n)
    sample = titles[::step][:n]
    return sum(best_dense(title) for title in sample) / len(sample)


def feature_vector(names: list[str], data: FeatureInput) -> list[float]:
    return [float(FEATURES[name](data)) for name in names]


class ModelFileError(ValueError):
    pass


@dataclass(frozen=True)
class LogisticModel:
    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    threshold: float  # decline at or above this probability
    trained: dict | None = None  # how it was trained (data, seed, cross-validated figures), for the reader

    def __post_init__(self) -> None:
        unknown = [name for name in self.features if name not in FEATURES]
        if unknown:
            raise ModelFileError(f"abstention model uses unknown features {unknown}")
        if not len(self.features) == len(self.mean) == len(self.scale) == len(self.coef):
            raise ModelFileError("abstention model: features, mean, scale and coef differ in length")

    def logit(self, values: list[float]) -> float:
        return self.intercept + sum(c * (x - m) / (s or 1.0)
                                    for c, x, m, s in zip(self.coef, values, self.mean, self.scale, strict=True))

    def probability(self, values: list[float]) -> float:
        """P(decline) for a feature vector in `features` order."""
        z = self.logit(values)
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    def declines(self, data: FeatureInput) -> bool:
        return self.probability(feature_vector(self.features, data)) >= self.threshold

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL_PATH) -> LogisticModel:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(features=list(raw["features"]), mean=[float(v) for v in raw["mean"]],
                       scale=[float(v) for v in raw["scale"]], coef=[float(v) for v in raw["coef"]],
                       intercept=float(raw["intercept"]), threshold=float(raw["threshold"]), trained=raw.get("trained"))
        except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ModelFileError(f"cannot read the abstention model {path}: {exc}") from exc
