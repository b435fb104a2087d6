"""Semantic similarity between a question and short texts (answer candidates), by the index's own embedder.

The lexical score of a sentence only sees the question's words; the embedder sees paraphrase ("Må vi stille krav om
aktivitet?" against "Det skal stilles vilkår om aktivitet …"). Embedding costs a few milliseconds per sentence, so
vectors are kept: in memory (bounded) and, when given, in the persistent embedding cache that index builds use, keyed
by model and text, so a passage's sentences are embedded once per model, not once per question.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from boligassistent.indexing.embedder import Embedder, EmbeddingCache, embed_with_cache


class SentenceSimilarity(Protocol):
    def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
        """Cosine similarity of the query to each text, in order."""


class EmbedderSimilarity:
    """Query and passage vectors from the retrieval embedder (e5: "query: " / "passage: "), cosine of unit vectors.
    Thread-safe: the service answers from several worker threads."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache | None = None, memory_size: int = 8192) -> None:
        self.embedder = embedder
        self.cache = cache
        self.memory_size = memory_size
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()  # "q:"/"p:" + text → unit vector
        self._lock = threading.Lock()

    def _remember(self, key: str, vector: np.ndarray) -> np.ndarray:
        self._memory[key] = vector
        self._memory.move_to_end(key)
        while len(self._memory) > self.memory_size:
            self._memory.popitem(last=False)
        return vector

    def _query(self, query: str) -> np.ndarray:
        key = "q:" + query
        if (vector := self._memory.get(key)) is not None:
            return vector
        return self._remember(key, _unit(self.embedder.embed_query(query)))

    def _passages(self, texts: Sequence[str]) -> list[np.ndarray]:
        missing = list(dict.fromkeys(t for t in texts if "p:" + t not in self._memory))
        if missing:
            matrix, _ = embed_with_cache(self.embedder, missing, self.cache)
            for text, vector in zip(missing, matrix):
                self._memory["p:" + text] = _unit(vector)
        out = [self._memory["p:" + t] for t in texts]
        for text, vector in zip(texts, out):  # refreshed (and the memory bounded) only once all are read
            self._remember("p:" + text, vector)
        return out

    def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        with self._lock:  # one embedding call at a time (the sqlite cache and the model are shared)
            q = self._query(query)
            return [float(np.dot(q, v)) for v in self._passages(texts)]


def _unit(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
