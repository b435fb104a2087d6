"""The two sides of an index backend: `IndexStore` (read: what the retriever, assistant, API, bots and
evals use) and `IndexTarget` (write: where the builder publishes a new generation).

Two implementations share this interface: `indexing.store.HybridIndex` (files on disk, loaded into the
process; the default) and `indexing.postgres.store.PostgresIndex` (one PostgreSQL database shared by many
API replicas). Both return each arm's candidates; fusion happens once, in `indexing.retriever`, so the
two backends rank the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from boligassistent.domain.documents import Chunk


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
class Candidate:
    chunk: Chunk
    score: float  # lexical: BM25 / full-text rank; dense: cosine similarity


@dataclass
class ArmCandidates:
    """Each arm's candidates, best first."""

    lexical: list[Candidate] = field(default_factory=list)
    dense: list[Candidate] = field(default_factory=list)


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

    def candidates(self, query: str, terms: list[str], query_vector: np.ndarray | None, n: int,
                   filters: SearchFilters, lexical: bool = True) -> ArmCandidates:
        """Up to n candidates per arm. `terms` are the analyzer's terms of `query`; no dense arm without a vector."""

    def documents(self) -> list[dict]:
        """Document metadata (without sections), with a `chunks` count each."""

    def document(self, doc_id: str) -> dict | None:
        """One document's metadata including its sections."""

    def chunk(self, chunk_id: str) -> Chunk | None: ...

    def neighbours(self, chunk: Chunk) -> list[Chunk]:
        """The chunks right before and after `chunk` within the same section."""

    def iter_chunks(self) -> Iterator[Chunk]:
        """Every chunk in corpus order (baselines, exports)."""

    def document_frequency(self, terms: list[str]) -> dict[str, int]:
        """Analyzer term → number of chunks containing it."""

    def chunk_terms(self, chunk_ids: list[str]) -> set[str]:
        """Union of the analyzer terms of the given chunks."""

    def close(self) -> None: ...
