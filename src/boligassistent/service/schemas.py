"""Request and response models of the HTTP API (with Norwegian examples for the OpenAPI docs)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from boligassistent.answering.models import Answer
from boligassistent.retrieval.store import SearchFilters


class Filters(BaseModel):
    kinds: list[Literal["rapport", "veiledning", "lov", "forskrift", "annet"]] = Field(default_factory=list)
    doc_ids: list[str] = Field(default_factory=list, max_length=50)

    @staticmethod
    def to_search(filters: Filters | None) -> SearchFilters | None:
        return SearchFilters(kinds=tuple(filters.kinds), doc_ids=tuple(filters.doc_ids)) if filters else None


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, examples=["Kan en student få bostøtte?"])
    filters: Filters | None = None
    top_k: int | None = Field(default=None, ge=1, le=20)

    model_config = {"json_schema_extra": {"examples": [
        {"question": "Hva skjer med bostøtten når brukeren soner mer enn seks måneder?"}]}}


class ChatRequest(BaseModel):
    message: str = Field(..., min_length=1, examples=["Gjelder det også varetekt?"])
    conversation_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    filters: Filters | None = None


class CitationOut(BaseModel):
    n: int
    chunk_id: str
    doc_id: str
    title: str
    kind: str
    section: str
    paragraph: str | None
    pages: list[int] | None
    url: str | None
    quote: str
    display: str


class SentenceOut(BaseModel):
    text: str
    citations: list[int]


class AnswerOut(BaseModel):
    answer_id: str
    conversation_id: str | None = None
    question: str
    answer: str
    citations: list[CitationOut]
    sentences: list[SentenceOut]
    abstained: bool
    confidence: float
    reason: str | None = None
    closest_sources: list[dict]
    resolved_query: str
    backend: str
    timings: dict[str, float]

    @classmethod
    def from_answer(cls, answer: Answer) -> dict:
        data = answer.to_dict()
        return cls(answer_id=answer.answer_id, conversation_id=answer.conversation_id, question=answer.question,
                   answer=answer.text, citations=data["citations"], sentences=data["sentences"], abstained=answer.abstained,
                   confidence=answer.confidence, reason=answer.reason, closest_sources=answer.closest_sources,
                   resolved_query=answer.resolved_query, backend=answer.backend,
                   timings={k: round(v, 2) for k, v in answer.timings_ms.items()}).model_dump()


class FeedbackRequest(BaseModel):
    answer_id: str = Field(..., max_length=64)
    rating: Literal["up", "down"]
    reason: str | None = Field(default=None, max_length=200, examples=["Feil paragraf"])
    comment: str | None = Field(default=None, max_length=2000)


class FeedbackOut(BaseModel):
    id: str
    status: str = "lagret"
