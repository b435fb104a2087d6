"""What a build produces and where it goes: the generation plan handed to an index target, the target's
protocol (the write side of a backend), the index format version, and the errors of a missing, incompatible
or unreachable index. The read side (`IndexStore`) lives in `boligassistent.retrieval.store`."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from boligassistent.domain.documents import Chunk

INDEX_FORMAT = 2  # 2: embedded generations persist BM25 postings instead of token lists


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


class IndexCorrupt(IndexError_):
    """A generation's files are damaged (truncated, missing, unparseable, counts that disagree)."""


class IndexBuildLocked(IndexError_):
    """Another build of the same index is running and did not finish in time."""


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


@runtime_checkable
class ExclusiveTarget(Protocol):
    """A target whose builds must not overlap from the first read of the previous manifest to the publish
    (the embedded files: two builders would otherwise delete each other's work). The builder holds
    `exclusive()` for the whole build; targets that serialize publishing themselves need not offer it."""

    def exclusive(self) -> AbstractContextManager[None]:
        """Wait for (or fail clearly on) a concurrent build of the same index; held until the build ends."""
