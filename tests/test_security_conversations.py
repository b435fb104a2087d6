"""Conversation ownership over real HTTP (uvicorn on loopback, the unit runtime): ids are issued by the server and
bound to the key that opened them; another key, a bot's namespace or a legacy row without owner is a 404."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import httpx
import pytest

from boligassistent.answering.conversations import StateStore
from boligassistent.runtime import create_service, service_config
from boligassistent.service.app import create_app
from tests.conftest import LiveServer

ADMIN = "sec1-admin-key-0123456789abcdef"
NOT_FOUND = {"detail": "Fant ikke samtalen."}


def _serve(tmp_path, unit_settings, unit_runtime, **overrides):
    settings = unit_settings.model_copy(update={"state_db": tmp_path / "state.sqlite3", "admin_key": ADMIN,
                                                "rate_limit_per_minute": 0, "abstain_min_dense": 0.0, **overrides})
    service = create_service(settings, dataclasses.replace(unit_runtime, settings=settings))
    return LiveServer(create_app(service_config(settings), service)), service


@pytest.fixture(scope="module")
def api(tmp_path_factory, unit_settings, unit_runtime):
    server, service = _serve(tmp_path_factory.mktemp("owners"), unit_settings, unit_runtime)
    _, alice = service.keys.create("kontor-a", ["query"])
    _, mallory = service.keys.create("kontor-b", ["query"])
    with server:
        yield server.url, {"Authorization": f"Bearer {alice}"}, {"Authorization": f"Bearer {mallory}"}, service


def _chat(url: str, headers: dict, message: str, cid: str | None = None) -> httpx.Response:
    body = {"message": message} | ({"conversation_id": cid} if cid else {})
    return httpx.post(url + "/v1/chat", json=body, headers=headers, timeout=30)


def _stream_status(url: str, headers: dict, message: str, cid: str) -> tuple[int, str]:
    with httpx.stream("POST", url + "/v1/chat/stream", json={"message": message, "conversation_id": cid},
                      headers=headers, timeout=30) as r:
        return r.status_code, r.read().decode()


def test_another_key_cannot_read_continue_or_delete_a_conversation(api):
    url, alice, mallory, service = api
    first = _chat(url, alice, "Kan en student få bostøtte med fødselsnummer 01010100050?")
    assert first.status_code == 200, first.text
    cid = first.json()["conversation_id"]
    assert len(cid) >= 32  # server-issued and unguessable

    assert _chat(url, mallory, "og hva med barn?", cid).json() == NOT_FOUND
    assert _chat(url, mallory, "og hva med barn?", cid).status_code == 404
    assert _stream_status(url, mallory, "og hva med barn?", cid)[0] == 404
    assert httpx.get(url + f"/v1/conversations/{cid}", headers=mallory).status_code == 404
    assert httpx.delete(url + f"/v1/conversations/{cid}", headers=mallory).status_code == 404

    # nothing of the intruder reached the owner's conversation; the owner reads it (with resolved_query) and goes on
    mine = httpx.get(url + f"/v1/conversations/{cid}", headers=alice)
    assert mine.status_code == 200
    assert [t["message"] for t in mine.json()["turns"]] == ["Kan en student få bostøtte med fødselsnummer [fødselsnummer]?"]
    assert mine.json()["turns"][0]["resolved_query"]
    follow_up = _chat(url, alice, "og hva med barn i husstanden?", cid).json()
    assert follow_up["conversation_id"] == cid and "student" in follow_up["resolved_query"].lower()
    status, text = _stream_status(url, alice, "og når det er varetekt?", cid)
    assert status == 200 and f'"conversation_id": "{cid}"' in text
    assert httpx.delete(url + f"/v1/conversations/{cid}", headers=alice).status_code == 200
    assert httpx.get(url + f"/v1/conversations/{cid}", headers=alice).status_code == 404


def test_a_caller_chosen_id_is_never_created(api):
    url, alice, _, service = api
    for chosen in ("mitt-eget-id", "00000000000000000000000000000000"):
        r = _chat(url, alice, "Kan en student få bostøtte?", chosen)
        assert r.status_code == 200
        issued = r.json()["conversation_id"]
        assert issued != chosen and not service.state.conversation_exists(chosen)
        assert httpx.get(url + f"/v1/conversations/{issued}", headers=alice).status_code == 200
    with httpx.stream("POST", url + "/v1/chat/stream", json={"message": "bostøtte", "conversation_id": "valgt-av-meg"},
                      headers=alice, timeout=30) as r:
        meta = json.loads(next(line for line in r.iter_lines() if line.startswith("data:")).removeprefix("data:"))
    assert meta["conversation_id"] != "valgt-av-meg" and not service.state.conversation_exists("valgt-av-meg")


def test_bot_namespaces_cannot_be_used_from_http(api):
    url, alice, _, service = api
    owner = "slack:T1:U1"
    slack_cid = f"{owner}:C1:1700000001.000100"
    answer = service.answer("Kan en student få bostøtte?", conversation_id=slack_cid, owner=owner, channel="slack")
    assert answer is not None and service.state.owns(slack_cid, owner)
    for cid in (slack_cid, "teams:tenant:19:abc.thread.tacv2", "slack:T9:U9:C9:cmd"):
        assert _chat(url, alice, "og hva med barn?", cid).status_code == 404
        assert httpx.get(url + f"/v1/conversations/{cid}", headers=alice).status_code == 404
        assert httpx.delete(url + f"/v1/conversations/{cid}", headers=alice).status_code == 404
    assert not service.state.conversation_exists("teams:tenant:19:abc.thread.tacv2")
    assert [t["message"] for t in service.state.turns(slack_cid)] == ["Kan en student få bostøtte?"]


def test_legacy_state_database_is_migrated_and_its_conversations_belong_to_nobody(tmp_path, unit_settings, unit_runtime):
    db = sqlite3.connect(tmp_path / "state.sqlite3")  # the schema before conversation ownership
    db.executescript("""
        CREATE TABLE conversations (id TEXT PRIMARY KEY, created REAL, updated REAL, channel TEXT);
        CREATE TABLE turns (conversation_id TEXT, idx INTEGER, message TEXT, resolved_query TEXT, answer_id TEXT,
            created REAL, PRIMARY KEY (conversation_id, idx));
        CREATE TABLE answers (id TEXT PRIMARY KEY, conversation_id TEXT, question TEXT, answer TEXT, citations TEXT,
            abstained INTEGER, created REAL);
        CREATE TABLE feedback (id TEXT PRIMARY KEY, answer_id TEXT, rating TEXT, reason TEXT, comment TEXT, channel TEXT,
            created REAL);
        INSERT INTO conversations VALUES ('gammel-samtale', strftime('%s','now'), strftime('%s','now'), 'api');
        INSERT INTO turns VALUES ('gammel-samtale', 0, 'Kan en student få bostøtte?', 'student bostøtte', 'a1',
            strftime('%s','now'));
    """)
    db.commit()
    db.close()
    server, service = _serve(tmp_path, unit_settings, unit_runtime)
    _, key = service.keys.create("kontor", ["query"])
    headers = {"Authorization": f"Bearer {key}"}
    columns = [row[1] for row in sqlite3.connect(tmp_path / "state.sqlite3").execute("PRAGMA table_info(conversations)")]
    assert "owner" in columns
    with server:
        assert httpx.get(server.url + "/v1/conversations/gammel-samtale", headers=headers).status_code == 404
        assert _chat(server.url, headers, "og hva med barn?", "gammel-samtale").status_code == 404
        assert httpx.delete(server.url + "/v1/conversations/gammel-samtale", headers=headers).status_code == 404
    assert len(service.state.turns("gammel-samtale")) == 1  # untouched (and purged by age like any other row)


def test_a_conversation_opened_by_the_assistant_directly_has_no_owner(tmp_path):
    store = StateStore(tmp_path / "s.sqlite3")
    store.new_conversation("cli", owner=None, conversation_id="c1")
    assert not store.owns("c1", "api:dev") and not store.claim("c1", "slack:T1:U1", "slack")
    assert store.claim("slack:T1:U1:C1:1", "slack:T1:U1", "slack") and not store.claim("slack:T1:U1:C1:1", "slack:T1:U2", "slack")
