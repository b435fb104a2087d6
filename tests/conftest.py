"""Shared fixtures: a fixture corpus and index (built once per session), the reference-corpus index,
and a real uvicorn server on loopback."""

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

from boligassistent.settings import SHARED_CORPUS, Settings  # noqa: E402
from tests.fixtures.make_corpus import make_corpus  # noqa: E402

SHARED_EVALS = SHARED_CORPUS.parent / "evals"


def make_settings(tmp: Path, corpus: Path, index: Path | None = None, **extra) -> Settings:
    values: dict = {"index_watch_s": 0, **extra}
    if os.environ.get("BOLIG_TEST_CACHE"):
        values.setdefault("cache_dir", Path(os.environ["BOLIG_TEST_CACHE"]))
    return Settings(corpus_dir=corpus, index_dir=index or tmp / "index", state_db=tmp / "state.sqlite3", **values)


def build(settings: Settings, rebuild: bool = False):
    from boligassistent.runtime import chunker_config, embedding_cache, get_embedder
    from indexing.builder import build_index

    return build_index(settings.corpus_dir, settings.index_dir, get_embedder(settings), chunker_config(settings),
                       cache=embedding_cache(settings), rebuild=rebuild)


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
    """A real uvicorn server on 127.0.0.1 running the app in a background thread."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, access_log=False,
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become ready")

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(settings: Settings, runtime=None):
    from api.app import create_app
    from api.service import Service

    service = Service.create(settings)
    if runtime is not None:
        from assistant.pipeline import Assistant

        service.runtime = runtime
        service.assistant = Assistant(runtime, service.state)
        from indexing.store import current_generation

        service._generation = current_generation(settings.index_dir)
    return LiveServer(create_app(settings, service)), service
