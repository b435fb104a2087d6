"""Evidence features of a retrieval result, used for abstention and sentence selection."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from indexing.analyzer import analyze
from indexing.retriever import SearchResult
from indexing.store import HybridIndex


def term_idf(index: HybridIndex, term: str) -> float:
    """BM25-style idf; terms never seen in the corpus get the maximum (they are the most telling)."""
    n = max(1, len(index.chunks))
    df = index.document_frequency().get(term, 0)
    return math.log((n - df + 0.5) / (df + 0.5) + 1.0)


_CAPITALIZED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-ZÆØÅ][a-zæøåA-ZÆØÅ]{2,})\b")


def proper_nouns(question: str) -> list[str]:
    """Capitalized words that are not sentence-initial: place names, organisations, products."""
    return _CAPITALIZED.findall(question.strip())


@dataclass
class Evidence:
    coverage: float  # idf-weighted share of the question's terms found in the top passages
    top_dense: float  # best cosine similarity among the hits
    missing_entities: list[str]  # proper nouns of the question absent from the top passages

    def confidence(self) -> float:
        dense_part = min(1.0, max(0.0, (self.top_dense - 0.75) / 0.15))
        return round(0.6 * self.coverage + 0.4 * dense_part, 3)


def measure_evidence(index: HybridIndex, result: SearchResult, top_n: int = 4) -> Evidence:
    terms = list(dict.fromkeys(result.query_terms))
    hits = result.hits[:top_n]
    hit_terms: set[str] = set()
    for hit in hits:
        pos = index.chunk_position(hit.chunk.chunk_id)
        if pos is not None:
            hit_terms.update(index.tokens[pos])
    weights = {t: term_idf(index, t) for t in terms}
    total = sum(weights.values())
    covered = sum(w for t, w in weights.items() if t in hit_terms)
    return Evidence(
        coverage=covered / total if total else 0.0,
        top_dense=max((h.dense_score or 0.0 for h in result.hits), default=0.0),
        missing_entities=[name for name in proper_nouns(result.query)
                          if (stems := analyze(name)) and not any(stem in hit_terms for stem in stems)],
    )
