"""The HTTP API on a real uvicorn server on loopback, over the fixture index."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading

import httpx
import pytest

from boligassistent.service.security import KeyStore
from tests.conftest import build, make_settings, start_server

ADMIN = "admin-test-key-0123456789abcdef"
ORIGIN = "https://intranett.kommune.example"
FNR = "01010100050"  # synthetic, checksum-valid fødselsnummer
pytestmark = pytest.mark.integration  # real uvicorn, the real model on the fixture corpus


@pytest.fixture(scope="module")
def api(tmp_path_factory, fixture_settings, fixture_runtime):
    tmp = tmp_path_factory.mktemp("api")
    settings = fixture_settings.model_copy(update={"state_db": tmp / "state.sqlite3", "admin_key": ADMIN,
                                                   "log_file": tmp / "api.log",
                                                   "rate_limit_per_minute": 1000, "cors_origins": []})
    keys = KeyStore(settings.state_db)
    _, query_key = keys.create("intranett-widget", ["query"], [ORIGIN])
    from boligassistent.logs import setup_logging

    setup_logging("INFO", settings.log_file)
    server, service = start_server(settings, fixture_runtime)
    with server:
        yield {"url": server.url, "key": query_key, "settings": settings, "service": service}


def _h(key: str, **extra) -> dict:
    return {"Authorization": f"Bearer {key}", "Origin": ORIGIN, **extra}  # the widget key works only from ORIGIN


def test_ask_returns_cited_answer(api):
    r = httpx.post(api["url"] + "/v1/ask", json={"question": "Kan en student få bostøtte?"}, headers=_h(api["key"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert not body["abstained"]
    assert body["citations"] and body["citations"][0]["section"] == "testlova § 2"
    assert body["citations"][0]["url"] == "https://lovdata.no/lov/2099-01-01-1/§2"
    assert "Studentar som ikkje har barn i husstanden, har ikkje rett til bustøtte." in body["answer"]
    assert "[1]" in body["answer"]
    for c in body["citations"]:  # every quote is verbatim from its cited passage
        source = httpx.get(api["url"] + f"/v1/sources/{c['chunk_id']}", headers=_h(api["key"])).json()
        assert c["quote"] in source["chunk"]["text"].replace("\n", " ") or c["quote"] in source["chunk"]["text"]
    assert set(body["timings"]) >= {"retrieve", "answer", "total"}


def test_out_of_domain_question_abstains(api):
    r = httpx.post(api["url"] + "/v1/ask", json={"question": "Har du en god oppskrift på fiskesuppe?"}, headers=_h(api["key"]))
    body = r.json()
    assert body["abstained"] and body["citations"] == []
    assert "fiskesuppe" in body["answer"] and "kan ikke svare" in body["answer"]  # declined, naming what is missing


def test_chat_follow_up_uses_earlier_turn(api):
    first = httpx.post(api["url"] + "/v1/chat", json={"message": "Kan en student få bostøtte?"}, headers=_h(api["key"])).json()
    cid = first["conversation_id"]
    assert cid
    follow_up = {"conversation_id": cid, "message": "hva med når det er barn i husstanden?"}
    second = httpx.post(api["url"] + "/v1/chat", json=follow_up,
                        headers=_h(api["key"])).json()
    assert "student" in second["resolved_query"].lower()
    assert second["citations"][0]["section"] == "testlova § 2"
    r = httpx.delete(api["url"] + f"/v1/conversations/{cid}", headers=_h(api["key"]))
    assert r.status_code == 200
    assert httpx.delete(api["url"] + f"/v1/conversations/{cid}", headers=_h(api["key"])).status_code == 404


def test_sse_stream_shape(api):
    events = []
    with httpx.stream("POST", api["url"] + "/v1/chat/stream", json={"message": "Kan en student få bostøtte?"},
                      headers=_h(api["key"]), timeout=30) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event:
                events.append((event, json.loads(line.split(":", 1)[1])))
    names = [e for e, _ in events]
    assert names[0] == "meta" and names[-2:] == ["citations", "done"]
    assert "sentence" in names
    assert events[-1][1]["citations"][0]["section"] == "testlova § 2"


def test_search_documents_sources(api):
    h = _h(api["key"])
    hits = httpx.get(api["url"] + "/v1/search", params={"q": "politiet kontaktopplysninger", "k": 3}, headers=h).json()["hits"]
    assert hits[0]["doc_id"] == "veiledning/taushetsplikt.html"
    assert hits[0]["arms"]["bm25"]["rank"] and hits[0]["arms"]["dense"]["rank"]
    docs = httpx.get(api["url"] + "/v1/documents", headers=h).json()
    assert docs["count"] == 5
    doc = httpx.get(api["url"] + "/v1/documents/lover/lov-2099-01-01-1.md", headers=h).json()
    assert [s["label"] for s in doc["sections"]] == ["testlova § 1", "testlova § 2", "testlova § 3"]
    missing = httpx.get(api["url"] + "/v1/documents/finnes/ikke.md", headers=h)
    assert missing.status_code == 404 and missing.json()["detail"] == "Fant ikke dokumentet."
    source = httpx.get(api["url"] + f"/v1/sources/{hits[0]['chunk_id']}", headers=h).json()
    assert source["document"]["title"] == "Taushetsplikt og samtykke" and source["citation"]


def test_feedback_is_stored_and_exported(api):
    h = _h(api["key"])
    answer = httpx.post(api["url"] + "/v1/ask", json={"question": "Kan en student få bostøtte?"}, headers=h).json()
    vote = {"answer_id": answer["answer_id"], "rating": "up", "comment": f"Bra! fnr {FNR}"}
    r = httpx.post(api["url"] + "/v1/feedback", json=vote, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "lagret"
    assert httpx.post(api["url"] + "/v1/feedback", json={"answer_id": "nope", "rating": "up"}, headers=h).status_code == 404
    assert httpx.get(api["url"] + "/v1/feedback/export", headers=h).status_code == 403  # query key is not admin
    export = httpx.get(api["url"] + "/v1/feedback/export", params={"format": "csv"}, headers=_h(ADMIN))
    assert export.status_code == 200 and answer["answer_id"] in export.text and FNR not in export.text
    rows = [json.loads(line) for line in httpx.get(api["url"] + "/v1/feedback/export", headers=_h(ADMIN)).text.splitlines()]
    assert any(r["answer_id"] == answer["answer_id"] and r["rating"] == "up" for r in rows)


def test_auth_and_origin_errors_in_norwegian(api):
    url = api["url"] + "/v1/ask"
    body = {"question": "Kan en student få bostøtte?"}
    r = httpx.post(url, json=body)
    assert r.status_code == 401 and r.json()["detail"] == "Mangler API-nøkkel."
    r = httpx.post(url, json=body, headers=_h("feil"))
    assert r.status_code == 401 and r.json()["detail"] == "Ugyldig API-nøkkel."
    r = httpx.post(url, json=body, headers=_h(api["key"], Origin="https://evil.example"))
    assert r.status_code == 403 and "nettsiden" in r.json()["detail"]
    r = httpx.post(url, json=body, headers=_h(api["key"], Origin=ORIGIN))
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == ORIGIN
    pre = httpx.options(url, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                                      "Access-Control-Request-Headers": "authorization,content-type"})
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == ORIGIN
    pre = httpx.options(url, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in pre.headers


@pytest.mark.parametrize("payload, status, fragment", [
    ({"question": ""}, 422, "«question» er tomt"),
    ({"question": "   "}, 422, "Spørsmålet er tomt."),
    ({"question": "x" * 1001}, 422, "for langt"),
    ({"question": "bostøtte", "top_k": 0}, 422, "«top_k» er for lite"),
    ({"spørsmål": "bostøtte"}, 422, "«question» mangler"),
])
def test_validation_errors(api, payload, status, fragment):
    r = httpx.post(api["url"] + "/v1/ask", json=payload, headers=_h(api["key"]))
    assert r.status_code == status and fragment in r.json()["detail"]


def test_body_limit_and_bad_json(api):
    json_type = {"Content-Type": "application/json"}
    r = httpx.post(api["url"] + "/v1/ask", content="{" + "x" * 70_000, headers=_h(api["key"], **json_type))
    assert r.status_code == 413 and "for stor" in r.json()["detail"]
    r = httpx.post(api["url"] + "/v1/ask", content="{ikke json", headers=_h(api["key"], **{"Content-Type": "application/json"}))
    assert r.status_code == 422 and "gyldig JSON" in r.json()["detail"]


def test_personal_data_never_reaches_log_or_database(api):
    question = f"Kan bruker med fødselsnummer {FNR} og e-post kari@example.no få bostøtte som student?"
    r = httpx.post(api["url"] + "/v1/chat", json={"message": question}, headers=_h(api["key"]))
    assert r.status_code == 200
    log_text = api["settings"].log_file.read_text(encoding="utf-8")
    assert FNR not in log_text and "kari@example.no" not in log_text
    assert '"route": "/v1/chat"' in log_text  # structured lines were written
    db = sqlite3.connect(api["settings"].state_db)
    dump = "\n".join(db.iterdump())
    assert FNR not in dump and "kari@example.no" not in dump
    assert "[fødselsnummer]" in dump


def test_health_ready_metrics(api):
    assert httpx.get(api["url"] + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(api["url"] + "/readyz").json()
    assert ready["status"] == "ready" and ready["chunks"] > 0
    metrics = httpx.get(api["url"] + "/metrics").text
    assert "bolig_http_requests_total" in metrics and "bolig_answers_total" in metrics and "bolig_index_chunks" in metrics


def test_rate_limit_returns_429_with_retry_after(tmp_path, fixture_settings, fixture_runtime):
    settings = fixture_settings.model_copy(update={"state_db": tmp_path / "s.sqlite3", "rate_limit_per_minute": 3,
                                                   "admin_key": ADMIN})
    server, _ = start_server(settings, fixture_runtime)
    with server:
        codes = [httpx.get(server.url + "/v1/documents", headers=_h(ADMIN)) for _ in range(4)]
    assert [c.status_code for c in codes] == [200, 200, 200, 429]
    assert int(codes[-1].headers["retry-after"]) >= 1 and "For mange" in codes[-1].json()["detail"]


def test_hot_swap_under_concurrent_requests(tmp_path, fixture_corpus):
    corpus = tmp_path / "corpus"
    shutil.copytree(fixture_corpus, corpus)
    settings = make_settings(tmp_path, corpus, admin_key=ADMIN, rate_limit_per_minute=0)
    build(settings)
    server, service = start_server(settings)
    errors: list[str] = []
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                r = client.post(server.url + "/v1/ask", json={"question": "Kan en student få bostøtte?"}, headers=_h(ADMIN))
                if r.status_code != 200 or not r.json()["citations"]:
                    errors.append(f"{r.status_code} {r.text[:200]}")

    with server:
        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        (corpus / "startlan.txt").write_text("Startlån\n\nStartlån fra Husbanken kan gis til kjøp av egen bolig for "
                                             "vanskeligstilte.",
                                             encoding="utf-8")
        build(settings)
        reload = httpx.post(server.url + "/v1/admin/reload", headers=_h(ADMIN)).json()
        stop.set()
        for t in threads:
            t.join()
        assert reload["reloaded"] is True
        hits = httpx.get(server.url + "/v1/search", params={"q": "startlån kjøp av bolig"}, headers=_h(ADMIN)).json()["hits"]
        assert hits[0]["doc_id"] == "startlan.txt"
        metrics = httpx.get(server.url + "/metrics").text
        assert "bolig_index_reloads_total 1.0" in metrics
    assert errors == []
