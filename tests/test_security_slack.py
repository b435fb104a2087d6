"""Slack bot hardening over real HTTP (signed requests to /slack/events on a real uvicorn; Slack's Web API and
response_url are a loopback capture server): the dispatch never blocks the event loop, a busy bot still
acknowledges within Slack's 3 s, users are rate-limited with a Norwegian reply, and conversations are owned per user."""

from __future__ import annotations

import dataclasses
import threading
import time

import httpx
import pytest

from boligassistent.runtime import create_service, service_config
from boligassistent.service.app import create_app
from tests.conftest import LiveServer
from tests.fixtures.loopback import RecordingServer

pytest.importorskip("slack_bolt", reason="the slack extra is not installed")

from tests.test_slack_bot import SECRET, SlackCapture, _post_event, _post_form  # noqa: E402


def _serve(tmp_path, unit_settings, unit_runtime, capture: SlackCapture, **overrides):
    settings = unit_settings.model_copy(update={
        "state_db": tmp_path / "state.sqlite3", "slack_bot_token": "xoxb-test", "slack_signing_secret": SECRET,
        "slack_api_base_url": capture.url + "/api/", "abstain_min_dense": 0.0, "rate_limit_per_minute": 0, **overrides})
    service = create_service(settings, dataclasses.replace(unit_runtime, settings=settings))
    return LiveServer(create_app(service_config(settings), service)), service


def _command(capture: SlackCapture, user: str, n: int) -> dict:
    return {"command": "/bolig", "text": "Kan en student få bostøtte?", "user_id": user, "channel_id": "C1",
            "team_id": "T1", "response_url": capture.url + f"/respond/{n}", "trigger_id": f"t{n}"}


def test_busy_bot_neither_stalls_the_server_nor_misses_slacks_ack_deadline(tmp_path, unit_settings, unit_runtime):
    capture = SlackCapture()
    server, _ = _serve(tmp_path, unit_settings, unit_runtime, capture)
    results: dict[int, tuple[int, float]] = {}

    def send(n: int) -> None:
        started = time.perf_counter()
        r = _post_form(server.url, _command(capture, f"U{n}", n))
        results[n] = (r.status_code, time.perf_counter() - started)

    try:
        with server:
            send(99)  # bolt checks its token (auth.test) on the first request
            RecordingServer.wait_for(capture, 2, timeout=20)
            capture.records.clear()
            results.clear()
            capture.delay = 3.0  # from now on every reply to Slack takes 3 s: the bot's threads stay busy
            threads = [threading.Thread(target=send, args=(n,)) for n in range(10)]
            for t in threads:
                t.start()
            RecordingServer.wait_for(capture, 5, timeout=20)  # bolt's default pool (5 threads) is now busy replying
            time.sleep(0.3)
            started = time.perf_counter()
            assert httpx.get(server.url + "/healthz", timeout=10).status_code == 200
            health_s = time.perf_counter() - started
            for t in threads:
                t.join(timeout=30)
            assert len(RecordingServer.wait_for(capture, 10, timeout=30)) == 10
        assert health_s < 1.0, f"/healthz took {health_s:.1f} s while the bot was busy"
        assert sorted(results) == list(range(10))
        assert all(status == 200 and seconds < 2.5 for status, seconds in results.values()), results
    finally:
        capture.close()


def test_slack_users_are_rate_limited_with_a_norwegian_reply(tmp_path, unit_settings, unit_runtime):
    capture = SlackCapture()
    server, service = _serve(tmp_path, unit_settings, unit_runtime, capture, rate_limit_per_minute=2)
    try:
        with server:
            for n in range(3):
                assert _post_form(server.url, _command(capture, "U1", n)).status_code == 200
                capture.wait_for(f"/respond/{n}")
            limited = capture.wait_for("/respond/2")[0]
            assert limited["response_type"] == "ephemeral"
            assert limited["text"].startswith("Du har stilt mange spørsmål på kort tid. Vent ")
            assert capture.wait_for("/respond/0")[0]["response_type"] == "in_channel"
            assert _post_form(server.url, _command(capture, "U2", 3)).status_code == 200  # another user: own bucket
            assert capture.wait_for("/respond/3")[0]["response_type"] == "in_channel"
            # mentions count against the same user's bucket
            event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> bostøtte", "ts": "1700000009.000100",
                     "channel": "C9"}
            assert _post_event(server.url, event).status_code == 200
            reply = capture.wait_for("/api/chat.postMessage", 1)[-1]
            assert reply["thread_ts"] == "1700000009.000100" and reply["text"].startswith("Du har stilt mange spørsmål")
        assert len(service.state.turns("slack:T1:U1:C1:cmd")) == 2
    finally:
        capture.close()


def test_each_user_in_a_thread_has_a_conversation_of_their_own(tmp_path, unit_settings, unit_runtime):
    capture = SlackCapture()
    server, service = _serve(tmp_path, unit_settings, unit_runtime, capture)
    thread = "1700000001.000100"
    try:
        with server:
            for n, (user, text) in enumerate([("U1", "Kan en student få bostøtte?"), ("U2", "hva med barn i husstanden?")]):
                event = {"type": "app_mention", "user": user, "text": f"<@UBOT> {text}", "ts": f"170000000{n + 2}.000100",
                         "thread_ts": thread, "channel": "C9"}
                assert _post_event(server.url, event).status_code == 200
                capture.wait_for("/api/chat.postMessage", n + 1)
        first, second = (service.state.turns(f"slack:T1:{user}:C9:{thread}") for user in ("U1", "U2"))
        assert [t["message"] for t in first] == ["Kan en student få bostøtte?"]
        assert [t["message"] for t in second] == ["hva med barn i husstanden?"]
        assert "student" not in second[0]["resolved_query"].lower()  # U1's question never entered U2's context
        assert service.state.owns(f"slack:T1:U1:C9:{thread}", "slack:T1:U1")
    finally:
        capture.close()
