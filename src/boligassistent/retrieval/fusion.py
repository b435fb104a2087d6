"""Fusion of any list of arms: weighted reciprocal rank fusion ("rrf") or weighted normalized scores ("score").

- rrf: each arm's candidate at rank r adds weight / (rrf_k + r) to the chunk's fused score.
- score: each arm's scores (BM25, cosine, …) are min-max normalized over that arm's candidates for this query
  (best 1, last 0; an arm whose candidates all score alike gives each 1), and the chunk's fused score is the
  weighted sum; an arm that did not find the chunk adds 0.
Ties are broken by the sum of the chunk's ranks over the arms (an arm that did not find it counts as rank 10⁶),
then by arrival order. `evals/tuning.py` chooses the method and its parameters by cross-validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from boligassistent.domain.documents import Chunk
from boligassistent.retrieval.arms.base import ArmRun
from boligassistent.retrieval.types import ArmHit, ScoredChunk

# Chosen by cross-validation over every dev set (`boligassistent eval tune-fusion`, evals/tuning.py): score fusion
# with equal weights was tied with the best configuration and has the fewest knobs.
# "legal" (a § named in the question) must reach rank 1 even when no other arm finds it: a chunk found by the other
# arms scores at most 1 + 1 + 1 = 3 (each arm's normalized score is ≤ 1), every section the legal arm looks up scores
# 3.5 (`dominant_weight`). Under RRF the same rule needs w / (rrf_k + 16) > Σ others / (rrf_k + 1).
DEFAULT_WEIGHTS = {"bm25": 1.0, "dense": 1.0, "references": 1.0, "legal": 3.5}
_MISSING_RANK = 10**6
METHODS = ("rrf", "score")


@dataclass(frozen=True)
class FusionConfig:
    method: str = "score"  # "score" (weighted min-max normalized arm scores) or "rrf" (weighted reciprocal ranks)
    rrf_k: int = 60  # RRF damping (method "rrf" only): larger flattens the difference between ranks
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))  # per arm; arms not listed: 1.0; 0 = off
    candidates: int = 50  # candidates per arm (at least k)
    max_per_doc: int = 0  # >0: at most this many chunks per document in the top k (diversity); 0 = no cap
    reference_from_top: int = 5  # the references arm reads citations in this many fused hits of the earlier arms
    # a top hit's bare §§ (no law name before them) are followed only when it cites at most this many distinct ones:
    # a pointer («(§ 13-6)»), not an overview of a law's provisions (which would lift them all alike)
    reference_bare_max: int = 2
    # the first `sentence_depth` fused hits are reordered by their best sentence's share of the question's terms,
    # weighted so (`retrieval.sentence_rerank`); 0 = off. Chosen by `eval tune-fusion`
    sentence_weight: float = 0.0
    sentence_depth: int = 3

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown fusion method '{self.method}' (choose from {', '.join(METHODS)})")

    def weight(self, arm: str) -> float:
        return self.weights.get(arm, 1.0)


def dominant_weight(config: FusionConfig, arm: str, first: int = 16) -> float:
    """The smallest weight (in steps of 0.5) at which the first `first` candidates of `arm` outrank any chunk that
    only the other arms found, even at rank 1 in each of them: what "a named § is rank 1" needs of the legal arm.
    rrf: w / (rrf_k + first) > Σ others / (rrf_k + 1); score: w > Σ others (an arm's normalized scores are ≤ 1)."""
    others = sum(w for name, w in config.weights.items() if name != arm and w > 0)
    needed = others if config.method == "score" else others * (config.rrf_k + first) / (config.rrf_k + 1)
    return (int(needed * 2) + 1) / 2


def rrf_fuse(rankings: list[tuple[list[str], float]], k: int) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum over arms of weight / (k + rank)."""
    fused: dict[str, float] = {}
    for ranking, weight in rankings:
        for rank, doc in enumerate(ranking, start=1):
            fused[doc] = fused.get(doc, 0.0) + weight / (k + rank)
    return fused


def score_fuse(rankings: list[tuple[list[tuple[str, float]], float]]) -> dict[str, float]:
    """Weighted sum of min-max normalized scores: sum over arms of weight × (score − min) / (max − min)."""
    fused: dict[str, float] = {}
    for ranking, weight in rankings:
        if not ranking:
            continue
        scores = [score for _, score in ranking]
        low, span = min(scores), max(scores) - min(scores)
        for doc, score in ranking:
            fused[doc] = fused.get(doc, 0.0) + weight * ((score - low) / span if span > 0 else 1.0)
    return fused


def fuse(runs: list[ArmRun], config: FusionConfig) -> list[ScoredChunk]:
    """Every candidate of `runs`, best first, with each arm's rank and score."""
    chunks: dict[str, Chunk] = {}
    arms: dict[str, dict[str, ArmHit]] = {}
    for run in runs:
        for rank, candidate in enumerate(run.candidates, start=1):
            chunks.setdefault(candidate.chunk.chunk_id, candidate.chunk)
            arms.setdefault(candidate.chunk.chunk_id, {})[run.name] = ArmHit(rank=rank, score=candidate.score)
    if config.method == "score":
        fused = score_fuse([([(c.chunk.chunk_id, c.score) for c in run.candidates], run.weight) for run in runs])
    else:
        fused = rrf_fuse([([c.chunk.chunk_id for c in run.candidates], run.weight) for run in runs], config.rrf_k)

    def rank_sum(chunk_id: str) -> int:
        return sum(hit.rank for hit in arms[chunk_id].values()) + _MISSING_RANK * (len(runs) - len(arms[chunk_id]))

    ranked = sorted(fused, key=lambda i: (-fused[i], rank_sum(i)))
    return [ScoredChunk(chunk=chunks[i], score=fused[i], arms=arms[i]) for i in ranked]


def diversify(ranked: list[ScoredChunk], k: int, max_per_doc: int) -> list[ScoredChunk]:
    """Top k keeping at most `max_per_doc` per document; backfills in rank order if too few documents."""
    if max_per_doc <= 0:
        return ranked[:k]
    chosen: list[ScoredChunk] = []
    held_back: list[ScoredChunk] = []
    per_doc: dict[str, int] = {}
    for hit in ranked:
        doc_id = hit.chunk.doc_id
        if per_doc.get(doc_id, 0) < max_per_doc:
            chosen.append(hit)
            per_doc[doc_id] = per_doc.get(doc_id, 0) + 1
            if len(chosen) == k:
                return chosen
        else:
            held_back.append(hit)
    return chosen + held_back[: k - len(chosen)]
