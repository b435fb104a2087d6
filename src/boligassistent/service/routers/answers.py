"""Answers: a single question, a conversation turn (whole or streamed as SSE), deleting a conversation."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from boligassistent.answering.models import Answer, AnswerEvent
from boligassistent.channels.messages import SERVICE_NOT_READY
from boligassistent.service.deps import ConfigDep, QueryKey, ServiceDep, valid_question
from boligassistent.service.errors import UNEXPECTED_ERROR, ApiError
from boligassistent.service.schemas import AnswerOut, AskRequest, ChatRequest, Filters
from boligassistent.service.service import NotReady, Service
from boligassistent.service.streaming import iterate_in_thread

router = APIRouter(tags=["svar"])
log = logging.getLogger("api")


def _answer(service: Service, question: str, **options) -> Answer:
    answer = service.answer(question, **options)
    if answer is None:
        raise ApiError(503, SERVICE_NOT_READY)
    return answer


def _conversation(service: Service, body: ChatRequest) -> str:
    return body.conversation_id or service.state.new_conversation("api")


@router.post("/v1/ask", response_model=AnswerOut, summary="Still et enkeltstående spørsmål")
def ask(body: AskRequest, key: QueryKey, service: ServiceDep, config: ConfigDep) -> dict:
    question = valid_question(body.question, config)
    return AnswerOut.from_answer(_answer(service, question, filters=Filters.to_search(body.filters), top_k=body.top_k))


@router.post("/v1/chat", response_model=AnswerOut, summary="Samtale med oppfølgingsspørsmål")
def chat(body: ChatRequest, key: QueryKey, service: ServiceDep, config: ConfigDep) -> dict:
    message = valid_question(body.message, config)
    answer = _answer(service, message, conversation_id=_conversation(service, body), filters=Filters.to_search(body.filters))
    return AnswerOut.from_answer(answer)


def _sse(event: str, data: dict) -> dict:
    return {"event": event, "data": json.dumps(data, ensure_ascii=False)}


async def _sse_events(first: AnswerEvent, rest: AsyncIterator[AnswerEvent]) -> AsyncIterator[dict]:
    """meta (when retrieval is done), sentence… (as composed), then citations and done (the whole answer)."""
    event = first
    try:
        while True:
            if event.kind == "retrieved":
                yield _sse("meta", event.data)
            elif event.kind == "sentence":
                yield _sse("sentence", event.data)
            elif event.kind == "done" and event.answer is not None:
                out = AnswerOut.from_answer(event.answer)
                yield _sse("citations", {"citations": out["citations"], "closest_sources": out["closest_sources"]})
                yield _sse("done", out)
            event = await anext(rest)
    except StopAsyncIteration:
        return
    except NotReady:
        yield _sse("error", {"detail": SERVICE_NOT_READY})
    except Exception:
        log.exception("answer stream failed")
        yield _sse("error", {"detail": UNEXPECTED_ERROR})


@router.post("/v1/chat/stream", summary="Samtale som strøm (SSE): meta, sentence…, citations, done")
async def chat_stream(body: ChatRequest, key: QueryKey, service: ServiceDep, config: ConfigDep) -> EventSourceResponse:
    message = valid_question(body.message, config)
    cid = await run_in_threadpool(_conversation, service, body)
    events = iterate_in_thread(lambda: service.stream(message, conversation_id=cid, filters=Filters.to_search(body.filters)))
    try:  # until the first event, failures are ordinary HTTP errors (e.g. 503 while no index is loaded)
        first = await anext(events)
    except NotReady:
        raise ApiError(503, SERVICE_NOT_READY) from None
    return EventSourceResponse(_sse_events(first, events), ping=config.sse_ping_s)


@router.delete("/v1/conversations/{conversation_id}", summary="Slett en samtale")
def delete_conversation(conversation_id: str, key: QueryKey, service: ServiceDep) -> dict:
    if not service.state.delete_conversation(conversation_id):
        raise ApiError(404, "Fant ikke samtalen.")
    return {"status": "slettet"}
