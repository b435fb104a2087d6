"""Typed configuration of the HTTP service (built from Settings in runtime.py; host and port belong to the CLI)."""

from __future__ import annotations

from dataclasses import dataclass, field

from boligassistent.channels.config import SlackConfig, TeamsConfig


@dataclass(frozen=True)
class ServiceConfig:
    dev_no_auth: bool = False  # no API keys at all (development only)
    cors_origins: tuple[str, ...] = ()  # browser origins allowed besides those of widget keys
    demo_widget_key: str | None = None  # a query-scoped key injected into the demo page at /
    rate_limit_per_minute: int = 60  # requests per key and client address (a bucket per pair); 0 = unlimited
    # proxies (addresses or CIDR networks) whose X-Forwarded-For names the client; otherwise the socket's peer counts
    trusted_proxies: tuple[str, ...] = ()
    max_question_chars: int = 1000
    max_body_bytes: int = 64 * 1024  # larger request bodies get 413
    index_watch_s: float = 5.0  # poll for a new index generation and hot-swap it (0 = off)
    sse_ping_s: float = 15.0  # keep-alive comment on an idle answer stream (proxies close silent connections)
    slack: SlackConfig = field(default_factory=SlackConfig)
    teams: TeamsConfig = field(default_factory=TeamsConfig)
