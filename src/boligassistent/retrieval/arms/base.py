"""The `Arm` protocol: one way of finding candidate chunks for a query, fused with the others by weighted RRF.

An arm is a module with one class (`arms/bm25.py`, `arms/dense.py`, `arms/references.py`, …) built in
`runtime.py` from what it needs (a store, an embedder, its own parameters). Arms run in their configured order;
each sees the results of the arms before it, so an expansion arm can work from their fused top.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from boligassistent.domain.documents import Chunk
from boligassistent.retrieval.store import Candidate, SearchFilters


@dataclass(frozen=True)
class ArmRun:
    """What one arm returned, with the weight fusion gives it."""

    name: str
    weight: float
    candidates: list[Candidate]  # best first


@dataclass
class ArmQuery:
    text: str  # the query as asked (each arm analyses it its own way)
    filters: SearchFilters
    n: int  # candidates wanted
    earlier: list[ArmRun] = field(default_factory=list)  # the arms that ran before this one, in order
    fused: list[Chunk] = field(default_factory=list)  # their fusion, best first
    timings_ms: dict[str, float] = field(default_factory=dict)  # an arm may record its own steps here (e.g. "embed")


class Arm(Protocol):
    @property
    def name(self) -> str:
        """The arm's name: the key of its weight, its `ScoredChunk.arms` entry, its timing and its search mode."""

    def search(self, query: ArmQuery) -> list[Candidate]:
        """Up to `query.n` candidates, best first, each with the arm's own score."""
