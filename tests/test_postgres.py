"""The PostgreSQL backend against a real server started for the test session (PostgreSQL 18 + pgvector).

Same corpus, same embedder, same fusion: the database backend must answer like the embedded one, re-index
incrementally, switch generations atomically under concurrent readers, and fail clearly when the database
is unreachable or lacks pgvector.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest

from boligassistent.indexing.generation import (
    IndexMismatch,
    IndexNotFound,
    IndexUnavailable,
)
from boligassistent.retrieval.store import SearchFilters
from boligassistent.retrieval.stores.postgres.connection import (
    MissingPgvector,
    PostgresConfig,
    close_pools,
    get_pool,
)
from boligassistent.retrieval.stores.postgres.local_server import LocalPostgres
from boligassistent.retrieval.stores.postgres.schema import migrate
from boligassistent.runtime import open_runtime
from tests.conftest import (
    build,
    free_port,
    make_settings,
    new_database,
    server_root,
    start_server,
)
from tests.fakes import FakeEmbedder
from tests.fixtures.make_corpus import make_corpus

QUERIES = ["Kan en student få bostøtte?", "taushetsplikt samtykke", "husleierestanse",
           "Hva skjer med bostøtten ved soning?", "samarbeid med kriminalomsorgen"]


@pytest.fixture()
def pg_settings(tmp_path, pg_server):
    """An empty database and a fresh copy of the fixture corpus, configured for the postgres backend."""
    corpus = make_corpus(tmp_path / "corpus")
    dsn = new_database(pg_server, f"t_{uuid.uuid4().hex[:10]}")
    return make_settings(tmp_path, corpus, backend="postgres", dsn=dsn)


def _tables(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_schema_build_and_reads_match_the_embedded_index(pg_settings, tmp_path):
    long_text = " ".join(f"Avsnitt {i} handler om oppfølging i bolig, husleie og samarbeid mellom tjenestene." for i in range(60))
    (pg_settings.corpus_dir / "lang-veileder.txt").write_text(long_text, encoding="utf-8")
    with pytest.raises(IndexNotFound, match="boligassistent index --backend postgres"):
        open_runtime(pg_settings)
    report = build(pg_settings)
    assert report.changed and report.generation == "1" and report.skipped  # the fixture corpus has broken files
    assert {"generations", "active_generation", "documents", "sections", "files", "chunks", "chunks_g1",
            "term_stats", "postings", "postings_g1", "schema_migrations"} <= _tables(pg_settings.dsn)
    with psycopg.connect(pg_settings.dsn) as conn:
        indexes = " ".join(r[0] for r in conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'chunks_g1'"))
        skipped = conn.execute("SELECT count(*) FROM files WHERE status = 'skipped' AND reason <> ''").fetchone()[0]
        # embeddings stay in the row (no TOAST lookups when distances are computed outside the HNSW index)
        toasted = conn.execute("SELECT count(*) FILTER (WHERE pg_column_toast_chunk_id(embedding) IS NOT NULL), "
                               "count(*) FILTER (WHERE pg_column_toast_chunk_id(body) IS NOT NULL) FROM chunks_g1").fetchone()
    assert toasted[0] == 0 and toasted[1] > 0  # the long guidance text is toasted, its vectors are not
    assert "USING hnsw" in indexes and "vector_cosine_ops" in indexes and "(seq)" in indexes
    assert skipped == len(open_runtime(pg_settings).index.manifest["skipped"]) > 0  # parse failures are remembered

    embedded = make_settings(tmp_path / "emb", pg_settings.corpus_dir)
    build(embedded)
    pg, emb = open_runtime(pg_settings), open_runtime(embedded)
    assert pg.index.chunk_count == emb.index.chunk_count and pg.index.document_count == emb.index.document_count
    assert [c.chunk_id for c in pg.index.iter_chunks()] == [c.chunk_id for c in emb.index.iter_chunks()]
    assert sorted(pg.index.documents(), key=lambda d: d["doc_id"]) == sorted(emb.index.documents(), key=lambda d: d["doc_id"])
    for doc in emb.index.documents():
        assert pg.index.document(doc["doc_id"]) == emb.index.document(doc["doc_id"])
    some = next(c for c in emb.index.iter_chunks() if emb.index.neighbours(c))
    assert pg.index.chunk(some.chunk_id) == some and pg.index.neighbours(some) == emb.index.neighbours(some)
    terms = ["bostøtt", "student", "finnesikk", "student"]
    assert pg.index.term_idf(terms) == emb.index.term_idf(terms)  # the same idf function (indexing.bm25), bit for bit
    assert pg.index.term_frequencies() == emb.index.term_frequencies()  # the query speller's lexicon (text.spelling)
    assert pg.index.chunk_terms([some.chunk_id]) == emb.index.chunk_terms([some.chunk_id])


def _ranked(runtime, query: str, mode: str, k: int = 10, **kwargs) -> list[str]:
    return [h.chunk.chunk_id for h in runtime.retriever.search(query, k=k, mode=mode, **kwargs).hits]


def _bm25(runtime, query: str, **kwargs) -> tuple[list[str], list[float]]:
    hits = runtime.retriever.search(query, k=10, mode="bm25", **kwargs).hits
    return [h.chunk.chunk_id for h in hits], [h.arm_score("bm25") for h in hits]


def _same_bm25(pg, emb, query: str, **kwargs) -> None:
    (ours, our_scores), (theirs, their_scores) = _bm25(pg, query, **kwargs), _bm25(emb, query, **kwargs)
    assert ours == theirs and our_scores == pytest.approx(their_scores, rel=1e-9), query


def test_hybrid_search_matches_the_embedded_backend(pg_settings, tmp_path):
    build(pg_settings)
    embedded = make_settings(tmp_path / "emb", pg_settings.corpus_dir)
    build(embedded)
    pg, emb = open_runtime(pg_settings), open_runtime(embedded)
    nynorsk = "Kva skjer med bustøtta til ein student? student student"  # variant folding, a repeated term
    for query in QUERIES + [nynorsk]:
        # the lexical arm is BM25 over the same analyzer terms in both backends: same chunks, same scores
        _same_bm25(pg, emb, query)
        # the dense arm is the same model and metric; HNSW on a small index is exact
        assert _ranked(pg, query, "dense") == _ranked(emb, query, "dense"), query
        # so fusion sees the same candidates in the same order
        assert _ranked(pg, query, "hybrid") == _ranked(emb, query, "hybrid"), query
    _same_bm25(pg, emb, "taushetsplikt samtykke", filters=SearchFilters(kinds=("veiledning",)))
    assert pg.retriever.search("finnesikkeordet", k=5, mode="bm25").hits == []
    hit = pg.retriever.search("Kan en student få bostøtte?", k=3).hits[0]
    assert hit.chunk.label.lower() == "testlova § 2" and hit.arm_rank("bm25") and hit.arm_rank("dense")
    assert 0.7 < hit.arm_score("dense") <= 1.0
    only_guidance = pg.retriever.search("taushetsplikt samtykke", k=5, filters=SearchFilters(kinds=("veiledning",)))
    assert only_guidance.hits and all(h.chunk.kind == "veiledning" for h in only_guidance.hits)


def test_incremental_reindex_and_generation_pruning(pg_settings, tmp_path):
    from boligassistent.runtime import create_service

    pg_settings = pg_settings.model_copy(update={"pg_retire_grace_s": 0})
    first = build(pg_settings)
    stale = create_service(pg_settings.model_copy(update={"state_db": tmp_path / "stale.sqlite3"}))
    assert stale.load() and stale.generation == "1"
    again = build(pg_settings)
    assert not again.changed and again.generation == first.generation and again.embedded_chunks == 0
    corpus = pg_settings.corpus_dir
    (corpus / "ny.txt").write_text("Helt ny tekst om startlån for førstegangsetablerere.", encoding="utf-8")
    removed = next(p for p in sorted(corpus.rglob("*.html")))
    removed.unlink()
    second = build(pg_settings)
    assert second.changed and second.parsed_files == ["ny.txt"] and second.generation == "2"
    assert removed.relative_to(corpus).as_posix() in second.removed_files
    runtime = open_runtime(pg_settings)
    assert runtime.index.generation == "2"
    assert runtime.retriever.search("startlån førstegangsetablerere", k=1).hits[0].chunk.doc_id == "ny.txt"
    assert all(c.doc_id != removed.relative_to(corpus).as_posix() for c in runtime.index.iter_chunks())
    (corpus / "ny.txt").write_text("Endret tekst om startlån og bostøtte.", encoding="utf-8")
    third = build(pg_settings)
    assert third.generation == "3" and third.parsed_files == ["ny.txt"]
    with psycopg.connect(pg_settings.dsn) as conn:
        generations = conn.execute("SELECT id, status FROM generations ORDER BY id").fetchall()
        partitions = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE tablename ~ '^(chunks|postings)_g'")}
    assert generations == [(2, "retired"), (3, "active")]
    assert partitions == {"chunks_g2", "chunks_g3", "postings_g2", "postings_g3"}
    answer = stale.answer("Kan en student få bostøtte?")  # its generation is gone: it reloads, then answers
    assert answer is not None and not answer.abstained and stale.generation == "3"


def test_migration_from_the_first_schema_and_generations_without_postings(pg_settings):
    """A database on schema 1 (ts_rank full text) migrates to BM25 postings; a generation without postings is
    refused with the command that fixes it, and a rebuild serves again."""
    from boligassistent.retrieval.stores.postgres.schema import migration_files

    first = next(text for version, _, text in migration_files() if version == 1)
    with psycopg.connect(pg_settings.dsn, autocommit=True) as conn:
        conn.execute(first)
        conn.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
                     "applied_at timestamptz NOT NULL DEFAULT now())")
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (1, '001_initial.sql')")
    assert migrate(get_pool(PostgresConfig(pg_settings.dsn))) == ["002_bm25_postings.sql", "003_embedding_inline.sql"]
    assert "lexeme_stats" not in _tables(pg_settings.dsn)
    build(pg_settings)
    with psycopg.connect(pg_settings.dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE postings_g1")  # as if generation 1 had been built before migration 2
    with pytest.raises(IndexMismatch, match="--rebuild"):
        open_runtime(pg_settings)
    assert build(pg_settings, rebuild=True).generation == "2"
    assert open_runtime(pg_settings).retriever.search("Kan en student få bostøtte?", k=1, mode="bm25").hits


def test_pooled_connections_opened_before_pgvector_get_the_search_settings(pg_settings):
    """A connection the pool opened before `migrate` created the extension is reused for searches; it must
    still search HNSW with our breadth (pgvector's default of 40 silently caps every dense arm at 40 rows)."""
    config = PostgresConfig(pg_settings.dsn, pool_min=1, pool_max=1, ef_search=123)
    pool = get_pool(config)
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'vector'").fetchone()[0] == 0
    migrate(pool)
    with pool.connection() as conn:
        conn.execute("SELECT '[1,2]'::vector <=> '[2,1]'::vector")  # loads pgvector into this session
        assert conn.execute("SHOW hnsw.ef_search").fetchone()[0] == "123"
        assert conn.execute("SHOW hnsw.iterative_scan").fetchone()[0] == "relaxed_order"


def test_readers_never_see_a_half_built_index(pg_settings):
    """Replicas keep answering, on the old generation or the new one, while two builds publish."""
    build(pg_settings)
    expected = open_runtime(pg_settings).index.chunk_count
    errors: list[str] = []
    seen: set[str] = set()
    stop = threading.Event()

    def replica() -> None:
        while not stop.is_set():
            try:
                current = open_runtime(pg_settings)  # what a replica does when it hot-swaps
                seen.add(current.index.generation)
                hits = current.retriever.search("Kan en student få bostøtte?", k=3).hits
                if not hits or current.index.chunk_count not in (expected, expected + 1):
                    errors.append(f"generation {current.index.generation}: {len(hits)} hits, {current.index.chunk_count} chunks")
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                errors.append(repr(exc))

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for t in threads:
        t.start()
    (pg_settings.corpus_dir / "ny.txt").write_text("Ny tekst om midlertidig bolig.", encoding="utf-8")
    assert build(pg_settings).generation == "2"
    assert build(pg_settings, rebuild=True).generation == "3"  # generation 1 stays for the grace period
    deadline = time.time() + 20
    while "3" not in seen and time.time() < deadline:
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors[:5]
    assert "1" in seen and "3" in seen


def test_api_on_the_postgres_backend_and_through_an_outage(tmp_path, pg_server):
    """The unchanged API over the database; when the database goes away: a Norwegian 503, then recovery."""
    root = server_root()
    server = LocalPostgres(root / "data", port=free_port())
    dsn = server.start()
    try:
        corpus = make_corpus(tmp_path / "corpus")
        settings = make_settings(tmp_path, corpus, backend="postgres", dsn=dsn, dev_no_auth=True, pg_connect_timeout_s=2)
        build(settings)
        live, service = start_server(settings, open_runtime(settings))
        with live:
            ask = httpx.post(live.url + "/v1/ask", json={"question": "Kan en student få bostøtte?"}, timeout=30)
            assert ask.status_code == 200, ask.text
            body = ask.json()
            assert not body["abstained"] and body["citations"][0]["section"] == "testlova § 2"
            source = httpx.get(f"{live.url}/v1/sources/{body['citations'][0]['chunk_id']}", timeout=10).json()
            assert source["chunk"]["chunk_id"] == body["citations"][0]["chunk_id"]
            ready = httpx.get(live.url + "/readyz", timeout=10).json()
            assert ready["backend"] == "postgres" and ready["generation"] == "1"

            server.stop()
            down = httpx.post(live.url + "/v1/ask", json={"question": "Kan en student få bostøtte?"}, timeout=30)
            assert down.status_code == 503 and "Prøv igjen" in down.json()["detail"]
            search = httpx.get(live.url + "/v1/search", params={"q": "bostøtte"}, timeout=30)
            assert search.status_code == 503 and search.json()["detail"].startswith("Kunnskapsbasen er ikke tilgjengelig")
            assert "Traceback" not in search.text

            server.start()
            again = httpx.post(live.url + "/v1/ask", json={"question": "Kan en student få bostøtte?"}, timeout=30)
            assert again.status_code == 200 and not again.json()["abstained"]
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_unreachable_database_is_a_clear_error(tmp_path):
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/boligassistent"
    settings = make_settings(tmp_path, tmp_path, backend="postgres", dsn=closed, pg_connect_timeout_s=1)
    try:
        with pytest.raises(IndexUnavailable, match="unreachable"):
            open_runtime(settings, embedder=FakeEmbedder())
    finally:
        close_pools()  # the pool would go on reconnecting in the background for the rest of the session
    cli = subprocess.run([sys.executable, "-m", "boligassistent.cli", "search", "bostøtte", "--backend", "postgres",
                          "--dsn", closed], capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "BOLIG_PG_CONNECT_TIMEOUT_S": "1", "HF_HUB_OFFLINE": "1",
                              "BOLIG_CACHE_DIR": str(tmp_path / "cache")}, cwd=Path(__file__).parent.parent)
    assert cli.returncode == 2, cli.stderr
    assert "unreachable" in cli.stderr and "Traceback" not in cli.stderr


@pytest.mark.integration
def test_database_without_pgvector_is_a_clear_error(tmp_path):
    debian = Path("/usr/lib/postgresql/15/bin")
    if not (debian / "initdb").exists():
        pytest.skip("Debian's PostgreSQL 15 (which has no pgvector) is not installed here")
    root = server_root()
    server = LocalPostgres(root / "data", port=free_port(), bin_dir=debian)
    try:
        dsn = server.start()
        pool = get_pool(PostgresConfig(dsn))
        with pytest.raises(MissingPgvector, match="no pgvector extension"):
            migrate(pool)
        settings = make_settings(tmp_path, make_corpus(tmp_path / "corpus"), backend="postgres", dsn=dsn)
        with pytest.raises(MissingPgvector):
            build(settings)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
