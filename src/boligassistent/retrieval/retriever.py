"""Hybrid retrieval: a lexical arm (BM25 / Norwegian full text) and a dense arm fused by weighted RRF.

This is the one retrieval pipeline used by the assistant, the API, the bots and the evaluations, over
either index backend (`IndexStore`): the backends only supply each arm's candidates.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from boligassistent.domain.documents import Chunk
from boligassistent.indexing.embedder import Embedder
from boligassistent.retrieval.store import ArmCandidates, IndexStore, SearchFilters
from boligassistent.text.analyzer import analyze

__all__ = ["HybridRetriever", "SearchFilters", "ScoredChunk", "SearchResult", "FusionConfig", "law_references"]


@dataclass
class ScoredChunk:
    chunk: Chunk
    score: float  # fused score
    bm25_rank: int | None = None  # 1-based, None when outside the arm's candidates
    bm25_score: float | None = None
    dense_rank: int | None = None
    dense_score: float | None = None  # cosine similarity

    def to_dict(self) -> dict:
        return {"chunk_id": self.chunk.chunk_id, "doc_id": self.chunk.doc_id, "title": self.chunk.title,
                "kind": self.chunk.kind, "label": self.chunk.label, "citation": self.chunk.citation(),
                "pages": list(self.chunk.pages) if self.chunk.pages else None, "url": self.chunk.url,
                "text": self.chunk.text, "score": round(self.score, 6),
                "bm25": {"rank": self.bm25_rank, "score": None if self.bm25_score is None else round(self.bm25_score, 4)},
                "dense": {"rank": self.dense_rank, "score": None if self.dense_score is None else round(self.dense_score, 4)}}


@dataclass
class SearchResult:
    query: str
    hits: list[ScoredChunk]
    query_terms: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class FusionConfig:
    rrf_k: int = 60
    weight_bm25: float = 1.0
    weight_dense: float = 1.0
    candidates: int = 50
    weight_references: float = 1.0  # third arm: law sections cited by the top hits (e.g. guidance → "bustøttelova § 4")
    reference_from_top: int = 5
    max_per_doc: int = 0  # >0: at most this many chunks per document in the top k (diversity); 0 = no cap


_LAW_REFERENCE = re.compile(r"\b([\wæøåÆØÅ-]+(?:loven|lova|lovens|lovas))\s+§\s*(\d+(?:\s?[a-z]\b)?(?:-\d+(?:\s?[a-z]\b)?)?)", re.I)


def law_references(text: str) -> list[str]:
    """Citation labels referred to in a text, e.g. 'bustøttelova § 4' (lowercase, normalized)."""
    out = []
    for name, number in _LAW_REFERENCE.findall(text):
        name = name.lower().removesuffix("s") if name.lower().endswith(("lovens", "lovas")) else name.lower()
        out.append(f"{name} § {' '.join(number.split())}")
    return out


def rrf_fuse(rankings: list[tuple[list[str], float]], k: int) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum over arms of weight / (k + rank)."""
    fused: dict[str, float] = {}
    for ranking, weight in rankings:
        for rank, doc in enumerate(ranking, start=1):
            fused[doc] = fused.get(doc, 0.0) + weight / (k + rank)
    return fused


def diversify(ranked: list[str], doc_ids: list[str], k: int, max_per_doc: int) -> list[str]:
    """Top k keeping at most `max_per_doc` per document; backfills in rank order if too few documents."""
    if max_per_doc <= 0:
        return ranked[:k]
    chosen: list[str] = []
    held_back: list[str] = []
    per_doc: dict[str, int] = {}
    for item, doc_id in zip(ranked, doc_ids):
        if per_doc.get(doc_id, 0) < max_per_doc:
            chosen.append(item)
            per_doc[doc_id] = per_doc.get(doc_id, 0) + 1
            if len(chosen) == k:
                return chosen
        else:
            held_back.append(item)
    return chosen + held_back[: k - len(chosen)]


def referenced_sections(top: list[Chunk], candidates: list[Chunk]) -> list[str]:
    """Ids of law-section chunks that the top hits cite, kept only if an arm also found them relevant."""
    by_label: dict[str, list[Chunk]] = {}
    for chunk in candidates:
        if chunk.kind in ("lov", "forskrift"):
            by_label.setdefault(" ".join(chunk.label.lower().split()), []).append(chunk)
    top_ids = {c.chunk_id for c in top}
    out: list[str] = []
    for chunk in top:
        for label in law_references(chunk.text):
            for cited in sorted(by_label.get(label, []), key=lambda c: (c.doc_id, c.ordinal)):
                if cited.chunk_id not in top_ids and cited.chunk_id not in out:
                    out.append(cited.chunk_id)
    return out


class HybridRetriever:
    def __init__(self, index: IndexStore, embedder: Embedder, fusion: FusionConfig | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.fusion = fusion or FusionConfig()

    def search(self, query: str, k: int = 8, filters: SearchFilters | None = None, mode: str = "hybrid") -> SearchResult:
        """mode: 'hybrid' (default), 'bm25' (lexical arm only) or 'dense'."""
        filters = filters or SearchFilters()
        n = max(self.fusion.candidates, k)
        t0 = time.perf_counter()
        terms = analyze(query)
        vector = self.embedder.embed_query(query) if mode in ("hybrid", "dense") else None
        t1 = time.perf_counter()
        arms: ArmCandidates = self.index.candidates(query, terms, vector, n, filters, lexical=mode in ("hybrid", "bm25"))
        t2 = time.perf_counter()
        chunks = {c.chunk.chunk_id: c.chunk for c in arms.lexical + arms.dense}
        lexical = [c.chunk.chunk_id for c in arms.lexical]
        dense = [c.chunk.chunk_id for c in arms.dense]
        rankings = []
        if lexical:
            rankings.append((lexical, self.fusion.weight_bm25 if mode == "hybrid" else 1.0))
        if dense:
            rankings.append((dense, self.fusion.weight_dense if mode == "hybrid" else 1.0))
        fused = rrf_fuse(rankings, self.fusion.rrf_k)
        if mode == "hybrid" and self.fusion.weight_references > 0 and fused:
            top = [chunks[i] for i in sorted(fused, key=lambda i: -fused[i])[: self.fusion.reference_from_top]]
            referenced = referenced_sections(top, list(chunks.values()))
            if referenced:
                fused = rrf_fuse(rankings + [(referenced, self.fusion.weight_references)], self.fusion.rrf_k)
        lexical_pos = {cid: r for r, cid in enumerate(lexical, start=1)}
        dense_pos = {cid: r for r, cid in enumerate(dense, start=1)}
        lexical_score = {c.chunk.chunk_id: c.score for c in arms.lexical}
        dense_score = {c.chunk.chunk_id: c.score for c in arms.dense}
        ranked = sorted(fused, key=lambda i: (-fused[i], lexical_pos.get(i, 10**6) + dense_pos.get(i, 10**6)))
        order = diversify(ranked, [chunks[i].doc_id for i in ranked], k, self.fusion.max_per_doc)
        hits = [ScoredChunk(chunk=chunks[i], score=fused[i], bm25_rank=lexical_pos.get(i), bm25_score=lexical_score.get(i),
                            dense_rank=dense_pos.get(i), dense_score=dense_score.get(i))
                for i in order]
        t3 = time.perf_counter()
        timings = {"embed": (t1 - t0) * 1000, "arms": (t2 - t1) * 1000, "fuse": (t3 - t2) * 1000, "total": (t3 - t0) * 1000}
        return SearchResult(query=query, hits=hits, query_terms=terms, timings_ms=timings)
