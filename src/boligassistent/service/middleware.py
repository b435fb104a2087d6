"""HTTP middleware: request id, request body limit, Prometheus metrics and one structured access-log line."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from boligassistent.service.context import request_id
from boligassistent.service.metrics import Metrics

log = logging.getLogger("api")


def add_observability(app: FastAPI, metrics: Metrics, max_body_bytes: int) -> None:
    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            length = request.headers.get("content-length")
            if length and length.isdigit() and int(length) > max_body_bytes:
                response: Response = JSONResponse({"detail": f"Forespørselen er for stor (maks {max_body_bytes // 1024} KB)."},
                                                  status_code=413)
            else:
                response = await call_next(request)
        finally:
            request_id.reset(token)
        route_path = getattr(request.scope.get("route"), "path", "unmatched")
        elapsed = time.perf_counter() - started
        metrics.requests.labels(request.method, route_path, str(response.status_code)).inc()
        metrics.latency.labels(route_path).observe(elapsed)
        response.headers["X-Request-ID"] = rid
        log.info("request", extra={"request_id": rid, "method": request.method, "route": route_path,
                                   "status": response.status_code, "ms": round(elapsed * 1000, 1)})
        return response
