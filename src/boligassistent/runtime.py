"""Wiring: settings → embedder → index backend → retriever. Shared by the CLI, the API, the bots and the evals."""

from __future__ import annotations

from dataclasses import dataclass

from boligassistent.indexing.chunker import ChunkerConfig
from boligassistent.indexing.embedder import Embedder, EmbeddingCache, create_embedder
from boligassistent.indexing.generation import IndexError_, IndexTarget
from boligassistent.retrieval.retriever import FusionConfig, HybridRetriever
from boligassistent.retrieval.store import IndexStore
from boligassistent.retrieval.stores.embedded import (
    EmbeddedTarget,
    current_generation,
    load_index,
)
from boligassistent.settings import Settings


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


def postgres_pool(settings: Settings):
    """The process's pool for the configured DSN (shared by the index, builds and `db` commands)."""
    from boligassistent.retrieval.stores.postgres.connection import (
        PostgresConfig,
        get_pool,
    )

    if not settings.dsn:
        raise IndexError_("backend 'postgres' needs a DSN: set --dsn or BOLIG_DSN "
                         "(a local server: boligassistent db start)")
    config = PostgresConfig(dsn=settings.dsn, pool_min=settings.pg_pool_min, pool_max=settings.pg_pool_max,
                            connect_timeout_s=settings.pg_connect_timeout_s,
                            statement_timeout_ms=settings.pg_statement_timeout_ms, ef_search=settings.pg_ef_search)
    return get_pool(config)


def open_index(settings: Settings, expected_model_id: str | None = None) -> IndexStore:
    """The active generation of the configured backend."""
    if settings.backend == "postgres":
        from boligassistent.retrieval.stores.postgres.store import PostgresIndex

        return PostgresIndex.open(postgres_pool(settings), expected_model_id=expected_model_id,
                                  k1=settings.bm25_k1, b=settings.bm25_b)
    return load_index(settings.index_dir, settings.bm25_k1, settings.bm25_b, expected_model_id=expected_model_id)


def index_target(settings: Settings) -> IndexTarget:
    """Where `boligassistent index` publishes generations."""
    if settings.backend == "postgres":
        from boligassistent.retrieval.stores.postgres.target import PostgresTarget

        return PostgresTarget(postgres_pool(settings), keep=settings.pg_keep_generations,
                              retire_grace_s=settings.pg_retire_grace_s)
    return EmbeddedTarget(settings.index_dir, hnsw_above=settings.faiss_hnsw_above)


def active_generation(settings: Settings) -> str | None:
    """Identity of the generation a fresh `open_index` would load (the hot-swap watcher polls this)."""
    if settings.backend == "postgres":
        from boligassistent.retrieval.stores.postgres.store import active_generation_id

        generation = active_generation_id(postgres_pool(settings))
        return None if generation is None else str(generation)
    generation = current_generation(settings.index_dir)
    return generation.name if generation else None


@dataclass
class Runtime:
    settings: Settings
    embedder: Embedder
    index: IndexStore
    retriever: HybridRetriever


def open_runtime(settings: Settings, embedder: Embedder | None = None) -> Runtime:
    """Load the configured index with its embedder (`embedder` overrides the configured one: tests)."""
    embedder = embedder or get_embedder(settings)
    index = open_index(settings, expected_model_id=embedder.model_id)
    return Runtime(settings=settings, embedder=embedder, index=index,
                   retriever=HybridRetriever(index, embedder, fusion_config(settings)))
