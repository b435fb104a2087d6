"""Development mode: only on a loopback host, and never for the admin endpoints (real uvicorn, real CLI)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from boligassistent.channels.loopback import is_loopback_host, is_loopback_url
from boligassistent.runtime import create_service, service_config
from boligassistent.service.app import create_app
from boligassistent.service.devmode import UnsafeDevMode, check_dev_mode
from tests.conftest import LiveServer

ADMIN = "sec1-admin-key-0123456789abcdef"


@pytest.mark.parametrize("admin_key", [None, ADMIN])
def test_admin_endpoints_need_an_admin_key_even_in_dev_mode(tmp_path, unit_settings, unit_runtime, admin_key):
    settings = unit_settings.model_copy(update={"state_db": tmp_path / "state.sqlite3", "dev_no_auth": True,
                                                "admin_key": admin_key, "rate_limit_per_minute": 0})
    service = create_service(settings, dataclasses.replace(unit_runtime, settings=settings))
    _, query_key = service.keys.create("widget", ["query"])
    with LiveServer(create_app(service_config(settings), service)) as server:
        assert httpx.post(server.url + "/v1/ask", json={"question": "Kan en student få bostøtte?"}).status_code == 200
        for method, path in (("GET", "/v1/feedback/export"), ("GET", "/v1/feedback/export?format=csv"),
                             ("POST", "/v1/admin/reload")):
            anonymous = httpx.request(method, server.url + path)
            assert anonymous.status_code == 401 and anonymous.json()["detail"] == "Mangler API-nøkkel."
            not_admin = httpx.request(method, server.url + path, headers={"Authorization": f"Bearer {query_key}"})
            assert not_admin.status_code == 403
            if admin_key:
                assert httpx.request(method, server.url + path, headers={"Authorization": f"Bearer {admin_key}"}).is_success


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST", "::ffff:127.0.0.1"])
def test_loopback_hosts(host):
    assert is_loopback_host(host)
    check_dev_mode(host, dev_no_auth=True, teams_local_no_auth=True)  # allowed


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "10.0.0.1", "boligassistent.kommune.no",
                                  "localhost.evil.example", "127.0.0.1.nip.io", ""])
def test_other_hosts_refuse_unauthenticated_modes(host):
    assert not is_loopback_host(host)
    check_dev_mode(host, dev_no_auth=False)  # with authentication, any host
    with pytest.raises(UnsafeDevMode, match="BOLIG_ADMIN_KEY"):
        check_dev_mode(host, dev_no_auth=True)
    with pytest.raises(UnsafeDevMode, match="BOLIG_TEAMS_APP_ID"):
        check_dev_mode(host, dev_no_auth=False, teams_local_no_auth=True)


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:3978/", True), ("https://localhost/x", True), ("http://[::1]:9/", True),
    ("http://192.0.2.2:3978/", False), ("https://smba.trafficmanager.net/emea/", False),
    ("http://127.0.0.1@evil.example/", False), ("http://user@127.0.0.1/", False), ("file:///etc/passwd", False),
    ("ftp://127.0.0.1/", False), ("http://localhost.evil.example/", False), ("not a url", False),
])
def test_loopback_urls(url, loopback):
    assert is_loopback_url(url) is loopback


def test_serve_refuses_dev_mode_on_a_public_host(tmp_path):
    """`boligassistent serve --dev-no-auth --host 0.0.0.0` stops at once with what to do, before listening."""
    env = {k: v for k, v in os.environ.items() if k != "BOLIG_ADMIN_KEY"}
    env |= {"BOLIG_STATE_DB": str(tmp_path / "s.sqlite3"), "BOLIG_INDEX_DIR": str(tmp_path / "index")}
    try:
        command = [str(Path(sys.executable).with_name("boligassistent")), "serve", "--dev-no-auth", "--host", "0.0.0.0"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    except subprocess.TimeoutExpired:
        pytest.fail("serve started without authentication on 0.0.0.0")
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert "refusing to start without authentication" in message and "BOLIG_ADMIN_KEY" in message, done.stderr
