"""Slack bot: signed requests to the real /slack/events endpoint on loopback; outgoing Web API calls and
response_url posts captured by a small loopback server."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs, urlencode

import httpx
import pytest

from tests.conftest import start_server
from tests.fixtures.loopback import Recorded, RecordingServer

SECRET = "test-signing-secret"


def _slack_body(record: Recorded) -> dict:
    raw = record.body.decode()
    if record.headers.get("Content-Type", "").startswith("application/json"):
        return json.loads(raw or "{}")
    body = {k: v[0] for k, v in parse_qs(raw).items()}
    if "blocks" in body:
        body["blocks"] = json.loads(body["blocks"])
    return body


class SlackCapture(RecordingServer):
    """Stands in for the Slack Web API and for response_url."""

    def __init__(self) -> None:
        super().__init__(lambda r: {"ok": True, "ts": "1700000000.000200", "channel": _slack_body(r).get("channel", "C1")})

    def wait_for(self, path: str, count: int = 1, timeout: float = 30) -> list[dict]:  # type: ignore[override]
        return [_slack_body(r) for r in super().wait_for(count, path, timeout)]


def sign(body: str, ts: int | None = None, secret: str = SECRET) -> dict:
    ts = ts if ts is not None else int(time.time())
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


@pytest.fixture(scope="module")
def slack(tmp_path_factory, fixture_settings, fixture_runtime):
    capture = SlackCapture()
    tmp = tmp_path_factory.mktemp("slack")
    settings = fixture_settings.model_copy(update={
        "state_db": tmp / "state.sqlite3", "slack_bot_token": "xoxb-test", "slack_signing_secret": SECRET,
        "slack_api_base_url": capture.url + "/api/", "admin_key": "slack-admin-key-0123456789abcdef"})
    server, service = start_server(settings, fixture_runtime)
    with server:
        yield server.url, capture, service
    capture.close()


def _post_form(url: str, form: dict, headers_ts: int | None = None, secret: str = SECRET) -> httpx.Response:
    body = urlencode(form)
    return httpx.post(url + "/slack/events", content=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                                    **sign(body, headers_ts, secret)}, timeout=10)


def _post_event(url: str, event: dict) -> httpx.Response:
    body = json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event,
                       "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time())})
    return httpx.post(url + "/slack/events", content=body, headers={"Content-Type": "application/json", **sign(body)}, timeout=10)


def test_slash_command_acks_fast_and_answers_with_block_kit(slack):
    url, capture, _ = slack
    started = time.perf_counter()
    r = _post_form(url, {"command": "/bolig", "text": "Kan en student få bostøtte?", "user_id": "U1", "channel_id": "C1",
                         "team_id": "T1", "response_url": capture.url + "/respond/1", "trigger_id": "t1"})
    assert r.status_code == 200 and time.perf_counter() - started < 3
    body = capture.wait_for("/respond/1")[0]
    blocks = body["blocks"]
    assert body["response_type"] == "in_channel"
    assert any(b["type"] == "section" and "Studentar som ikkje har barn" in b["text"]["text"] for b in blocks)
    link = "<https://lovdata.no/lov/2099-01-01-1/§2|testlova § 2"
    assert any(b["type"] == "section" and link in b["text"]["text"] for b in blocks)
    actions = next(b for b in blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["feedback_up", "feedback_down"]


def test_bad_signature_and_stale_timestamp_are_rejected(slack):
    url, _, _ = slack
    form = {"command": "/bolig", "text": "bostøtte", "user_id": "U1", "channel_id": "C1", "response_url": "http://127.0.0.1:9/x"}
    assert _post_form(url, form, secret="wrong").status_code == 401
    assert _post_form(url, form, headers_ts=int(time.time()) - 600).status_code == 401
    unsigned = httpx.post(url + "/slack/events", content="command=%2Fbolig",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert unsigned.status_code == 401


def test_mentions_answer_in_thread_and_keep_thread_context(slack):
    url, capture, service = slack
    assert _post_event(url, {"type": "app_mention", "user": "U2", "text": "<@UBOT> Kan en student få bostøtte?",
                             "ts": "1700000001.000100",
                             "channel": "C9"}).status_code == 200
    first = capture.wait_for("/api/chat.postMessage", 1)[-1]
    assert first["channel"] == "C9" and first["thread_ts"] == "1700000001.000100"
    assert _post_event(url, {"type": "app_mention", "user": "U2", "text": "<@UBOT> hva med når det er barn i husstanden?",
                             "ts": "1700000002.000100", "thread_ts": "1700000001.000100", "channel": "C9"}).status_code == 200
    second = capture.wait_for("/api/chat.postMessage", 2)[-1]
    assert second["thread_ts"] == "1700000001.000100"
    turns = service.state.turns("slack:T1:U2:C9:1700000001.000100")  # the user's own conversation in the thread
    assert len(turns) == 2 and "student" in turns[1]["resolved_query"].lower()


def test_feedback_button_is_stored(slack):
    url, capture, service = slack
    answer = service.answer("Kan en student få bostøtte?")
    payload = {"type": "block_actions", "user": {"id": "U3"}, "team": {"id": "T1"}, "api_app_id": "A1", "token": "t",
               "container": {"type": "message"}, "trigger_id": "t2", "response_url": capture.url + "/respond/fb",
               "actions": [{"action_id": "feedback_down", "block_id": "feedback", "value": answer.answer_id, "type": "button",
                            "action_ts": "1700000003.1"}]}
    r = _post_form(url, {"payload": json.dumps(payload)})
    assert r.status_code == 200
    reply = capture.wait_for("/respond/fb")[0]
    assert reply["text"] == "Takk for tilbakemeldingen!"
    rows = [f for f in service.state.export_feedback() if f["answer_id"] == answer.answer_id]
    assert rows and rows[0]["rating"] == "down" and rows[0]["channel"] == "slack"
