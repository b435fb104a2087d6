"""The read side of an index backend, `IndexStore`: what the retrieval arms, assistant, API, bots and evals use.
(The write side, `IndexTarget`, is in `boligassistent.indexing.generation`.)

Two implementations share this interface: `stores.embedded.HybridIndex` (files on disk, loaded into the
process; the default) and `stores.postgres.store.PostgresIndex` (one PostgreSQL database shared by many
API replicas). A store offers capabilities (BM25 search, nearest-vector search, term statistics), not arms:
the arms (`retrieval.arms`) are built on them and fused once (`retrieval.fusion`), so both backends rank alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from boligassistent.domain.documents import Chunk


@dataclass(frozen=True)
class SearchFilters:
    kinds: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    exclude_doc_ids: tuple[str, ...] = ()  # documents left out (e.g. leave-one-document-out evaluation)

    def allows(self, chunk: Chunk) -> bool:
        return ((not self.kinds or chunk.kind in self.kinds) and (not self.doc_ids or chunk.doc_id in self.doc_ids)
                and chunk.doc_id not in self.exclude_doc_ids)

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.doc_ids or self.exclude_doc_ids)


@dataclass
class Candidate:
    chunk: Chunk
    score: float  # the arm's own score: BM25, cosine similarity, …


def in_citation_order(chunks: list[Chunk], section_ids: list[str]) -> list[Chunk]:
    """The chunks of the sections `section_ids`, in the order they were cited, each section's in document order."""
    order = {section: i for i, section in enumerate(section_ids)}
    return sorted((c for c in chunks if c.section_id in order), key=lambda c: (order[c.section_id], c.ordinal))


class IndexStore(Protocol):
    manifest: dict

    @property
    def generation(self) -> str:
        """Identity of the loaded generation (a directory name or a database generation id)."""

    @property
    def model_id(self) -> str: ...

    @property
    def chunk_count(self) -> int: ...

    @property
    def document_count(self) -> int: ...

    def bm25_search(self, terms: list[str], n: int, filters: SearchFilters) -> list[Candidate]:
        """Up to n chunks with a positive Okapi BM25 score for the analyzer terms `terms`, best first
        (ties by chunk id); bit-identical scores on every backend (`indexing.bm25`)."""

    def vector_search(self, vector: np.ndarray, n: int, filters: SearchFilters) -> list[Candidate]:
        """Up to n chunks nearest to `vector` by cosine similarity, best first."""

    def known_terms(self, terms: list[str]) -> set[str]:
        """The analyzer terms that occur in at least one chunk (the BM25 vocabulary)."""

    def term_frequencies(self) -> dict[str, int]:
        """Every analyzer term of the BM25 vocabulary with the number of chunks containing it (the query speller's
        lexicon, `text.spelling`)."""

    def term_idf(self, terms: list[str]) -> dict[str, float]:
        """The BM25 idf of each analyzer term, as `bm25_search` weighs it (`indexing.bm25.BM25.term_idf`)."""

    def documents(self) -> list[dict]:
        """Document metadata (without sections), with a `chunks` count each."""

    def document(self, doc_id: str) -> dict | None:
        """One document's metadata including its sections."""

    def chunk(self, chunk_id: str) -> Chunk | None: ...

    def legal_sections(self, doc_id: str, section_ids: list[str] | None, chapter: str | None, n: int) -> list[Candidate]:
        """Up to n chunks of the act or regulation `doc_id` by citation: the sections `section_ids` (e.g. "§13b",
        in that order), else the sections of chapter `chapter` (an arabic number; `text.legal_refs.in_chapter`),
        each section's chunks in document order; score 1.0. Looked up by section id and heading, not by text."""

    def neighbours(self, chunk: Chunk) -> list[Chunk]:
        """The chunks right before and after `chunk` within the same section."""

    def iter_chunks(self) -> Iterator[Chunk]:
        """Every chunk in corpus order (baselines, exports)."""

    def chunk_terms(self, chunk_ids: list[str]) -> set[str]:
        """Union of the analyzer terms of the given chunks."""

    def close(self) -> None: ...
