"""FastAPI dependencies: the service and its config, API-key auth (scope, origin, rate limit), the loaded index."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from boligassistent.channels.messages import SERVICE_NOT_READY
from boligassistent.service.config import ServiceConfig
from boligassistent.service.errors import ApiError
from boligassistent.service.security import ApiKey, KeyStore, client_address
from boligassistent.service.service import LoadedIndex, Service

DEV_KEY = ApiKey("dev", "dev (no auth)", frozenset({"query"}))  # dev mode never opens the admin endpoints
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def get_service(request: Request) -> Service:  # async: resolved on the event loop, never in the thread pool
    return request.app.state.service


async def get_config(request: Request) -> ServiceConfig:
    return request.app.state.config


ServiceDep = Annotated[Service, Depends(get_service)]
ConfigDep = Annotated[ServiceConfig, Depends(get_config)]


def _presented_secret(request: Request) -> str:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else request.headers.get("x-api-key", "")


def has_admin_key(request: Request, keys: KeyStore) -> bool:
    """True when the request presents a key with the admin scope (no error otherwise: for optional details)."""
    secret = _presented_secret(request)
    key = keys.lookup(secret) if secret else None
    return key is not None and "admin" in key.scopes


def _authenticate(request: Request, keys: KeyStore, scope: str) -> ApiKey:
    """The key presented as `Authorization: Bearer …` or `X-API-Key`, checked for scope and browser origin."""
    secret = _presented_secret(request)
    if not secret:
        raise ApiError(401, "Mangler API-nøkkel.", _CHALLENGE)
    key = keys.lookup(secret)
    if key is None:
        raise ApiError(401, "Ugyldig API-nøkkel.", _CHALLENGE)
    if scope not in key.scopes:
        raise ApiError(403, "API-nøkkelen har ikke tilgang til dette.")
    if key.origins and request.headers.get("origin") not in key.origins:  # a widget key: only from its own pages
        raise ApiError(403, "API-nøkkelen kan ikke brukes fra denne nettsiden.")
    return key


def request_client(request: Request) -> str:
    """The client's address (see `client_address`): the socket peer, or X-Forwarded-For from a trusted proxy."""
    return client_address(request.client.host if request.client else None, request.headers.get("x-forwarded-for"),
                          request.app.state.trusted_proxies)


def require_scope(scope: str) -> Callable[..., ApiKey]:
    """A dependency admitting requests with a key of `scope` (with dev_no_auth: any query request; admin endpoints
    always need an admin key), within the rate limit.

    The limit holds per key and client address together: a widget key is public and shared by every caseworker,
    so one script using it exhausts only its own address's bucket, not everyone's."""

    def authorize(request: Request, service: ServiceDep, config: ConfigDep) -> ApiKey:
        key = DEV_KEY if config.dev_no_auth and scope in DEV_KEY.scopes else _authenticate(request, service.keys, scope)
        wait = service.limiter.check(f"{key.key_id}|{request_client(request)}")
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
