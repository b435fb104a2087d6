"""Hybrid retrieval: BM25 (Norwegian analyzer) and dense (FAISS) arms fused by weighted RRF.

This is the one retrieval pipeline used by the assistant, the API, the bots and the evaluations.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np

from corpus.models import Chunk
from indexing.analyzer import analyze
from indexing.embedder import Embedder
from indexing.store import HybridIndex


@dataclass(frozen=True)
class SearchFilters:
    kinds: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()

    def allows(self, chunk: Chunk) -> bool:
        return (not self.kinds or chunk.kind in self.kinds) and (not self.doc_ids or chunk.doc_id in self.doc_ids)

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.doc_ids)


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


def rrf_fuse(rankings: list[tuple[list[int], float]], k: int) -> dict[int, float]:
    """Weighted reciprocal rank fusion: sum over arms of weight / (k + rank)."""
    fused: dict[int, float] = {}
    for ranking, weight in rankings:
        for rank, doc in enumerate(ranking, start=1):
            fused[doc] = fused.get(doc, 0.0) + weight / (k + rank)
    return fused


def diversify(ranked: list[int], doc_ids: list[str], k: int, max_per_doc: int) -> list[int]:
    """Top k keeping at most `max_per_doc` per document; backfills in rank order if too few documents."""
    if max_per_doc <= 0:
        return ranked[:k]
    chosen: list[int] = []
    held_back: list[int] = []
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


class HybridRetriever:
    def __init__(self, index: HybridIndex, embedder: Embedder, fusion: FusionConfig | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.fusion = fusion or FusionConfig()

    # --- single arms -------------------------------------------------------------------------
    def bm25_arm(self, terms: list[str], n: int, filters: SearchFilters) -> tuple[list[int], np.ndarray]:
        if not terms or self.index.bm25 is None:
            return [], np.zeros(0)
        scores = self.index.bm25.get_scores(terms)
        if filters.active:
            mask = np.array([filters.allows(c) for c in self.index.chunks])
            scores = np.where(mask, scores, -np.inf)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        ranking = [int(i) for i in top if scores[i] > 0]
        return ranking, scores

    def dense_arm(self, query_vector: np.ndarray, n: int, filters: SearchFilters) -> tuple[list[int], dict[int, float]]:
        total = self.index.faiss_index.ntotal
        if total == 0:
            return [], {}
        want = total if filters.active else min(n, total)
        scores, ids = self.index.faiss_index.search(query_vector.reshape(1, -1).astype(np.float32), want)
        ranking: list[int] = []
        sims: dict[int, float] = {}
        for score, idx in zip(scores[0], ids[0]):
            if idx < 0 or not filters.allows(self.index.chunks[idx]):
                continue
            ranking.append(int(idx))
            sims[int(idx)] = float(score)
            if len(ranking) >= n:
                break
        return ranking, sims

    def _referenced(self, top: list[int], candidates: set[int]) -> list[int]:
        """Chunks of law sections that the top hits cite, kept only if an arm also found them relevant."""
        by_label = self.index.label_positions()
        out: list[int] = []
        for i in top:
            for label in law_references(self.index.chunks[i].text):
                for pos in by_label.get(label, []):
                    if pos in candidates and pos not in out and pos not in top:
                        out.append(pos)
        return out

    # --- hybrid --------------------------------------------------------------------------------
    def search(self, query: str, k: int = 8, filters: SearchFilters | None = None, mode: str = "hybrid") -> SearchResult:
        """mode: 'hybrid' (default), 'bm25' or 'dense'."""
        filters = filters or SearchFilters()
        timings: dict[str, float] = {}
        n = max(self.fusion.candidates, k)
        t0 = time.perf_counter()
        terms = analyze(query)
        bm25_ranking: list[int] = []
        bm25_scores = np.zeros(0)
        if mode in ("hybrid", "bm25"):
            bm25_ranking, bm25_scores = self.bm25_arm(terms, n, filters)
        t1 = time.perf_counter()
        dense_ranking: list[int] = []
        dense_sims: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            dense_ranking, dense_sims = self.dense_arm(self.embedder.embed_query(query), n, filters)
        t2 = time.perf_counter()
        rankings = []
        if bm25_ranking:
            rankings.append((bm25_ranking, self.fusion.weight_bm25 if mode == "hybrid" else 1.0))
        if dense_ranking:
            rankings.append((dense_ranking, self.fusion.weight_dense if mode == "hybrid" else 1.0))
        fused = rrf_fuse(rankings, self.fusion.rrf_k)
        if mode == "hybrid" and self.fusion.weight_references > 0 and fused:
            referenced = self._referenced(sorted(fused, key=lambda i: -fused[i])[: self.fusion.reference_from_top],
                                          set(bm25_ranking) | set(dense_ranking))
            if referenced:
                fused = rrf_fuse(rankings + [(referenced, self.fusion.weight_references)], self.fusion.rrf_k)
        bm25_pos = {doc: r for r, doc in enumerate(bm25_ranking, start=1)}
        dense_pos = {doc: r for r, doc in enumerate(dense_ranking, start=1)}
        ranked = sorted(fused, key=lambda i: (-fused[i], bm25_pos.get(i, 10**6) + dense_pos.get(i, 10**6)))
        order = diversify(ranked, [self.index.chunks[i].doc_id for i in ranked], k, self.fusion.max_per_doc)
        hits = [ScoredChunk(chunk=self.index.chunks[i], score=fused[i], bm25_rank=bm25_pos.get(i),
                            bm25_score=float(bm25_scores[i]) if i in bm25_pos else None,
                            dense_rank=dense_pos.get(i), dense_score=dense_sims.get(i))
                for i in order]
        t3 = time.perf_counter()
        timings.update(bm25=(t1 - t0) * 1000, dense=(t2 - t1) * 1000, fuse=(t3 - t2) * 1000, total=(t3 - t0) * 1000)
        return SearchResult(query=query, hits=hits, query_terms=terms, timings_ms=timings)
