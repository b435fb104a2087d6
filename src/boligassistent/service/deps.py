"""FastAPI dependencies: the service and its config, API-key auth (scope, origin, rate limit), the loaded index."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from boligassistent.channels.messages import SERVICE_NOT_READY
from boligassistent.service.config import ServiceConfig
from boligassistent.service.errors import ApiError
from boligassistent.service.security import SCOPES, ApiKey, KeyStore
from boligassistent.service.service import LoadedIndex, Service

DEV_KEY = ApiKey("dev", "dev (no auth)", frozenset(SCOPES))
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def get_service(request: Request) -> Service:
    return request.app.state.service


def get_config(request: Request) -> ServiceConfig:
    return request.app.state.config


ServiceDep = Annotated[Service, Depends(get_service)]
ConfigDep = Annotated[ServiceConfig, Depends(get_config)]


def _authenticate(request: Request, keys: KeyStore, scope: str) -> ApiKey:
    """The key presented as `Authorization: Bearer …` or `X-API-Key`, checked for scope and browser origin."""
    header = request.headers.get("authorization", "")
    secret = header[7:].strip() if header.lower().startswith("bearer ") else request.headers.get("x-api-key", "")
    if not secret:
        raise ApiError(401, "Mangler API-nøkkel.", _CHALLENGE)
    key = keys.lookup(secret)
    if key is None:
        raise ApiError(401, "Ugyldig API-nøkkel.", _CHALLENGE)
    if scope not in key.scopes:
        raise ApiError(403, "API-nøkkelen har ikke tilgang til dette.")
    origin = request.headers.get("origin")
    if key.origins and origin and origin not in key.origins:
        raise ApiError(403, "API-nøkkelen kan ikke brukes fra denne nettsiden.")
    return key


def require_scope(scope: str) -> Callable[..., ApiKey]:
    """A dependency admitting requests with a key of `scope` (any request with dev_no_auth), within the rate limit."""

    def authorize(request: Request, service: ServiceDep, config: ConfigDep) -> ApiKey:
        key = DEV_KEY if config.dev_no_auth else _authenticate(request, service.keys, scope)
        client = key.key_id if key is not DEV_KEY else (request.client.host if request.client else "anon")
        wait = service.limiter.check(client)
        if wait is not None:
            raise ApiError(429, "For mange forespørsler. Vent litt og prøv igjen.",
                           {"Retry-After": str(max(1, round(wait + 0.5)))})
        return key

    return authorize


QueryKey = Annotated[ApiKey, Depends(require_scope("query"))]
AdminKey = Annotated[ApiKey, Depends(require_scope("admin"))]


def loaded_index(service: ServiceDep) -> LoadedIndex:
    loaded = service.loaded
    if loaded is None:
        raise ApiError(503, SERVICE_NOT_READY)
    return loaded


Loaded = Annotated[LoadedIndex, Depends(loaded_index)]


def valid_question(text: str, config: ServiceConfig) -> str:
    text = text.strip()
    if not text:
        raise ApiError(422, "Spørsmålet er tomt.")
    if len(text) > config.max_question_chars:
        raise ApiError(422, f"Spørsmålet er for langt (maks {config.max_question_chars} tegn).")
    return text
