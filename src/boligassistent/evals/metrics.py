"""Metric functions for retrieval, answers and abstention (no LLM needed).

Text is compared with the evals' own normalization (`evals/normalize.py`), never the system's analyzer."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from boligassistent.evals.dataset import Question
from boligassistent.evals.normalize import contains_phrase, normalize, words

# A chunk that does not contain a whole evidence span still matches when it holds this share of the span's words…
EVIDENCE_MIN_OVERLAP = 0.5
# …and a contiguous run of at least this many of them (or half the span, when longer): a chunk cut mid-span counts.
EVIDENCE_MIN_RUN = 4


@lru_cache(maxsize=1 << 16)  # pure; the fusion tuning replays the same chunks for hundreds of configurations
def evidence_matches(chunk_text: str, evidence: str) -> bool:
    """A chunk matches a span if it contains it (normalized) or holds ≥ 50 % of its words in order-free overlap
    with a long enough contiguous run of them."""
    ev_norm, chunk_norm = normalize(evidence), normalize(chunk_text)
    if ev_norm and ev_norm in chunk_norm:
        return True
    ev_words = words(ev_norm)
    if not ev_words:
        return False
    chunk_words = words(chunk_norm)
    vocabulary = set(chunk_words)
    return (sum(w in vocabulary for w in ev_words) / len(ev_words) >= EVIDENCE_MIN_OVERLAP
            and _longest_common_run(ev_words, chunk_words) >= max(EVIDENCE_MIN_RUN, len(ev_words) // 2))


def _longest_common_run(a: list[str], b: list[str]) -> int:
    """Length of the longest contiguous word run of `a` that appears in `b` (keeps the 50 % rule honest)."""
    best = 0
    positions: dict[str, list[int]] = {}
    for j, w in enumerate(b):
        positions.setdefault(w, []).append(j)
    for i in range(len(a)):
        for j in positions.get(a[i], []):
            n = 0
            while i + n < len(a) and j + n < len(b) and a[i + n] == b[j + n]:
                n += 1
            best = max(best, n)
    return best


def span_recall(question: Question, retrieved: Sequence[tuple[str, str]], k: int) -> float:
    """Fraction of the best gold document's spans found in the top k (doc_id, text) results."""
    if not question.sources:
        return 0.0
    top = retrieved[:k]
    best = 0.0
    by_doc: dict[str, list[str]] = {}
    for src in question.sources:
        by_doc.setdefault(src.source, []).append(src.evidence)
    for doc_id, spans in by_doc.items():
        texts = [text for d, text in top if d == doc_id]
        found = sum(any(evidence_matches(t, span) for t in texts) for span in spans)
        best = max(best, found / len(spans))
    return best


def reciprocal_rank(question: Question, retrieved: Sequence[tuple[str, str]], k: int = 10) -> float:
    for rank, (doc_id, text) in enumerate(retrieved[:k], start=1):
        if any(src.source == doc_id and evidence_matches(text, src.evidence) for src in question.sources):
            return 1.0 / rank
    return 0.0


def doc_recall(question: Question, retrieved: Sequence[tuple[str, str]], k: int) -> float:
    return 1.0 if question.gold_docs & {d for d, _ in retrieved[:k]} else 0.0


def fact_coverage(answer: str, facts: Sequence[str]) -> float:
    """Share of the facts whose words occur in the answer as a contiguous run (case and punctuation aside)."""
    if not facts:
        return 1.0
    return sum(contains_phrase(answer, fact) for fact in facts) / len(facts)


def abstention_scores(should_abstain: Sequence[bool], did_abstain: Sequence[bool]) -> dict[str, float]:
    tp = sum(s and d for s, d in zip(should_abstain, did_abstain, strict=True))
    fp = sum((not s) and d for s, d in zip(should_abstain, did_abstain, strict=True))
    fn = sum(s and (not d) for s, d in zip(should_abstain, did_abstain, strict=True))
    answerable = sum(not s for s in should_abstain)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "false_abstain_rate": fp / answerable if answerable else 0.0,
            "tp": tp, "fp": fp, "fn": fn, "tn": answerable - fp}


def percentiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0}
    arr = np.asarray(values, dtype=float)
    return {"p50": float(np.percentile(arr, 50)), "p95": float(np.percentile(arr, 95))}
