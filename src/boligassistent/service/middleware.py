"""HTTP middleware (plain ASGI): request id, the request body limit, Prometheus metrics and one structured
access-log line per request, unhandled errors included.

The body limit counts the bytes actually received, so a chunked body without Content-Length is cut off as soon
as it passes the limit (a declared Content-Length above it is answered at once). Access-log lines name the
route template, never the URL: query strings (questions) are not logged.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from boligassistent.service.context import request_id
from boligassistent.service.errors import body_too_large
from boligassistent.service.metrics import Metrics

log = logging.getLogger("api")

# metric label values: any other method (WebDAV, made-up verbs) is "OTHER", so callers cannot create new series
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # a caller's X-Request-ID is echoed into logs only if it looks like one


class BodyTooLarge(HTTPException):
    """Raised while the body is read; FastAPI passes HTTP errors on, so the API's handler answers 413 in Norwegian."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


def method_label(method: str) -> str:
    return method if method in METHODS else "OTHER"


def _request_id(given: str | None) -> str:
    return given if given and _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]


def _declared_too_large(headers: Headers, max_body_bytes: int) -> bool:
    length = headers.get("content-length", "")
    return length.isdigit() and int(length) > max_body_bytes


class Observability:
    def __init__(self, app: ASGIApp, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        rid = _request_id(headers.get("x-request-id"))
        request_id.set(rid)  # each request runs in its own task: the value stays with this request's log lines
        started = time.perf_counter()
        status: int | None = None  # set when the response starts
        unhandled = False

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", rid)
            await send(message)

        received = 0

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        too_large = JSONResponse({"detail": body_too_large(self.max_body_bytes)}, status_code=413)
        try:
            if _declared_too_large(headers, self.max_body_bytes):
                await too_large(scope, receive, send_with_id)
            else:
                await self.app(scope, receive_counted, send_with_id)
        except BodyTooLarge:  # read by code outside the API's exception handlers: answer it here if still possible
            if status is not None:
                unhandled = True
                raise
            await too_large(scope, receive, send_with_id)
        except Exception:
            unhandled = True  # ServerErrorMiddleware answers it with the Norwegian 500 and logs the traceback
            raise
        finally:
            self._record(scope, rid, 500 if unhandled or status is None else status, time.perf_counter() - started,
                         unhandled)

    def _record(self, scope: Scope, rid: str, status: int, elapsed: float, unhandled: bool) -> None:
        route = getattr(scope.get("route"), "path", "unmatched")
        method = method_label(scope["method"])
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.latency.labels(route).observe(elapsed)
        if unhandled:
            self.metrics.unhandled_errors.labels(method, route).inc()
        fields = {"request_id": rid, "method": method, "route": route, "status": status, "ms": round(elapsed * 1000, 1)}
        if unhandled:
            log.error("request", extra={**fields, "error": "unhandled"})
        else:
            log.info("request", extra=fields)
