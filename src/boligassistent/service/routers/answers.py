"""Answers: a single question, a conversation turn (whole or streamed as SSE), reading and deleting a conversation.

A conversation belongs to the API key that opened it: ids are issued by the server, and another key's
conversation (or a bot's) is answered with 404, exactly like one that does not exist."""

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
from boligassistent.service.security import ApiKey
from boligassistent.service.service import ConversationNotFound, NotReady, Service
from boligassistent.service.streaming import iterate_in_thread

router = APIRouter(tags=["svar"])
log = logging.getLogger("api")
CONVERSATION_NOT_FOUND = "Fant ikke samtalen."


def _owner(key: ApiKey) -> str:
    """The owner of the conversations a key opens (never equal to a channel identity, `slack:…` / `teams:…`)."""
    return f"api:{key.key_id}"


def _answer(service: Service, question: str, **options) -> Answer:
    try:
        answer = service.answer(question, **options)
    except ConversationNotFound:
        raise ApiError(404, CONVERSATION_NOT_FOUND) from None
    if answer is None:
        raise ApiError(503, SERVICE_NOT_READY)
    return answer


def _conversation(service: Service, body: ChatRequest, owner: str) -> str:
    """The caller's conversation to continue, or a new one (an unknown id is replaced by a server-issued one)."""
    try:
        return service.conversation_for(owner, body.conversation_id)
    except ConversationNotFound:
        raise ApiError(404, CONVERSATION_NOT_FOUND) from None


@router.post("/v1/ask", response_model=AnswerOut, summary="Still et enkeltstående spørsmål")
def ask(body: AskRequest, key: QueryKey, service: ServiceDep, config: ConfigDep) -> dict:
    question = valid_question(body.question, config)
    return AnswerOut.from_answer(_answer(service, question, filters=Filters.to_search(body.filters), top_k=body.top_k))


@router.post("/v1/chat", response_model=AnswerOut, summary="Samtale med oppfølgingsspørsmål")
def chat(body: ChatRequest, key: QueryKey, service: ServiceDep, config: ConfigDep) -> dict:
    message = valid_question(body.message, config)
    owner = _owner(key)
    answer = _answer(service, message, conversation_id=_conversation(service, body, owner), owner=owner,
                     filters=Filters.to_search(body.filters))
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
    owner = _owner(key)
    cid = await run_in_threadpool(_conversation, service, body, owner)
    events = iterate_in_thread(lambda: service.stream(message, conversation_id=cid, owner=owner,
                                                      filters=Filters.to_search(body.filters)))
    try:  # until the first event, failures are ordinary HTTP errors (e.g. 503 while no index is loaded)
        first = await anext(events)
    except NotReady:
        raise ApiError(503, SERVICE_NOT_READY) from None
    except ConversationNotFound:
        raise ApiError(404, CONVERSATION_NOT_FOUND) from None
    return EventSourceResponse(_sse_events(first, events), ping=config.sse_ping_s)


@router.get("/v1/conversations/{conversation_id}", summary="Les en samtale (spørsmål og tolkede søk)")
def read_conversation(conversation_id: str, key: QueryKey, service: ServiceDep) -> dict:
    try:
        turns = service.conversation_turns(conversation_id, _owner(key))
    except ConversationNotFound:
        raise ApiError(404, CONVERSATION_NOT_FOUND) from None
    return {"conversation_id": conversation_id,
            "turns": [{k: t[k] for k in ("message", "resolved_query", "answer_id", "created")} for t in turns]}


@router.delete("/v1/conversations/{conversation_id}", summary="Slett en samtale")
def delete_conversation(conversation_id: str, key: QueryKey, service: ServiceDep) -> dict:
    try:
        service.delete_conversation(conversation_id, _owner(key))
    except ConversationNotFound:
        raise ApiError(404, CONVERSATION_NOT_FOUND) from None
    return {"status": "slettet"}
