"""Administration: load the newest index generation now (hot swap) instead of waiting for the watcher."""

from __future__ import annotations

from fastapi import APIRouter

from boligassistent.service.deps import AdminKey, ServiceDep
from boligassistent.service.errors import ApiError

router = APIRouter(tags=["admin"])


@router.post("/v1/admin/reload", summary="Last inn nyeste indeks (hot swap)")
def reload(key: AdminKey, service: ServiceDep) -> dict:
    changed = service.reload_if_changed()
    if service.load_error:
        raise ApiError(503, f"Kunne ikke laste indeksen: {service.load_error}")
    return {"reloaded": changed, "generation": service.generation}
