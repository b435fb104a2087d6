"""Teams endpoint hardening, with real Activity JSON posted to /api/messages on a real uvicorn.

Local no-auth mode: the bot replies only to a loopback serviceUrl (no SSRF): an activity naming another host is
refused, and a connector stand-in listening on that host receives nothing. Production mode: the Agents SDK
validates the JWT (signed here by a test key served from a loopback JWKS endpoint) including its issuer; the
token's serviceurl claim must equal the activity's serviceUrl, and that URL must be https on an allow-listed
Bot Framework host. The shared rate limiter answers a user who asks too fast with a Norwegian reply."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from boligassistent.runtime import create_service, service_config
from boligassistent.service.app import create_app
from tests.conftest import LiveServer
from tests.fixtures.loopback import RecordingServer

pytest.importorskip("microsoft_agents.hosting.fastapi", reason="the teams extra is not installed")

APP_ID = "00000000-0000-0000-0000-0000000000a1"
TENANT = "00000000-0000-0000-0000-0000000000b2"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
TEAMS_URL = "https://smba.trafficmanager.net/emea/"


class Connector(RecordingServer):
    """Stands in for the Bot Connector service on `host`: records what the bot sends."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(lambda _: {"id": uuid.uuid4().hex}, host)
        self.url += "/"

    def sent(self) -> list[dict]:
        return [json.loads(r.body or b"{}") for r in self.records]


def activity(service_url: str, text: str | None = "Kan en student få bostøtte?", kind: str = "message",
             conversation: str = "19:sikkerhet@thread.tacv2", user: str = "29:user") -> dict:
    act = {"type": kind, "id": uuid.uuid4().hex, "channelId": "msteams", "serviceUrl": service_url,
           "from": {"id": user, "name": "Saksbehandler"}, "recipient": {"id": "28:bot", "name": "Boligassistent"},
           "conversation": {"id": conversation, "tenantId": TENANT}, "locale": "nb-NO"}
    if text is not None:
        act["text"] = text
    return act


def external_address() -> str | None:
    """A non-loopback address of this machine (a connector stand-in can listen there), or None."""
    candidates = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # picks the outgoing interface; no packet is sent
            candidates.append(probe.getsockname()[0])
        except OSError:
            pass
    try:
        candidates += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    return next((a for a in candidates if not ipaddress.ip_address(a).is_loopback and not ipaddress.ip_address(a).is_unspecified),
                None)


def _serve(tmp_path, unit_settings, unit_runtime, **overrides):
    settings = unit_settings.model_copy(update={"state_db": tmp_path / "state.sqlite3", "abstain_min_dense": 0.0,
                                                "rate_limit_per_minute": 0, **overrides})
    service = create_service(settings, dataclasses.replace(unit_runtime, settings=settings))
    return LiveServer(create_app(service_config(settings), service)), service


# --- local no-auth mode ----------------------------------------------------------------------------------------
def test_local_mode_never_sends_to_a_non_loopback_service_url(tmp_path, unit_settings, unit_runtime):
    address = external_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to listen on")
    outside, inside = Connector(address), Connector()
    server, _ = _serve(tmp_path, unit_settings, unit_runtime, teams_local_no_auth=True)
    try:
        with server:
            r = httpx.post(server.url + "/api/messages", json=activity(outside.url), timeout=30)
            assert r.status_code == 401
            for url in ("https://smba.trafficmanager.net/emea/", "http://localhost.evil.example/",
                        "http://user@127.0.0.1:9/", "file:///etc/passwd"):
                assert httpx.post(server.url + "/api/messages", json=activity(url), timeout=30).status_code == 401
            assert httpx.post(server.url + "/api/messages", content=b"[1, 2]",
                              headers={"Content-Type": "application/json"}, timeout=30).status_code == 401
            # the same activity with a loopback serviceUrl is answered (so the stand-in outside would have seen it)
            assert httpx.post(server.url + "/api/messages", json=activity(inside.url), timeout=30).status_code in (200, 202)
            inside.wait_for(2, timeout=20)
            assert [a["type"] for a in inside.sent()][:2] == ["typing", "message"]
            time.sleep(0.5)
        assert outside.records == []
    finally:
        outside.close()
        inside.close()


def test_teams_users_are_rate_limited_with_a_norwegian_reply(tmp_path, unit_settings, unit_runtime):
    connector = Connector()
    server, service = _serve(tmp_path, unit_settings, unit_runtime, teams_local_no_auth=True, rate_limit_per_minute=2)
    try:
        with server:
            for n in range(3):
                httpx.post(server.url + "/api/messages", json=activity(connector.url), timeout=30)
                connector.wait_for(2 * n + 1 if n == 2 else 2 * (n + 1), timeout=20)
            sent = connector.sent()
            assert [a["type"] for a in sent] == ["typing", "message", "typing", "message", "message"]
            assert sent[-1]["text"].startswith("Du har stilt mange spørsmål på kort tid. Vent ")
            # another user in the same conversation has a bucket of their own
            httpx.post(server.url + "/api/messages", json=activity(connector.url, user="29:kollega"), timeout=30)
            connector.wait_for(7, timeout=20)
            assert [a["type"] for a in connector.sent()[5:]] == ["typing", "message"]
        owner = f"teams:{TENANT}:19:sikkerhet@thread.tacv2"
        assert service.state.owns(owner, owner) and len(service.state.turns(owner)) == 3
    finally:
        connector.close()


# --- production mode: JWT (issuer, serviceurl claim) and allow-listed service hosts -----------------------------
class Jwks:
    """A signing key and a loopback JWKS endpoint publishing it (stands in for login.botframework.com)."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True) | {"kid": "k1", "use": "sig",
                                                                                          "alg": "RS256"}
        body = json.dumps({"keys": [jwk]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/keys"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def token(self, service_url: str | None, issuer: str = BOT_FRAMEWORK_ISSUER, audience: str = APP_ID) -> str:
        now = int(time.time())
        claims = {"iss": issuer, "aud": audience, "nbf": now - 10, "iat": now - 10, "exp": now + 600}
        if service_url is not None:
            claims["serviceurl"] = service_url
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture(scope="module")
def production(tmp_path_factory, unit_settings, unit_runtime):
    from microsoft_agents.authentication.msal import MsalAuth
    from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

    async def offline_token(*args, **kwargs) -> str:
        return "test-token"  # the bot's own outbound token (MSAL would ask login.microsoftonline.com)

    jwks = Jwks()
    patch = pytest.MonkeyPatch()
    patch.setattr(jwt_token_validator, "_build_jwks_uri", lambda *args: jwks.url)  # keys from loopback, not the internet
    patch.setattr(MsalAuth, "get_access_token", offline_token)
    server, _ = _serve(tmp_path_factory.mktemp("teams-prod"), unit_settings, unit_runtime, teams_app_id=APP_ID,
                       teams_app_password="not-used", teams_tenant_id=TENANT)
    with server:
        yield server.url, jwks
    patch.undo()
    jwks.close()


def _post(url: str, act: dict, token: str) -> httpx.Response:
    return httpx.post(url + "/api/messages", json=act, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_production_accepts_a_valid_bot_framework_token(production):
    url, jwks = production
    # a conversationUpdate needs no reply, so nothing leaves this machine
    assert _post(url, activity(TEAMS_URL, text=None, kind="conversationUpdate"), jwks.token(TEAMS_URL)).status_code in (200, 202)


@pytest.mark.parametrize("claim, service_url, issuer", [
    (TEAMS_URL, TEAMS_URL, "https://evil.example/"),  # issuer not allowed
    (TEAMS_URL, TEAMS_URL, "https://sts.windows.net/11111111-1111-1111-1111-111111111111/"),  # another tenant
    (TEAMS_URL, "https://evil.example/api/", BOT_FRAMEWORK_ISSUER),  # claim names another serviceUrl
    (TEAMS_URL, "https://smba.trafficmanager.net/amer/", BOT_FRAMEWORK_ISSUER),  # same host, another service URL
    (None, TEAMS_URL, BOT_FRAMEWORK_ISSUER),  # no serviceurl claim
    ("https://evil.example/", "https://evil.example/", BOT_FRAMEWORK_ISSUER),  # host not allow-listed
    ("https://smba.trafficmanager.net.evil.example/", "https://smba.trafficmanager.net.evil.example/", BOT_FRAMEWORK_ISSUER),
    ("http://smba.trafficmanager.net/emea/", "http://smba.trafficmanager.net/emea/", BOT_FRAMEWORK_ISSUER),  # not https
    ("https://127.0.0.1:9/", "https://127.0.0.1:9/", BOT_FRAMEWORK_ISSUER),  # loopback is never a Bot Framework host
])
def test_production_refuses_a_bad_issuer_service_url_or_host(production, claim, service_url, issuer):
    url, jwks = production
    r = _post(url, activity(service_url, text=None, kind="conversationUpdate"), jwks.token(claim, issuer=issuer))
    assert r.status_code == 401


def test_production_refuses_missing_or_foreign_tokens(production):
    url, jwks = production
    assert httpx.post(url + "/api/messages", json=activity(TEAMS_URL), timeout=30).status_code == 401
    assert _post(url, activity(TEAMS_URL), jwks.token(TEAMS_URL, audience="another-bot")).status_code == 401
    forged = jwt.encode({"iss": BOT_FRAMEWORK_ISSUER, "aud": APP_ID, "serviceurl": TEAMS_URL, "exp": int(time.time()) + 600},
                        rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256",
                        headers={"kid": "k1"})
    assert _post(url, activity(TEAMS_URL), forged).status_code == 401
