"""Operations: liveness, readiness (is an index loaded?) and Prometheus metrics; no authentication.

All three are `async`, as are their dependencies, and touch only in-memory state: they answer on the event loop
even when every worker thread is busy answering questions (a saturated pool must not fail health checks).
Why an index failed to load is logged, and shown by /readyz only to a caller presenting an admin key.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from boligassistent.service.deps import ServiceDep, has_admin_key

router = APIRouter(tags=["drift"])


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request, service: ServiceDep) -> JSONResponse:
    loaded = service.loaded
    if loaded is None:
        body = {"status": "not ready"}
        if service.load_error and has_admin_key(request, service.keys):
            body["detail"] = service.load_error
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready", "chunks": loaded.index.chunk_count, "model": loaded.model_id,
                         "backend": loaded.backend, "generation": loaded.index.generation})


@router.get("/metrics")
async def metrics(service: ServiceDep) -> Response:
    return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)
