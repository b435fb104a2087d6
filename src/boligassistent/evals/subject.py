"""The system under evaluation, as the evals see it. The composition root (`runtime.eval_subject`) builds it,
so the evals never read Settings or import the runtime."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from boligassistent.answering.assistant import Assistant
from boligassistent.indexing.embedder import Embedder, EmbeddingCache
from boligassistent.retrieval.retriever import HybridRetriever
from boligassistent.retrieval.store import IndexStore


@dataclass(frozen=True)
class EvalSubject:
    index: IndexStore
    retriever: HybridRetriever
    embedder: Embedder
    embedding_cache: EmbeddingCache  # the LlamaIndex baseline embeds its own chunks through it
    bm25_k1: float  # the BM25 parameters the bm25-plain baseline shares with our BM25 arm
    bm25_b: float
    backend: str  # "embedded" or "postgres", for the report
    new_assistant: Callable[[], Assistant]  # a fresh answering pipeline over the same index
