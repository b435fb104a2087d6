"""Search: ranked passages with citation labels and each retrieval arm's rank and score."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from boligassistent.retrieval.store import SearchFilters
from boligassistent.service.deps import ConfigDep, Loaded, QueryKey, valid_question
from boligassistent.service.errors import ApiError

router = APIRouter(tags=["søk"])


@router.get("/v1/search", summary="Rangerte tekstutdrag med kildehenvisning")
def search(key: QueryKey, loaded: Loaded, config: ConfigDep,
           q: Annotated[str, Query(min_length=1, examples=["bostøtte student"])],
           k: Annotated[int, Query(ge=1, le=50)] = 8, kind: Annotated[list[str] | None, Query()] = None,
           mode: Annotated[str, Query(max_length=40, description="hybrid, or one retrieval arm's name")] = "hybrid") -> dict:
    if mode not in loaded.retriever.modes:
        raise ApiError(422, f"Ugyldig forespørsel: «mode» må være en av {', '.join(loaded.retriever.modes)}.")
    result = loaded.retriever.search(valid_question(q, config), k=k, filters=SearchFilters(kinds=tuple(kind or ())), mode=mode)
    return {"query": q, "timings_ms": {name: round(ms, 2) for name, ms in result.timings_ms.items()},
            "hits": [hit.to_dict() for hit in result.hits]}
