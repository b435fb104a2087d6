"""Evidence features of a retrieval result, used for abstention and sentence selection."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from indexing.analyzer import analyze

from indexing.retriever import SearchResult
from indexing.store import HybridIndex


def term_idf(index: HybridIndex, term: str) -> float:
    """BM25-style idf; terms never seen in the corpus get the maximum (they are the most telling)."""
    n = max(1, len(index.chunks))
    df = _document_frequency(index).get(term, 0)
    return math.log((n - df + 0.5) / (df + 0.5) + 1.0)


def _document_frequency(index: HybridIndex) -> dict[str, int]:
    cached = getattr(index, "_df_cache", None)
    if cached is None:
        cached = {}
        for tokens in index.tokens:
            for term in set(tokens):
                cached[term] = cached.get(term, 0) + 1
        index._df_cache = cached  # type: ignore[attr-defined]
    return cached


_CAPITALIZED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-ZÆØÅ][a-zæøåA-ZÆØÅ]{2,})\b")


def proper_nouns(question: str) -> list[str]:
    """Capitalized words that are not sentence-initial: place names, organisations, products."""
    return _CAPITALIZED.findall(question.strip())


@dataclass
class Evidence:
    coverage: float  # idf-weighted share of the question's terms found in the top passages
    top_dense: float  # best cosine similarity among the hits
    top_score: float  # best fused score
    unknown_terms: list[str]  # question terms that occur nowhere in the corpus
    missing_rare_terms: list[str]  # rare terms (high idf) absent from the top passages
    agreement: bool  # the two arms share at least one document in their top 5
    missing_entities: list[str] = field(default_factory=list)  # proper nouns of the question absent from the top passages

    def confidence(self) -> float:
        dense_part = min(1.0, max(0.0, (self.top_dense - 0.75) / 0.15))
        return round(0.6 * self.coverage + 0.4 * dense_part, 3)


def measure_evidence(index: HybridIndex, result: SearchResult, top_n: int = 4) -> Evidence:
    terms = list(dict.fromkeys(result.query_terms))
    df = _document_frequency(index)
    hits = result.hits[:top_n]
    hit_terms: set[str] = set()
    for hit in hits:
        pos = index.chunk_position(hit.chunk.chunk_id)
        if pos is not None:
            hit_terms.update(index.tokens[pos])
    weights = {t: term_idf(index, t) for t in terms}
    total = sum(weights.values())
    covered = sum(w for t, w in weights.items() if t in hit_terms)
    n = max(1, len(index.chunks))
    rare_cut = math.log((n - 5 + 0.5) / (5 + 0.5) + 1.0)  # in at most ~5 chunks
    bm25_docs = {h.chunk.doc_id for h in result.hits if h.bm25_rank and h.bm25_rank <= 5}
    dense_docs = {h.chunk.doc_id for h in result.hits if h.dense_rank and h.dense_rank <= 5}
    return Evidence(
        coverage=covered / total if total else 0.0,
        top_dense=max((h.dense_score or 0.0 for h in result.hits), default=0.0),
        top_score=result.hits[0].score if result.hits else 0.0,
        unknown_terms=[t for t in terms if df.get(t, 0) == 0],
        missing_rare_terms=[t for t in terms if weights[t] >= rare_cut and t not in hit_terms],
        agreement=bool(bm25_docs & dense_docs),
        missing_entities=[name for name in proper_nouns(result.query)
                          if (stems := analyze(name)) and not any(stem in hit_terms for stem in stems)],
    )
