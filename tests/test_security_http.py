"""Issue 15 (Medium/Low) over real HTTP: widget keys (origin, rate limit per key and client address), the body limit
counted over streamed bytes, schema caps, search by POST, observability (unhandled 5xx, method labels, health
checks beside a saturated thread pool, no load error for anonymous callers), CSV export and the admin key length.

Real uvicorn on loopback over the fixture corpus with the FakeEmbedder (no model)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from boligassistent.answering.conversations import StateStore
from boligassistent.answering.models import Answer, AnswerEvent
from boligassistent.cli import app as cli_app
from boligassistent.runtime import create_service, service_config
from boligassistent.service.app import create_app
from boligassistent.service.config import ServiceConfig
from boligassistent.service.security import MIN_ADMIN_KEY_CHARS, AdminKeyTooShort, KeyStore, RateLimiter
from boligassistent.service.service import LoadedIndex, Service
from tests.conftest import LiveServer

ADMIN = "sec-admin-key-0123456789abcdef"
ORIGIN = "https://intranett.kommune.example"
QUESTION = {"question": "Kan en student få bostøtte?"}


def _auth(key: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **extra}


@contextmanager
def _server(tmp_path: Path, unit_settings, unit_runtime, **update) -> Iterator[tuple[str, Service, str]]:
    """The app as `serve` builds it over the unit runtime; yields its URL, the service and a widget key for ORIGIN."""
    values = {"state_db": tmp_path / "state.sqlite3", "admin_key": ADMIN, "rate_limit_per_minute": 0,
              "abstain_min_dense": 0.0, "log_file": tmp_path / "api.log", **update}
    settings = unit_settings.model_copy(update=values)
    service = create_service(settings, dataclasses.replace(unit_runtime, settings=settings))
    _, widget_key = service.keys.create("intranett-widget", ["query"], [ORIGIN])
    with LiveServer(create_app(service_config(settings), service)) as server:
        yield server.url, service, widget_key


def _metric(text: str, prefix: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))


# ---- widget keys ------------------------------------------------------------------------------------------------
def test_origin_restricted_key_needs_its_origin(tmp_path, unit_settings, unit_runtime):
    with _server(tmp_path, unit_settings, unit_runtime) as (url, _, key):
        no_origin = httpx.post(url + "/v1/ask", json=QUESTION, headers=_auth(key))
        assert no_origin.status_code == 403 and "nettsiden" in no_origin.json()["detail"]
        assert httpx.post(url + "/v1/ask", json=QUESTION, headers=_auth(key, Origin=ORIGIN)).status_code == 200
        assert httpx.post(url + "/v1/ask", json=QUESTION, headers=_auth(ADMIN)).status_code == 200  # no origins: server key


def _documents(url: str, key: str, local_address: str = "127.0.0.1", **headers: str) -> int:
    with httpx.Client(transport=httpx.HTTPTransport(local_address=local_address)) as client:
        return client.get(url + "/v1/documents", headers=_auth(key, Origin=ORIGIN, **headers)).status_code


def test_rate_limit_is_per_key_and_client_address(tmp_path, unit_settings, unit_runtime):
    with _server(tmp_path, unit_settings, unit_runtime, rate_limit_per_minute=3) as (url, _, key):
        assert [_documents(url, key) for _ in range(4)] == [200, 200, 200, 429]  # one script exhausts its own bucket
        assert _documents(url, key, local_address="127.0.0.2") == 200  # another caseworker with the same widget key
        # without a trusted proxy, X-Forwarded-For is the client's word and changes nothing
        assert _documents(url, key, **{"X-Forwarded-For": "10.9.9.9"}) == 429


def test_forwarded_for_counts_only_from_a_trusted_proxy(tmp_path, unit_settings, unit_runtime):
    with _server(tmp_path, unit_settings, unit_runtime, rate_limit_per_minute=2, trusted_proxies=["127.0.0.1"]) as (url, _, key):
        first = {"X-Forwarded-For": "10.0.0.1"}
        assert [_documents(url, key, **first) for _ in range(3)] == [200, 200, 429]
        assert _documents(url, key, **{"X-Forwarded-For": "10.0.0.2"}) == 200
        # a client cannot pick its own bucket by prepending addresses: the proxy appends the real one
        assert _documents(url, key, **{"X-Forwarded-For": "10.7.7.7, 10.0.0.1"}) == 429


def test_rate_limiter_forgets_refilled_buckets():
    limiter = RateLimiter(per_minute=60, max_buckets=3)
    for caller in ("a", "b", "c"):
        assert limiter.check(caller) is None
    for caller, (tokens, last) in list(limiter._buckets.items()):  # a minute later every bucket is full again
        limiter._buckets[caller] = (tokens, last - 61)
    assert limiter.check("d") is None and set(limiter._buckets) == {"d"}


# ---- body limit and schema caps -------------------------------------------------------------------------------------
def _chunked_post(url: str, path: str, headers: dict[str, str], chunks: Iterator[bytes]) -> int:
    """POST with Transfer-Encoding: chunked and no Content-Length over a plain socket; the response's status."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                     f"Transfer-Encoding: chunked\r\n{head}\r\n".encode())
        try:
            for chunk in chunks:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sock.sendall(b"0\r\n\r\n")
        except OSError:  # the server answered and closed while we were still sending: read its answer
            pass
        response = b""
        while b"\r\n" not in response:
            data = sock.recv(4096)
            if not data:
                break
            response += data
    return int(response.split(b" ", 2)[1])


def test_chunked_body_over_the_limit_gets_413(tmp_path, unit_settings, unit_runtime):
    def body(pad_bytes: int) -> Iterator[bytes]:  # valid JSON: without a limit it would be answered
        yield b'{"question": "Kan en student f\\u00e5 bost\\u00f8tte?", "pad": "'
        for _ in range(pad_bytes // 65536):
            yield b"x" * 65536
        yield b'"}'

    with _server(tmp_path, unit_settings, unit_runtime) as (url, _, _key):
        assert _chunked_post(url, "/v1/ask", _auth(ADMIN), body(2 * 1024 * 1024)) == 413
        assert _chunked_post(url, "/v1/ask", _auth(ADMIN), body(0)) == 200  # a small chunked body is fine
        declared = httpx.post(url + "/v1/ask", content=b"{" + b"x" * 70_000, headers=_auth(ADMIN))
        assert declared.status_code == 413 and declared.json()["detail"] == "Forespørselen er for stor (maks 64 KB)."
        metrics = httpx.get(url + "/metrics").text
        assert _metric(metrics, 'bolig_http_requests_total{method="POST",route="/v1/ask",status="413"}') >= 1


@pytest.mark.parametrize("path, payload, fragment", [
    ("/v1/ask", {**QUESTION, "filters": {"kinds": ["lov"] * 6}}, "«filters.kinds» har for mange verdier"),
    ("/v1/ask", {**QUESTION, "filters": {"kinds": ["hemmelig"]}}, "«filters.kinds.0» har en ugyldig verdi"),
    ("/v1/ask", {**QUESTION, "filters": {"doc_ids": ["x" * 301]}}, "«filters.doc_ids.0» er for langt"),
    ("/v1/ask", {**QUESTION, "filters": {"doc_ids": ["d"] * 51}}, "«filters.doc_ids» har for mange verdier"),
    ("/v1/ask", {"question": "x" * 16_001}, "«question» er for langt"),
    ("/v1/search", {"q": "bostøtte", "kinds": ["lov"] * 6}, "«kinds» har for mange verdier"),
    ("/v1/search", {"q": "bostøtte", "k": 51}, "«k» er for stort"),
])
def test_list_and_text_fields_are_capped(tmp_path, unit_settings, unit_runtime, path, payload, fragment):
    with _server(tmp_path, unit_settings, unit_runtime) as (url, _, _key):
        r = httpx.post(url + path, json=payload, headers=_auth(ADMIN))
    assert r.status_code == 422 and fragment in r.json()["detail"], r.text


def test_search_get_kind_is_capped(tmp_path, unit_settings, unit_runtime):
    with _server(tmp_path, unit_settings, unit_runtime) as (url, _, _key):
        too_many = httpx.get(url + "/v1/search", params=[("q", "bostøtte")] + [("kind", "lov")] * 6, headers=_auth(ADMIN))
        unknown = httpx.get(url + "/v1/search", params={"q": "bostøtte", "kind": "x" * 1000}, headers=_auth(ADMIN))
    assert too_many.status_code == 422 and "«kind» har for mange verdier" in too_many.json()["detail"]
    assert unknown.status_code == 422 and "«kind.0» har en ugyldig verdi" in unknown.json()["detail"]


# ---- questions stay out of URLs and logs ----------------------------------------------------------------------------
def test_search_by_post_and_no_question_in_the_access_log(tmp_path, unit_settings, unit_runtime):
    from boligassistent.logs import setup_logging

    setup_logging("INFO", tmp_path / "api.log")
    with _server(tmp_path, unit_settings, unit_runtime) as (url, _, key):
        post = httpx.post(url + "/v1/search", json={"q": "politiet kontaktopplysninger", "k": 3, "kinds": ["veiledning"]},
                          headers=_auth(key, Origin=ORIGIN))
        get = httpx.get(url + "/v1/search", params={"q": "politiet kontaktopplysninger", "k": 3, "kind": "veiledning"},
                        headers=_auth(key, Origin=ORIGIN))
    assert post.status_code == 200 and post.json()["hits"][0]["doc_id"] == "veiledning/taushetsplikt.html"
    assert get.status_code == 200 and get.json()["hits"] == post.json()["hits"]
    log_text = (tmp_path / "api.log").read_text(encoding="utf-8")
    assert '"route": "/v1/search"' in log_text and "kontaktopplysninger" not in log_text


# ---- observability --------------------------------------------------------------------------------------------------
class BrokenRetriever:
    modes = ("hybrid",)

    def search(self, *args, **kwargs):
        raise RuntimeError("bug in a retrieval arm")


def _service(tmp_path: Path, load, admin_key: str | None = None) -> Service:
    db = tmp_path / "state.sqlite3"
    return Service(state=StateStore(db), keys=KeyStore(db, admin_key), limiter=RateLimiter(0), load=load,
                   generation=lambda: None)


def test_unhandled_errors_are_counted_and_logged(tmp_path, unit_runtime):
    from boligassistent.logs import setup_logging

    log_file = tmp_path / "api.log"
    setup_logging("INFO", log_file)
    loaded = LoadedIndex(None, BrokenRetriever(), unit_runtime.index, "fake", "embedded")  # type: ignore[arg-type]
    with LiveServer(create_app(ServiceConfig(dev_no_auth=True), _service(tmp_path, lambda: loaded))) as server:
        r = httpx.post(server.url + "/v1/search", json={"q": "bostøtte"})
        assert r.status_code == 500 and r.json() == {"detail": "Noe gikk galt hos oss. Prøv igjen om litt."}
        assert "bug in a retrieval arm" not in r.text
        metrics = httpx.get(server.url + "/metrics").text
    assert _metric(metrics, 'bolig_http_requests_total{method="POST",route="/v1/search",status="500"}') == 1
    assert _metric(metrics, 'bolig_http_unhandled_errors_total{method="POST",route="/v1/search"}') == 1
    lines = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert any(line.get("route") == "/v1/search" and line.get("status") == 500 for line in lines)


def test_unknown_methods_share_one_metric_label(tmp_path, unit_runtime):
    loaded = LoadedIndex(None, BrokenRetriever(), unit_runtime.index, "fake", "embedded")  # type: ignore[arg-type]
    with LiveServer(create_app(ServiceConfig(dev_no_auth=True), _service(tmp_path, lambda: loaded))) as server:
        for method in ("PROPFIND", "BREW", "X" * 40):
            assert httpx.request(method, server.url + "/healthz").status_code == 405
        metrics = httpx.get(server.url + "/metrics").text
    assert _metric(metrics, 'bolig_http_requests_total{method="OTHER",route="/healthz",status="405"}') == 3
    assert "PROPFIND" not in metrics and "BREW" not in metrics


class BlockingAssistant:
    """Holds every answer until the test opens the gate (each holds one worker thread)."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.waiting = 0
        self._lock = threading.Lock()

    def stream(self, question: str, *, conversation_id=None, **_):
        with self._lock:
            self.waiting += 1
        self.gate.wait(timeout=60)
        answer = Answer(answer_id="a1", question=question, text="Svar.", citations=[], abstained=False, confidence=1.0,
                        resolved_query=question, conversation_id=conversation_id, sentences=[("Svar.", [])])
        yield AnswerEvent("done", {"answer_id": "a1"}, answer=answer)


def test_health_checks_answer_while_the_thread_pool_is_saturated(tmp_path, unit_runtime):
    assistant = BlockingAssistant()
    loaded = LoadedIndex(assistant, unit_runtime.retriever, unit_runtime.index, "fake", "embedded")  # type: ignore[arg-type]
    with LiveServer(create_app(ServiceConfig(dev_no_auth=True), _service(tmp_path, lambda: loaded))) as server:

        async def flood() -> list[int]:
            async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=100)) as client:
                asks = [asyncio.create_task(client.post(server.url + "/v1/ask", json=QUESTION)) for _ in range(60)]
                while assistant.waiting < 40:  # anyio's default pool: 40 threads, all held by answers now
                    await asyncio.sleep(0.05)
                checks = []
                for path in ("/healthz", "/readyz", "/metrics"):
                    started = time.perf_counter()
                    r = await client.get(server.url + path, timeout=2)
                    checks.append((r.status_code, time.perf_counter() - started))
                assistant.gate.set()
                await asyncio.gather(*asks)
                return [status for status, seconds in checks if seconds < 1]

        try:
            assert asyncio.run(flood()) == [200, 200, 200]
        finally:
            assistant.gate.set()


def test_readiness_hides_the_load_error_from_anonymous_callers(tmp_path):
    def load() -> LoadedIndex:
        raise FileNotFoundError("/srv/boligassistent/data/index/current: no such file")

    app = create_app(ServiceConfig(), _service(tmp_path, load, admin_key=ADMIN))
    with LiveServer(app, ready_path="/healthz") as server:
        url = server.url
        anonymous = httpx.get(url + "/readyz")
        admin = httpx.get(url + "/readyz", headers=_auth(ADMIN))
        wrong = httpx.get(url + "/readyz", headers=_auth("not-the-admin-key-0123456789"))
    assert anonymous.status_code == 503 and anonymous.json() == {"status": "not ready"}
    assert wrong.json() == {"status": "not ready"}
    assert admin.status_code == 503 and "/srv/boligassistent" in admin.json()["detail"]


# ---- Low: CSV export, admin key length --------------------------------------------------------------------------------
def test_csv_export_neutralises_formulas(tmp_path, unit_settings, unit_runtime):
    import csv
    import io

    with _server(tmp_path, unit_settings, unit_runtime) as (url, _, _key):
        answer = httpx.post(url + "/v1/ask", json=QUESTION, headers=_auth(ADMIN)).json()
        for comment in ('=HYPERLINK("https://evil.example","klikk")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "ok = fint"):
            r = httpx.post(url + "/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "down", "comment": comment},
                           headers=_auth(ADMIN))
            assert r.status_code == 200
        export = httpx.get(url + "/v1/feedback/export", params={"format": "csv"}, headers=_auth(ADMIN))
        jsonl = httpx.get(url + "/v1/feedback/export", headers=_auth(ADMIN))
    comments = [row["comment"] for row in csv.DictReader(io.StringIO(export.text))]
    assert comments == ["'=HYPERLINK(\"https://evil.example\",\"klikk\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tTAB", "'\rCR",
                        "ok = fint"]
    assert json.loads(jsonl.text.splitlines()[0])["comment"].startswith("=HYPERLINK")  # JSONL keeps the data as given


def test_short_admin_key_is_refused(tmp_path, monkeypatch):
    with pytest.raises(AdminKeyTooShort, match=f"at least {MIN_ADMIN_KEY_CHARS} characters"):
        KeyStore(tmp_path / "state.sqlite3", "x" * (MIN_ADMIN_KEY_CHARS - 1))
    assert KeyStore(tmp_path / "state.sqlite3", "x" * MIN_ADMIN_KEY_CHARS).lookup("x" * MIN_ADMIN_KEY_CHARS) is not None
    monkeypatch.setenv("BOLIG_ADMIN_KEY", "hemmelig")
    monkeypatch.setenv("BOLIG_STATE_DB", str(tmp_path / "cli.sqlite3"))
    monkeypatch.setenv("BOLIG_INDEX_DIR", str(tmp_path / "index"))
    result = CliRunner().invoke(cli_app, ["serve"])
    assert result.exit_code == 2 and f"BOLIG_ADMIN_KEY must be at least {MIN_ADMIN_KEY_CHARS} characters" in result.output
