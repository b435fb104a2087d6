"""Per-request context: the request id, set by the HTTP middleware for everything logged while handling it."""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
