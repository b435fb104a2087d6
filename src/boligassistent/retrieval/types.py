"""What retrieval returns: ranked chunks with each arm's rank and score, by arm name.

Arms are named ("bm25", "dense", "references", …); nothing downstream (evidence, answers, the API, the
evals) knows a fixed set of arms: it reads `ScoredChunk.arms[name]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from boligassistent.domain.documents import Chunk


@dataclass(frozen=True)
class ArmHit:
    rank: int  # 1-based rank within the arm's candidates
    score: float  # the arm's own score (BM25, cosine similarity, …)


@dataclass
class ScoredChunk:
    chunk: Chunk
    score: float  # fused score
    arms: dict[str, ArmHit] = field(default_factory=dict)  # the arms that found this chunk

    def arm_rank(self, arm: str) -> int | None:
        hit = self.arms.get(arm)
        return hit.rank if hit else None

    def arm_score(self, arm: str) -> float | None:
        hit = self.arms.get(arm)
        return hit.score if hit else None

    def to_dict(self) -> dict:
        chunk = self.chunk
        return {"chunk_id": chunk.chunk_id, "doc_id": chunk.doc_id, "title": chunk.title, "kind": chunk.kind,
                "label": chunk.label, "citation": chunk.citation(), "pages": list(chunk.pages) if chunk.pages else None,
                "url": chunk.url, "text": chunk.text, "score": round(self.score, 6),
                "arms": {name: {"rank": hit.rank, "score": round(hit.score, 4)} for name, hit in self.arms.items()}}


@dataclass
class SearchResult:
    query: str  # as searched: the question with law abbreviations spelt out (`LawCatalog.spell_out`)
    hits: list[ScoredChunk]
    query_terms: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
