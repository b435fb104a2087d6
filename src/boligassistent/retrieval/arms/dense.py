"""The dense arm: the query embedded (e5 query prompt) and the store's nearest chunk vectors by cosine similarity."""

from __future__ import annotations

import time
from dataclasses import dataclass

from boligassistent.indexing.embedder import Embedder
from boligassistent.retrieval.arms.base import ArmQuery
from boligassistent.retrieval.store import Candidate, IndexStore


@dataclass
class DenseArm:
    store: IndexStore
    embedder: Embedder
    name: str = "dense"

    def search(self, query: ArmQuery) -> list[Candidate]:
        started = time.perf_counter()
        vector = self.embedder.embed_query(query.text)
        query.timings_ms["embed"] = (time.perf_counter() - started) * 1000
        return self.store.vector_search(vector, query.n, query.filters)
