"""API errors: one JSON shape `{"detail": "<Norwegian message>"}` for every failure, with the exception handlers."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from boligassistent.channels.messages import INDEX_UNAVAILABLE
from boligassistent.indexing.generation import IndexUnavailable

log = logging.getLogger("api")

UNEXPECTED_ERROR = "Noe gikk galt hos oss. Prøv igjen om litt."
INDEX_RETRY_AFTER_S = 5  # Retry-After while the index backend is unreachable
_HTTP_MESSAGES = {404: "Fant ikke siden.", 405: "Metoden er ikke tillatt her."}
_VALIDATION_NO = {
    "missing": "mangler", "string_too_short": "er tomt", "string_too_long": "er for langt", "too_long": "har for mange verdier",
    "less_than_equal": "er for stort", "greater_than_equal": "er for lite", "literal_error": "har en ugyldig verdi",
    "json_invalid": "er ikke gyldig JSON", "int_parsing": "må være et heltall", "string_pattern_mismatch": "har ugyldige tegn",
    "model_attributes_type": "må være et JSON-objekt", "string_type": "må være tekst", "int_type": "må være et heltall",
}


def body_too_large(max_body_bytes: int) -> str:
    return f"Forespørselen er for stor (maks {max_body_bytes // 1024} KB)."


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self.status, self.message, self.headers = status, message, headers or {}


def _detail(message: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
    return _detail(exc.message, exc.status, exc.headers)


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    problems = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "query", "path")) or "forespørselen"
        problems.append(f"«{field}» {_VALIDATION_NO.get(err.get('type', ''), 'er ugyldig')}")
    return _detail("Ugyldig forespørsel: " + "; ".join(problems) + ".", 422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 413:  # the body limit, counted over the bytes received (FastAPI's max_body_size)
        return _detail(body_too_large(request.app.state.config.max_body_bytes), 413)
    if exc.status_code in _HTTP_MESSAGES or not isinstance(exc.detail, str):
        return _detail(_HTTP_MESSAGES.get(exc.status_code, str(exc.detail)), exc.status_code)
    return _detail(exc.detail, exc.status_code)


async def _index_unavailable(_: Request, exc: IndexUnavailable) -> JSONResponse:
    log.error("index backend unavailable", extra={"error": str(exc)})
    return _detail(INDEX_UNAVAILABLE, 503, {"Retry-After": str(INDEX_RETRY_AFTER_S)})


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error")
    return _detail(UNEXPECTED_ERROR, 500)


def install_error_handlers(app: FastAPI) -> None:
    app.exception_handler(ApiError)(_api_error)
    app.exception_handler(RequestValidationError)(_validation_error)
    app.exception_handler(StarletteHTTPException)(_http_error)
    app.exception_handler(IndexUnavailable)(_index_unavailable)
    app.exception_handler(Exception)(_unexpected)
