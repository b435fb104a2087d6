"""Operations: liveness, readiness (is an index loaded?) and Prometheus metrics; no authentication."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from boligassistent.service.deps import ServiceDep

router = APIRouter(tags=["drift"])


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(service: ServiceDep) -> JSONResponse:
    loaded = service.loaded
    if loaded is None:
        return JSONResponse({"status": "not ready", "detail": service.load_error or "laster indeks"}, status_code=503)
    return JSONResponse({"status": "ready", "chunks": loaded.index.chunk_count, "model": loaded.model_id,
                         "backend": loaded.backend, "generation": loaded.index.generation})


@router.get("/metrics")
def metrics(service: ServiceDep) -> Response:
    return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)
