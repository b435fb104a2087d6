"""The HTTP API in process (FastAPI TestClient) over the unit runtime: the fixture corpus with the FakeEmbedder.

Plus: `/v1/chat/stream` sends each event as the pipeline produces it (a real uvicorn, a gated assistant), and a
configured bot whose extra is not installed fails with a clear message."""

from __future__ import annotations

import dataclasses
import json
import sys
import threading

import httpx
import pytest
from fastapi.testclient import TestClient

from boligassistent.answering.conversations import StateStore
from boligassistent.answering.models import Answer, AnswerEvent
from boligassistent.channels.config import SlackConfig, TeamsConfig
from boligassistent.channels.extras import MissingExtra
from boligassistent.indexing.generation import IndexUnavailable
from boligassistent.runtime import create_service, service_config
from boligassistent.service.app import create_app
from boligassistent.service.config import ServiceConfig
from boligassistent.service.security import KeyStore, RateLimiter
from boligassistent.service.service import LoadedIndex, Service
from tests.conftest import LiveServer

ADMIN = "unit-admin-key-0123456789abcdef"
ORIGIN = "https://intranett.kommune.example"
NOT_READY = "Tjenesten starter eller mangler indeks. Prøv igjen om litt."


@pytest.fixture(scope="module")
def api(tmp_path_factory, unit_settings, unit_runtime):
    tmp = tmp_path_factory.mktemp("api-unit")
    # the fake embedder's cosine similarities are far below e5's: the abstention model must not decline here
    settings = unit_settings.model_copy(update={"state_db": tmp / "state.sqlite3", "admin_key": ADMIN, "rate_limit_per_minute": 0,
                                                "abstain_threshold": 1.0})
    service = create_service(settings, dataclasses.replace(unit_runtime, settings=settings))
    _, key = service.keys.create("intranett-widget", ["query"], [ORIGIN])
    with TestClient(create_app(service_config(settings), service)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        client.headers["Origin"] = ORIGIN  # a widget key is accepted only from its own pages
        yield client


def _sse(text: str) -> list[tuple[str, dict]]:
    events, name = [], None
    for line in text.splitlines():
        if line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and name:
            events.append((name, json.loads(line.split(":", 1)[1])))
    return events


def test_ask_answers_with_citations(api):
    r = api.post("/v1/ask", json={"question": "Kan en student få bostøtte?"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert not body["abstained"] and body["citations"][0]["section"] == "testlova § 2"
    assert body["sentences"] and all(s["citations"] for s in body["sentences"])
    assert r.headers["x-request-id"]


def test_chat_stream_events_in_order(api):
    r = api.post("/v1/chat/stream", json={"message": "Kan en student få bostøtte?"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = _sse(r.text)
    names = [name for name, _ in events]
    assert names[0] == "meta" and names[-2:] == ["citations", "done"] and set(names[1:-2]) == {"sentence"}
    meta, done = events[0][1], events[-1][1]
    assert meta["answer_id"] == done["answer_id"] and meta["conversation_id"] == done["conversation_id"]
    assert [data["text"] for name, data in events if name == "sentence"] == [s["text"] for s in done["sentences"]]


def test_search_reports_each_arm(api):
    hits = api.get("/v1/search", params={"q": "politiet kontaktopplysninger", "k": 3}).json()["hits"]
    assert hits[0]["doc_id"] == "veiledning/taushetsplikt.html"
    assert hits[0]["arms"]["bm25"]["rank"] == 1 and hits[0]["arms"]["dense"]["rank"] == 1
    lexical = api.get("/v1/search", params={"q": "politiet kontaktopplysninger", "mode": "bm25"}).json()["hits"]
    assert lexical and all(set(h["arms"]) == {"bm25"} for h in lexical)
    r = api.get("/v1/search", params={"q": "bostøtte", "mode": "llm"})
    assert r.status_code == 422
    assert r.json()["detail"] == "Ugyldig forespørsel: «mode» må være en av hybrid, bm25, dense, legal, references."


def test_auth_scope_and_origin(api):
    body = {"question": "Kan en student få bostøtte?"}
    r = api.post("/v1/ask", json=body, headers={"Authorization": ""})
    assert r.status_code == 401 and r.json()["detail"] == "Mangler API-nøkkel." and r.headers["www-authenticate"] == "Bearer"
    r = api.post("/v1/ask", json=body, headers={"Authorization": "", "X-API-Key": "feil"})
    assert r.status_code == 401 and r.json()["detail"] == "Ugyldig API-nøkkel."
    r = api.post("/v1/ask", json=body, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["detail"] == "API-nøkkelen kan ikke brukes fra denne nettsiden."
    r = api.get("/v1/feedback/export")
    assert r.status_code == 403 and r.json()["detail"] == "API-nøkkelen har ikke tilgang til dette."
    assert api.get("/v1/feedback/export", headers={"Authorization": f"Bearer {ADMIN}"}).status_code == 200


@pytest.mark.parametrize("method, path, payload, status, detail", [
    ("post", "/v1/ask", {"question": " "}, 422, "Spørsmålet er tomt."),
    ("post", "/v1/ask", {"question": "x" * 1001}, 422, "Spørsmålet er for langt (maks 1000 tegn)."),
    ("post", "/v1/chat", {"message": "hei", "conversation_id": "ugyldig id"}, 422,
     "Ugyldig forespørsel: «conversation_id» har ugyldige tegn."),
    ("post", "/v1/feedback", {"answer_id": "finnes-ikke", "rating": "up"}, 404, "Fant ikke svaret det gis tilbakemelding på."),
    ("delete", "/v1/conversations/finnes-ikke", None, 404, "Fant ikke samtalen."),
    ("get", "/v1/finnes-ikke", None, 404, "Fant ikke siden."),
    ("get", "/v1/ask", None, 405, "Metoden er ikke tillatt her."),
])
def test_errors_in_norwegian(api, method, path, payload, status, detail):
    r = api.request(method.upper(), path, json=payload)
    assert r.status_code == status and r.json() == {"detail": detail}


def _service(tmp_path, load, generation=lambda: None) -> Service:
    db = tmp_path / "state.sqlite3"
    return Service(state=StateStore(db), keys=KeyStore(db), limiter=RateLimiter(0), load=load, generation=generation)


def test_not_ready_without_an_index(tmp_path):
    def load() -> LoadedIndex:
        raise IndexUnavailable("no index yet")

    with TestClient(create_app(ServiceConfig(dev_no_auth=True), _service(tmp_path, load))) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json() == {"status": "not ready"}  # why: logs, or /readyz with an admin key
        for r in (client.post("/v1/ask", json={"question": "bostøtte"}), client.get("/v1/search", params={"q": "bostøtte"}),
                  client.post("/v1/chat/stream", json={"message": "bostøtte"})):
            assert r.status_code == 503 and r.json() == {"detail": NOT_READY}


class UnreachableRetriever:
    modes = ("hybrid",)

    def search(self, *args, **kwargs):
        raise IndexUnavailable("connection refused")


def test_unreachable_index_backend(tmp_path, unit_runtime):
    from boligassistent.runtime import create_assistant

    retriever = UnreachableRetriever()
    runtime = dataclasses.replace(unit_runtime, retriever=retriever)
    loaded = LoadedIndex(create_assistant(runtime), retriever, unit_runtime.index, "fake", "embedded")  # type: ignore[arg-type]
    with TestClient(create_app(ServiceConfig(dev_no_auth=True), _service(tmp_path, lambda: loaded))) as client:
        search = client.get("/v1/search", params={"q": "bostøtte"})
        assert search.status_code == 503 and search.headers["retry-after"] == "5"
        assert search.json() == {"detail": "Kunnskapsbasen er ikke tilgjengelig akkurat nå. Prøv igjen om litt."}
        ask = client.post("/v1/ask", json={"question": "bostøtte"})
        assert ask.status_code == 503 and ask.json() == {"detail": NOT_READY}


class GatedAssistant:
    """Yields `retrieved` at once, then holds the rest of the answer until the test opens the gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()

    def stream(self, question: str, *, conversation_id=None, **_):
        answer = Answer(answer_id="a1", question=question, text="Svar. [1]", citations=[], abstained=False, confidence=1.0,
                        resolved_query=question, conversation_id=conversation_id, sentences=[("Svar.", [1])])
        yield AnswerEvent("retrieved", {"answer_id": "a1", "conversation_id": conversation_id, "abstained": False,
                                        "reason": None})
        if not self.gate.wait(timeout=30):
            raise TimeoutError("the test never opened the gate")
        yield AnswerEvent("sentence", {"text": "Svar.", "citations": [1]})
        yield AnswerEvent("done", {"answer_id": "a1"}, answer=answer)


def test_chat_stream_sends_each_event_as_it_is_produced(tmp_path, unit_runtime):
    assistant = GatedAssistant()
    loaded = LoadedIndex(assistant, unit_runtime.retriever, unit_runtime.index, "fake", "embedded")  # type: ignore[arg-type]
    service = _service(tmp_path, lambda: loaded)
    with LiveServer(create_app(ServiceConfig(dev_no_auth=True), service)) as server:
        question = {"message": "Kan en student få bostøtte?"}
        with httpx.stream("POST", server.url + "/v1/chat/stream", json=question, timeout=10) as r:
            lines = r.iter_lines()
            assert next(lines) == "event: meta"
            meta = json.loads(next(lines).removeprefix("data:"))
            assert meta["answer_id"] == "a1" and meta["conversation_id"]
            assert not assistant.gate.is_set()  # the first event arrived while the answer was still being composed
            assistant.gate.set()
            rest = [line.split(":", 1)[1].strip() for line in lines if line.startswith("event:")]
        assert rest == ["sentence", "citations", "done"]
        assert 'bolig_answers_total{abstained="false",backend="extractive"} 1.0' in httpx.get(server.url + "/metrics").text


@pytest.mark.parametrize("library, module, config, extra", [
    ("slack_bolt", "slack", ServiceConfig(slack=SlackConfig(bot_token="xoxb-test", signing_secret="secret")), "slack"),
    ("microsoft_agents.hosting.core", "teams", ServiceConfig(teams=TeamsConfig(local_no_auth=True)), "teams"),
])
def test_configured_bot_without_its_extra_names_the_extra(tmp_path, monkeypatch, library, module, config, extra):
    monkeypatch.setitem(sys.modules, library, None)  # as if the library were not installed
    monkeypatch.delitem(sys.modules, f"boligassistent.channels.{module}", raising=False)
    with pytest.raises(MissingExtra, match=rf"pip install 'boligassistent\[{extra}\]'"):
        create_app(config, _service(tmp_path, lambda: None))  # type: ignore[arg-type, return-value]
