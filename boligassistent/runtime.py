"""Wiring: settings → embedder → index → retriever. Shared by the CLI, the API, the bots and the evals."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from boligassistent.settings import Settings
from indexing.chunker import ChunkerConfig
from indexing.embedder import Embedder, EmbeddingCache, create_embedder
from indexing.retriever import FusionConfig, HybridRetriever
from indexing.store import HybridIndex, load_index


def chunker_config(settings: Settings) -> ChunkerConfig:
    return ChunkerConfig(max_chars=settings.chunk_max_chars, overlap_chars=settings.chunk_overlap_chars)


def fusion_config(settings: Settings) -> FusionConfig:
    return FusionConfig(rrf_k=settings.rrf_k, weight_bm25=settings.weight_bm25, weight_dense=settings.weight_dense,
                        candidates=settings.candidates_per_arm, max_per_doc=settings.max_chunks_per_doc,
                        weight_references=settings.weight_references)


_EMBEDDERS: dict[tuple, Embedder] = {}


def get_embedder(settings: Settings) -> Embedder:
    """One embedder per configuration per process (loading weights is the slow part)."""
    key = (settings.embedder, str(settings.st_model_dir), settings.st_query_prompt, settings.st_document_prompt)
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = create_embedder(settings)
    return _EMBEDDERS[key]


def embedding_cache(settings: Settings) -> EmbeddingCache:
    return EmbeddingCache(settings.cache_dir / "embeddings.sqlite3")


@dataclass
class Runtime:
    settings: Settings
    embedder: Embedder
    index: HybridIndex
    retriever: HybridRetriever


def open_runtime(settings: Settings) -> Runtime:
    embedder = get_embedder(settings)
    index = load_index(settings.index_dir, settings.bm25_k1, settings.bm25_b, expected_model_id=embedder.model_id)
    return Runtime(settings=settings, embedder=embedder, index=index,
                   retriever=HybridRetriever(index, embedder, fusion_config(settings)))
