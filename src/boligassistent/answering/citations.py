"""Numbered citations of retrieved passages, shared by the answer backends."""

from __future__ import annotations

from boligassistent.answering.models import Citation
from boligassistent.retrieval.types import ScoredChunk


def _ledd_label(hit: ScoredChunk) -> str | None:
    if hit.chunk.kind in ("lov", "forskrift") and hit.chunk.ledd:
        a, b = hit.chunk.ledd
        return f"{a}. ledd" if a == b else f"{a}.–{b}. ledd"
    return None


def cite(groups: list[tuple[ScoredChunk, list[str]]]) -> list[Citation]:
    """Citations numbered from 1, one per (passage, quoted sentences) group, in order."""
    return [Citation(n=n, chunk_id=hit.chunk.chunk_id, doc_id=hit.chunk.doc_id, title=hit.chunk.title, kind=hit.chunk.kind,
                     section=hit.chunk.label, paragraph=_ledd_label(hit),
                     pages=list(hit.chunk.pages) if hit.chunk.pages else None, url=hit.chunk.url, quote=" ".join(quotes))
            for n, (hit, quotes) in enumerate(groups, start=1)]
