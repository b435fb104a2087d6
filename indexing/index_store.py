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

from corpus.models import Chunk


class IndexError_(RuntimeError):
    """Base error for a missing, incompatible or unreachable index (named to avoid the builtin IndexError)."""


class IndexNotFound(IndexError_):
    pass


class IndexMismatch(IndexError_):
    pass


class IndexUnavailable(IndexError_):
    """The index backend cannot be reached right now (e.g. the database is down); retrying may help."""


class GenerationRetired(IndexUnavailable):
    """The generation this process reads was removed after newer ones were published: reload the index."""


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


@dataclass
class GenerationPlan:
    """What the builder hands a target: the new generation, as unchanged documents to carry over from the
    previous generation plus the (re)parsed documents with their chunks, analyzer terms and vectors."""

    manifest: dict
    order: list[str]  # doc ids of the new generation, in corpus order
    kept: set[str]  # unchanged documents, carried over from the previous generation
    documents: dict[str, dict]  # outlines (metadata + sections) of the (re)parsed documents
    chunks: list[Chunk]  # chunks of the (re)parsed documents
    tokens: list[list[str]]
    vectors: np.ndarray


class IndexTarget(Protocol):
    @property
    def location(self) -> str:
        """Where generations go (a directory, or a database without its password)."""

    def previous_manifest(self) -> dict | None:
        """Manifest of the active generation, or None if there is none."""

    def publish(self, plan: GenerationPlan) -> str:
        """Write the new generation beside the active one and switch to it atomically; returns its identity.
        Readers see the old generation or the new one, never a half-built one."""
