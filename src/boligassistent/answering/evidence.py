"""Evidence features of a retrieval result, used for abstention, sentence selection and the answer's confidence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from boligassistent.retrieval.types import SearchResult
from boligassistent.text.analyzer import analyze


class TermStatistics(Protocol):
    """What evidence needs from the index (an `IndexStore` provides both)."""

    def term_idf(self, terms: list[str]) -> dict[str, float]:
        """The BM25 idf of each term, as the lexical arm scores it."""

    def chunk_terms(self, chunk_ids: list[str]) -> set[str]:
        """Union of the analyzer terms of the given chunks."""


@dataclass(frozen=True)
class EvidenceConfig:
    coverage_passages: int = 4  # the top hits whose terms count as covering the question
    # confidence = coverage_weight × coverage + dense_weight × the top dense similarity scaled from
    # [dense_floor, dense_floor + dense_span] to [0, 1] (e5 cosine similarities of on-topic passages)
    coverage_weight: float = 0.6
    dense_weight: float = 0.4
    dense_floor: float = 0.75
    dense_span: float = 0.15


_CAPITALIZED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-ZÆØÅ][a-zæøåA-ZÆØÅ]{2,})\b")


def proper_nouns(question: str) -> list[str]:
    """Capitalized words that are not sentence-initial: place names, organisations, products."""
    return _CAPITALIZED.findall(question.strip())


@dataclass
class Evidence:
    coverage: float  # idf-weighted share of the question's terms found in the top passages
    top_dense: float  # best cosine similarity among the hits
    missing_entities: list[str]  # proper nouns of the question absent from the top passages
    confidence: float = 0.0  # shown with the answer, 0–1
    idf: dict[str, float] = field(default_factory=dict)  # of the question's terms (reused for sentence scoring)


def measure_evidence(index: TermStatistics, result: SearchResult, config: EvidenceConfig = EvidenceConfig()) -> Evidence:
    terms = list(dict.fromkeys(result.query_terms))
    hit_terms = index.chunk_terms([hit.chunk.chunk_id for hit in result.hits[:config.coverage_passages]])
    weights = index.term_idf(terms)
    total = sum(weights.values())
    coverage = sum(w for t, w in weights.items() if t in hit_terms) / total if total else 0.0
    top_dense = max((hit.arm_score("dense") or 0.0 for hit in result.hits), default=0.0)
    dense_part = min(1.0, max(0.0, (top_dense - config.dense_floor) / config.dense_span))
    return Evidence(
        coverage=coverage,
        top_dense=top_dense,
        missing_entities=[name for name in proper_nouns(result.query)
                          if (stems := analyze(name)) and not any(stem in hit_terms for stem in stems)],
        confidence=round(config.coverage_weight * coverage + config.dense_weight * dense_part, 3),
        idf=weights,
    )
