"""Teams bot: real Activity JSON posted to /api/messages on loopback; replies captured at a loopback serviceUrl."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.conftest import start_server
from tests.fixtures.loopback import RecordingServer


class ConnectorCapture(RecordingServer):
    """Stands in for the Bot Connector service: records the activities the bot sends."""

    def __init__(self) -> None:
        super().__init__(lambda _: {"id": uuid.uuid4().hex})
        self.url += "/"

    @property
    def activities(self) -> list[tuple[str, dict]]:
        return [(r.path, json.loads(r.body or b"{}")) for r in self.records]


def activity(service_url: str, text: str | None = None, value: dict | None = None,
             conversation: str = "19:abc@thread.tacv2;messageid=1") -> dict:
    act = {"type": "message", "id": uuid.uuid4().hex, "channelId": "msteams", "serviceUrl": service_url,
           "from": {"id": "29:user", "name": "Saksbehandler"}, "recipient": {"id": "28:bot", "name": "Boligassistent"},
           "conversation": {"id": conversation}, "locale": "nb-NO"}
    if text is not None:
        act["text"] = text
    if value is not None:
        act["value"] = value
    return act


@pytest.fixture(scope="module")
def teams(tmp_path_factory, fixture_settings, fixture_runtime):
    capture = ConnectorCapture()
    settings = fixture_settings.model_copy(update={"state_db": tmp_path_factory.mktemp("teams") / "s.sqlite3",
                                                   "teams_local_no_auth": True})
    server, service = start_server(settings, fixture_runtime)
    with server:
        yield server.url, capture, service
    capture.close()


def _wait(capture: ConnectorCapture, n: int, timeout: float = 20) -> list[dict]:
    capture.wait_for(n, timeout=timeout)
    return [a for _, a in capture.activities]


def test_message_gets_typing_then_adaptive_card_and_feedback_is_stored(teams):
    url, capture, service = teams
    start = len(capture.activities)
    mention = activity(capture.url, "<at>Boligassistent</at> Kan en student få bostøtte?")
    r = httpx.post(url + "/api/messages", json=mention, timeout=30)
    assert r.status_code in (200, 202)
    sent = _wait(capture, start + 2)[start:]
    assert sent[0]["type"] == "typing"
    reply = sent[1]
    card = reply["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = [b.get("text", "") for b in card["content"]["body"]]
    assert any("Studentar som ikkje har barn" in t for t in texts)
    assert any("[testlova § 2" in t and "https://lovdata.no/lov/2099-01-01-1/§2" in t for t in texts)
    assert capture.activities[start + 1][0].startswith("/v3/conversations/")
    submit = card["content"]["actions"][0]["data"]
    assert submit["action"] == "feedback"
    n = len(capture.activities)
    httpx.post(url + "/api/messages", json=activity(capture.url, value=submit), timeout=30)
    assert _wait(capture, n + 1)[-1]["text"] == "Takk for tilbakemeldingen!"
    rows = [f for f in service.state.export_feedback() if f["answer_id"] == submit["answer_id"]]
    assert rows and rows[0]["channel"] == "teams" and rows[0]["rating"] == "up"


def test_follow_up_in_same_conversation_keeps_context(teams):
    url, capture, service = teams
    conv = "19:followup@thread.tacv2;messageid=7"
    n = len(capture.activities)
    httpx.post(url + "/api/messages", json=activity(capture.url, "Kan en student få bostøtte?", conversation=conv), timeout=30)
    _wait(capture, n + 2)
    follow_up = activity(capture.url, "hva med når det er barn i husstanden?", conversation=conv)
    httpx.post(url + "/api/messages", json=follow_up, timeout=30)
    _wait(capture, n + 4)
    turns = service.state.turns(f"teams:-:{conv}")  # teams:<tenant>:<conversation>; these activities name no tenant
    assert len(turns) == 2 and "student" in turns[1]["resolved_query"].lower()


def test_auth_is_required_when_an_app_id_is_configured(tmp_path, fixture_settings, fixture_runtime):
    settings = fixture_settings.model_copy(update={"state_db": tmp_path / "s.sqlite3",
                                                   "teams_app_id": "00000000-0000-0000-0000-000000000001",
                                                   "teams_app_password": "x",
                                                   "teams_tenant_id": "00000000-0000-0000-0000-000000000002"})
    server, _ = start_server(settings, fixture_runtime)
    with server:
        r = httpx.post(server.url + "/api/messages", json=activity("http://127.0.0.1:9/", "hei"))
        assert r.status_code == 401
        r = httpx.post(server.url + "/api/messages", json=activity("http://127.0.0.1:9/", "hei"),
                       headers={"Authorization": "Bearer not-a-jwt"})
        assert r.status_code == 401
