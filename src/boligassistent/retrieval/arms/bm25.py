"""The lexical arm: Okapi BM25 over the analyzer's terms, computed by the store."""

from __future__ import annotations

from dataclasses import dataclass

from boligassistent.retrieval.arms.base import ArmQuery
from boligassistent.retrieval.store import Candidate, IndexStore


@dataclass
class BM25Arm:
    store: IndexStore
    name: str = "bm25"

    def search(self, query: ArmQuery) -> list[Candidate]:
        return self.store.bm25_search(query.terms, query.n, query.filters)
