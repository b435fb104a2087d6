"""Numbered citations of retrieved passages, shared by the answer backends."""

from __future__ import annotations

from boligassistent.answering.models import Citation
from boligassistent.retrieval.types import ScoredChunk


def cite(groups: list[tuple[ScoredChunk, list[str]]]) -> list[Citation]:
    """Citations numbered from 1, one per (passage, quoted sentences) group, in order."""
    return [Citation(n=n, chunk_id=hit.chunk.chunk_id, doc_id=hit.chunk.doc_id, title=hit.chunk.title, kind=hit.chunk.kind,
                     section=hit.chunk.label, paragraph=hit.chunk.ledd_label(),
                     pages=list(hit.chunk.pages) if hit.chunk.pages else None, url=hit.chunk.url, quote=" ".join(quotes))
            for n, (hit, quotes) in enumerate(groups, start=1)]
