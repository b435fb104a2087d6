"""FastAPI application: ask/chat (+SSE), search, documents, sources, feedback, health, metrics, widget."""


import asyncio
import csv
import html
import io
import json
import logging
import time
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sse_starlette.sse import EventSourceResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from boligassistent.answering.models import Answer
from boligassistent.channels.formatting import (
    FEEDBACK_UNKNOWN_ANSWER,
    INDEX_UNAVAILABLE_TEXT,
)
from boligassistent.indexing.generation import IndexUnavailable
from boligassistent.logs import request_id
from boligassistent.retrieval.retriever import SearchFilters
from boligassistent.service.schemas import (
    AnswerOut,
    AskRequest,
    ChatRequest,
    FeedbackOut,
    FeedbackRequest,
    Filters,
)
from boligassistent.service.security import ApiKey
from boligassistent.service.service import Service
from boligassistent.settings import Settings

log = logging.getLogger("api")
STATIC = Path(__file__).parent / "static"
SERVICE_NOT_READY = "Tjenesten starter eller mangler indeks. Prøv igjen om litt."


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self.status, self.message, self.headers = status, message, headers or {}


_VALIDATION_NO = {
    "missing": "mangler", "string_too_short": "er tomt", "string_too_long": "er for langt", "too_long": "har for mange verdier",
    "less_than_equal": "er for stort", "greater_than_equal": "er for lite", "literal_error": "har en ugyldig verdi",
    "json_invalid": "er ikke gyldig JSON", "int_parsing": "må være et heltall", "string_pattern_mismatch": "har ugyldige tegn",
    "model_attributes_type": "må være et JSON-objekt", "string_type": "må være tekst", "int_type": "må være et heltall",
}


def _filters(filters: Filters | None) -> SearchFilters | None:
    if not filters:
        return None
    return SearchFilters(kinds=tuple(filters.kinds), doc_ids=tuple(filters.doc_ids))


def _answer_out(answer: Answer) -> dict:
    data = answer.to_dict()
    return AnswerOut(answer_id=answer.answer_id, conversation_id=answer.conversation_id, question=answer.question,
                     answer=answer.text, citations=data["citations"], sentences=data["sentences"], abstained=answer.abstained,
                     confidence=answer.confidence, reason=answer.reason, closest_sources=answer.closest_sources,
                     resolved_query=answer.resolved_query, backend=answer.backend,
                     timings={k: round(v, 2) for k, v in answer.timings_ms.items()}).model_dump()


def create_app(settings: Settings | None = None, service: Service | None = None) -> FastAPI:
    settings = settings or Settings()
    svc = service or Service.create(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if svc.runtime is None:
            await asyncio.to_thread(svc.load)
        svc.start_watcher()
        yield
        svc.stop()

    app = FastAPI(title="Boligassistent API", version="0.1.0", lifespan=lifespan,
                  description="Kunnskapsassistent for saksbehandlere i boligsosialt arbeid. Svar med kildehenvisninger "
                              "til lov, forskrift, veileder og evalueringsrapporter.")
    app.state.service = svc
    origins = sorted(set(settings.cors_origins) | svc.keys.all_origins())
    app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST", "DELETE"],
                       allow_headers=["Authorization", "X-API-Key", "Content-Type"], max_age=600)

    # ---- middleware: request id, body limit, metrics, structured access log -----------------------------
    @app.middleware("http")
    async def observe(request: Request, call_next):
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            length = request.headers.get("content-length")
            if length and length.isdigit() and int(length) > settings.max_body_bytes:
                response: Response = JSONResponse({"detail": f"Forespørselen er for stor (maks {settings.max_body_bytes // 1024} KB)."},
                                                  status_code=413)
            else:
                response = await call_next(request)
        finally:
            request_id.reset(token)
        route = request.scope.get("route")
        route_path = getattr(route, "path", "unmatched")
        elapsed = time.perf_counter() - started
        svc.metrics.requests.labels(request.method, route_path, str(response.status_code)).inc()
        svc.metrics.latency.labels(route_path).observe(elapsed)
        response.headers["X-Request-ID"] = rid
        log.info("request", extra={"request_id": rid, "method": request.method, "route": route_path,
                                   "status": response.status_code, "ms": round(elapsed * 1000, 1)})
        return response

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError):
        return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError):
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "query", "path")) or "forespørselen"
            problems.append(f"«{field}» {_VALIDATION_NO.get(err.get('type', ''), 'er ugyldig')}")
        return JSONResponse({"detail": "Ugyldig forespørsel: " + "; ".join(problems) + "."}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException):
        messages = {404: "Fant ikke siden.", 405: "Metoden er ikke tillatt her."}
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code not in messages else messages.get(exc.status_code, str(exc.detail))
        return JSONResponse({"detail": detail}, status_code=exc.status_code)

    @app.exception_handler(IndexUnavailable)
    async def index_unavailable(_: Request, exc: IndexUnavailable):
        log.error("index backend unavailable", extra={"error": str(exc)})
        return JSONResponse({"detail": INDEX_UNAVAILABLE_TEXT}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception):
        log.exception("unhandled error")
        return JSONResponse({"detail": "Noe gikk galt hos oss. Prøv igjen om litt."}, status_code=500)

    # ---- auth -------------------------------------------------------------------------------------------
    def authorize(scope: str):
        def dependency(request: Request) -> ApiKey:
            if settings.dev_no_auth:
                key = ApiKey("dev", "dev (no auth)", frozenset({"query", "admin"}))
            else:
                header = request.headers.get("authorization", "")
                secret = header[7:].strip() if header.lower().startswith("bearer ") else request.headers.get("x-api-key", "")
                if not secret:
                    raise ApiError(401, "Mangler API-nøkkel.", {"WWW-Authenticate": "Bearer"})
                key = svc.keys.lookup(secret)
                if key is None:
                    raise ApiError(401, "Ugyldig API-nøkkel.", {"WWW-Authenticate": "Bearer"})
                if scope not in key.scopes:
                    raise ApiError(403, "API-nøkkelen har ikke tilgang til dette.")
                origin = request.headers.get("origin")
                if key.origins and origin and origin not in key.origins:
                    raise ApiError(403, "API-nøkkelen kan ikke brukes fra denne nettsiden.")
            client = key.key_id if key.key_id != "dev" else (request.client.host if request.client else "anon")
            wait = svc.limiter.check(client)
            if wait is not None:
                raise ApiError(429, "For mange forespørsler. Vent litt og prøv igjen.", {"Retry-After": str(max(1, round(wait + 0.5)))})
            return key
        return dependency

    QueryKey = Annotated[ApiKey, Depends(authorize("query"))]
    AdminKey = Annotated[ApiKey, Depends(authorize("admin"))]

    def assistant():
        if svc.assistant is None:
            raise ApiError(503, SERVICE_NOT_READY)
        return svc.assistant

    def check_question(text: str) -> str:
        text = text.strip()
        if not text:
            raise ApiError(422, "Spørsmålet er tomt.")
        if len(text) > settings.max_question_chars:
            raise ApiError(422, f"Spørsmålet er for langt (maks {settings.max_question_chars} tegn).")
        return text

    def answer(question: str, **kwargs) -> Answer:
        result = svc.answer(question, **kwargs)
        if result is None:
            raise ApiError(503, SERVICE_NOT_READY)
        return result

    # ---- endpoints -----------------------------------------------------------------------------------------
    @app.post("/v1/ask", response_model=AnswerOut, tags=["svar"], summary="Still et enkeltstående spørsmål")
    def ask(body: AskRequest, key: QueryKey) -> dict:
        return _answer_out(answer(check_question(body.question), filters=_filters(body.filters), top_k=body.top_k))

    def _chat(body: ChatRequest) -> Answer:
        message = check_question(body.message)
        cid = body.conversation_id or svc.state.new_conversation("api")
        return answer(message, conversation_id=cid, filters=_filters(body.filters))

    @app.post("/v1/chat", response_model=AnswerOut, tags=["svar"], summary="Samtale med oppfølgingsspørsmål")
    def chat(body: ChatRequest, key: QueryKey) -> dict:
        return _answer_out(_chat(body))

    @app.post("/v1/chat/stream", tags=["svar"], summary="Samtale som strøm (SSE): meta, sentence…, citations, done")
    async def chat_stream(body: ChatRequest, key: QueryKey):
        answer = await asyncio.to_thread(_chat, body)
        out = _answer_out(answer)

        async def events():
            yield {"event": "meta", "data": json.dumps({"answer_id": answer.answer_id, "conversation_id": answer.conversation_id,
                                                        "abstained": answer.abstained, "reason": answer.reason}, ensure_ascii=False)}
            if answer.abstained or not answer.sentences:
                yield {"event": "sentence", "data": json.dumps({"text": answer.text, "citations": []}, ensure_ascii=False)}
            else:
                for part in answer.text.split("\n\n"):
                    yield {"event": "sentence", "data": json.dumps({"text": part}, ensure_ascii=False)}
                    await asyncio.sleep(0)
            yield {"event": "citations", "data": json.dumps({"citations": out["citations"], "closest_sources": out["closest_sources"]},
                                                            ensure_ascii=False)}
            yield {"event": "done", "data": json.dumps(out, ensure_ascii=False)}

        return EventSourceResponse(events(), ping=15)

    @app.delete("/v1/conversations/{conversation_id}", tags=["svar"], summary="Slett en samtale")
    def delete_conversation(conversation_id: str, key: QueryKey) -> dict:
        if not svc.state.delete_conversation(conversation_id):
            raise ApiError(404, "Fant ikke samtalen.")
        return {"status": "slettet"}

    @app.get("/v1/search", tags=["søk"], summary="Rangerte tekstutdrag med kildehenvisning")
    def search(key: QueryKey, q: Annotated[str, Query(min_length=1, examples=["bostøtte student"])],
               k: Annotated[int, Query(ge=1, le=50)] = 8, kind: Annotated[list[str] | None, Query()] = None,
               mode: Annotated[str, Query(pattern="^(hybrid|bm25|dense)$")] = "hybrid") -> dict:
        runtime = assistant().runtime
        result = runtime.retriever.search(check_question(q), k=k, filters=SearchFilters(kinds=tuple(kind or ())), mode=mode)
        return {"query": q, "timings_ms": {k_: round(v, 2) for k_, v in result.timings_ms.items()},
                "hits": [h.to_dict() for h in result.hits]}

    @app.get("/v1/documents", tags=["kilder"], summary="Dokumentene i indeksen")
    def documents(key: QueryKey) -> dict:
        index = assistant().runtime.index
        docs = index.documents()
        return {"count": len(docs), "built_at": index.manifest.get("built_at"), "documents": docs}

    @app.get("/v1/documents/{doc_id:path}", tags=["kilder"], summary="Metadata og seksjoner for ett dokument")
    def document(doc_id: str, key: QueryKey) -> dict:
        doc = assistant().runtime.index.document(doc_id)
        if doc is None:
            raise ApiError(404, "Fant ikke dokumentet.")
        return doc

    @app.get("/v1/sources/{chunk_id}", tags=["kilder"], summary="Det siterte utdraget i sammenheng («vis kilde»)")
    def source(chunk_id: str, key: QueryKey) -> dict:
        index = assistant().runtime.index
        chunk = index.chunk(chunk_id)
        if chunk is None:
            raise ApiError(404, "Fant ikke kildeutdraget. Indeksen kan ha blitt oppdatert; still spørsmålet på nytt.")
        neighbours = index.neighbours(chunk)
        doc = index.document(chunk.doc_id) or {}
        return {"chunk": chunk.to_dict(), "citation": chunk.citation(),
                "before": next((c.text for c in neighbours if c.ordinal < chunk.ordinal), None),
                "after": next((c.text for c in neighbours if c.ordinal > chunk.ordinal), None),
                "document": {k: v for k, v in doc.items() if k != "sections"}}

    @app.post("/v1/feedback", response_model=FeedbackOut, tags=["tilbakemelding"], summary="👍/👎 på et svar")
    def feedback(body: FeedbackRequest, key: QueryKey) -> dict:
        fid = svc.record_feedback(body.answer_id, body.rating, body.reason, body.comment)
        if fid is None:
            raise ApiError(404, FEEDBACK_UNKNOWN_ANSWER)
        return {"id": fid, "status": "lagret"}

    @app.get("/v1/feedback/export", tags=["admin"], summary="Eksporter tilbakemeldinger (CSV eller JSONL)")
    def feedback_export(key: AdminKey, format: Annotated[str, Query(pattern="^(csv|jsonl)$")] = "jsonl") -> Response:
        rows = svc.state.export_feedback()
        if format == "jsonl":
            return PlainTextResponse("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), media_type="application/x-ndjson")
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=["id", "answer_id", "rating", "reason", "comment", "channel", "created",
                                                 "question", "answer", "abstained"])
        writer.writeheader()
        writer.writerows(rows)
        return PlainTextResponse(buf.getvalue(), media_type="text/csv; charset=utf-8")

    @app.post("/v1/admin/reload", tags=["admin"], summary="Last inn nyeste indeks (hot swap)")
    def reload(key: AdminKey) -> dict:
        changed = svc.reload_if_changed()
        if svc.load_error:
            raise ApiError(503, f"Kunne ikke laste indeksen: {svc.load_error}")
        return {"reloaded": changed, "generation": svc.generation}

    @app.get("/healthz", tags=["drift"])
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["drift"])
    def readyz() -> JSONResponse:
        if svc.runtime is None:
            return JSONResponse({"status": "not ready", "detail": svc.load_error or "laster indeks"}, status_code=503)
        return JSONResponse({"status": "ready", "chunks": svc.runtime.index.chunk_count, "model": svc.runtime.embedder.model_id,
                             "backend": svc.settings.backend, "generation": svc.runtime.index.generation})

    @app.get("/metrics", tags=["drift"])
    def metrics() -> Response:
        return Response(generate_latest(svc.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # ---- Slack Events API ----------------------------------------------------------------------------------
    if settings.slack_bot_token and settings.slack_signing_secret:
        from slack_bolt.adapter.fastapi import SlackRequestHandler

        from boligassistent.channels.slack import create_slack_app

        slack_handler = SlackRequestHandler(create_slack_app(svc))

        @app.post("/slack/events", include_in_schema=False)
        async def slack_events(request: Request):
            return await slack_handler.handle(request)

    # ---- Microsoft Teams --------------------------------------------------------------------------------------
    if settings.teams_app_id or settings.teams_local_no_auth:
        from boligassistent.channels.teams import mount_teams

        if settings.teams_local_no_auth and not settings.teams_app_id:
            log.warning("Teams endpoint runs WITHOUT authentication (BOLIG_TEAMS_LOCAL_NO_AUTH); for the emulator and tests only")
        mount_teams(app, svc)

    # ---- widget and demo page -------------------------------------------------------------------------------
    if STATIC.is_dir():
        app.mount("/widget", StaticFiles(directory=STATIC), name="widget")

        @app.get("/", include_in_schema=False)
        def demo() -> HTMLResponse:
            page = (STATIC / "demo.html").read_text(encoding="utf-8")
            if settings.demo_widget_key:  # a query-scoped widget key for the demo page
                page = page.replace('data-key=""', f'data-key="{html.escape(settings.demo_widget_key, quote=True)}"')
            return HTMLResponse(page)

    return app
