"""Evidence features of a retrieval result, used for abstention and sentence selection."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from boligassistent.retrieval.retriever import SearchResult
from boligassistent.retrieval.store import IndexStore
from boligassistent.text.analyzer import analyze


def term_idf(index: IndexStore, terms: list[str]) -> dict[str, float]:
    """BM25-style idf per term; terms never seen in the corpus get the maximum (they are the most telling)."""
    n = max(1, index.chunk_count)
    return {t: math.log((n - df + 0.5) / (df + 0.5) + 1.0) for t, df in index.document_frequency(terms).items()}


_CAPITALIZED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-ZÆØÅ][a-zæøåA-ZÆØÅ]{2,})\b")


def proper_nouns(question: str) -> list[str]:
    """Capitalized words that are not sentence-initial: place names, organisations, products."""
    return _CAPITALIZED.findall(question.strip())


@dataclass
class Evidence:
    coverage: float  # idf-weighted share of the question's terms found in the top passages
    top_dense: float  # best cosine similarity among the hits
    missing_entities: list[str]  # proper nouns of the question absent from the top passages
    idf: dict[str, float] = field(default_factory=dict)  # of the question's terms (reused for sentence scoring)

    def confidence(self) -> float:
        dense_part = min(1.0, max(0.0, (self.top_dense - 0.75) / 0.15))
        return round(0.6 * self.coverage + 0.4 * dense_part, 3)


def measure_evidence(index: IndexStore, result: SearchResult, top_n: int = 4) -> Evidence:
    terms = list(dict.fromkeys(result.query_terms))
    hit_terms = index.chunk_terms([hit.chunk.chunk_id for hit in result.hits[:top_n]])
    weights = term_idf(index, terms)
    total = sum(weights.values())
    covered = sum(w for t, w in weights.items() if t in hit_terms)
    return Evidence(
        coverage=covered / total if total else 0.0,
        top_dense=max((h.dense_score or 0.0 for h in result.hits), default=0.0),
        missing_entities=[name for name in proper_nouns(result.query)
                          if (stems := analyze(name)) and not any(stem in hit_terms for stem in stems)],
        idf=weights,
    )
