"""Search: ranked passages with citation labels and each retrieval arm's rank and score.

`POST /v1/search` takes the query in the body, so questions stay out of URLs (and so out of proxy and server
access logs). `GET /v1/search?q=…` still works for existing callers but is deprecated for that reason.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from boligassistent.retrieval.store import SearchFilters
from boligassistent.service.config import ServiceConfig
from boligassistent.service.deps import ConfigDep, Loaded, QueryKey, valid_question
from boligassistent.service.errors import ApiError
from boligassistent.service.schemas import KINDS, Kind, SearchRequest
from boligassistent.service.service import LoadedIndex

router = APIRouter(tags=["søk"])
# GET puts the question in the URL: percent-encoded, 2,000 characters stay under 20 KB (longer URLs are refused by
# HTTP servers and proxies before they reach us); longer questions go by POST
MAX_GET_QUERY_CHARS = 2_000


def _search(loaded: LoadedIndex, config: ServiceConfig, body: SearchRequest) -> dict:
    if body.mode not in loaded.retriever.modes:
        raise ApiError(422, f"Ugyldig forespørsel: «mode» må være en av {', '.join(loaded.retriever.modes)}.")
    result = loaded.retriever.search(valid_question(body.q, config), k=body.k, filters=SearchFilters(kinds=tuple(body.kinds)),
                                     mode=body.mode)
    return {"query": body.q, "timings_ms": {name: round(ms, 2) for name, ms in result.timings_ms.items()},
            "hits": [hit.to_dict() for hit in result.hits]}


@router.post("/v1/search", summary="Rangerte tekstutdrag med kildehenvisning")
def search(body: SearchRequest, key: QueryKey, loaded: Loaded, config: ConfigDep) -> dict:
    return _search(loaded, config, body)


@router.get("/v1/search", deprecated=True, summary="Som POST /v1/search, men spørsmålet havner i URL-en (og i logger)")
def search_get(key: QueryKey, loaded: Loaded, config: ConfigDep,
               q: Annotated[str, Query(min_length=1, max_length=MAX_GET_QUERY_CHARS, examples=["bostøtte student"])],
               k: Annotated[int, Query(ge=1, le=50)] = 8,
               kind: Annotated[list[Kind] | None, Query(max_length=len(KINDS))] = None,
               mode: Annotated[str, Query(max_length=40, description="hybrid, or one retrieval arm's name")] = "hybrid") -> dict:
    return _search(loaded, config, SearchRequest(q=q, k=k, kinds=kind or [], mode=mode))
