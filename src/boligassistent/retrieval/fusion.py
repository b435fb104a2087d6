"""Weighted reciprocal rank fusion over any list of arms.

Each arm's candidate at rank r adds weight / (rrf_k + r) to the chunk's fused score; ties are broken by the
sum of the chunk's ranks over the arms (an arm that did not find it counts as rank 10⁶), then by arrival order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from boligassistent.domain.documents import Chunk
from boligassistent.retrieval.arms.base import ArmRun
from boligassistent.retrieval.types import ArmHit, ScoredChunk

# "legal" (a § named in the question) must reach rank 1 even when no other arm finds it. The best a chunk can get
# from the other arms is rank 1 in each: (2.0 + 1.0 + 1.0) / (rrf_k + 1) = 4/61. The legal arm's chunk at rank r
# gets w / (rrf_k + r); with w = 5 its rank-1 chunk scores 5/61 > 4/61, and every one of its first 16 chunks
# (5/76 > 4/61; a § of several chunks, or "§§ 7-3 og 7-4") still outranks anything it did not return.
DEFAULT_WEIGHTS = {"bm25": 2.0, "dense": 1.0, "references": 1.0, "legal": 5.0}
_MISSING_RANK = 10**6


@dataclass(frozen=True)
class FusionConfig:
    rrf_k: int = 60  # RRF damping: larger flattens the difference between ranks
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))  # per arm; arms not listed: 1.0; 0 = off
    candidates: int = 50  # candidates per arm (at least k)
    max_per_doc: int = 0  # >0: at most this many chunks per document in the top k (diversity); 0 = no cap
    reference_from_top: int = 5  # the references arm reads citations in this many fused hits of the earlier arms

    def weight(self, arm: str) -> float:
        return self.weights.get(arm, 1.0)


def rrf_fuse(rankings: list[tuple[list[str], float]], k: int) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum over arms of weight / (k + rank)."""
    fused: dict[str, float] = {}
    for ranking, weight in rankings:
        for rank, doc in enumerate(ranking, start=1):
            fused[doc] = fused.get(doc, 0.0) + weight / (k + rank)
    return fused


def fuse(runs: list[ArmRun], rrf_k: int) -> list[ScoredChunk]:
    """Every candidate of `runs`, best first, with each arm's rank and score."""
    chunks: dict[str, Chunk] = {}
    arms: dict[str, dict[str, ArmHit]] = {}
    for run in runs:
        for rank, candidate in enumerate(run.candidates, start=1):
            chunks.setdefault(candidate.chunk.chunk_id, candidate.chunk)
            arms.setdefault(candidate.chunk.chunk_id, {})[run.name] = ArmHit(rank=rank, score=candidate.score)
    fused = rrf_fuse([([c.chunk.chunk_id for c in run.candidates], run.weight) for run in runs], rrf_k)

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
