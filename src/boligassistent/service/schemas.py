"""Request and response models of the HTTP API (with Norwegian examples for the OpenAPI docs)."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, Field

from boligassistent.answering.models import Answer
from boligassistent.domain.documents import DocKind
from boligassistent.retrieval.store import SearchFilters

Kind = DocKind
KINDS = get_args(DocKind)
# Schema ceilings (422 above them); the configured question limit (BOLIG_MAX_QUESTION_CHARS) applies within
MAX_TEXT_CHARS = 16_000  # a question or message
MAX_DOC_IDS = 50
MAX_ID_CHARS = 300  # a document id (its path in the corpus)
DocId = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS)]


class Filters(BaseModel):
    kinds: list[Kind] = Field(default_factory=list, max_length=len(KINDS))
    doc_ids: list[DocId] = Field(default_factory=list, max_length=MAX_DOC_IDS)

    @staticmethod
    def to_search(filters: Filters | None) -> SearchFilters | None:
        return SearchFilters(kinds=tuple(filters.kinds), doc_ids=tuple(filters.doc_ids)) if filters else None


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=MAX_TEXT_CHARS, examples=["Kan en student få bostøtte?"])
    filters: Filters | None = None
    top_k: int | None = Field(default=None, ge=1, le=20)

    model_config = {"json_schema_extra": {"examples": [
        {"question": "Hva skjer med bostøtten når brukeren soner mer enn seks måneder?"}]}}


class ChatRequest(BaseModel):
    message: str = Field(..., min_length=1, max_length=MAX_TEXT_CHARS, examples=["Gjelder det også varetekt?"])
    conversation_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    filters: Filters | None = None


class SearchRequest(BaseModel):
    q: str = Field(..., min_length=1, max_length=MAX_TEXT_CHARS, examples=["bostøtte student"])
    k: int = Field(default=8, ge=1, le=50)
    kinds: list[Kind] = Field(default_factory=list, max_length=len(KINDS))
    mode: str = Field(default="hybrid", max_length=40, description="hybrid, or one retrieval arm's name")


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
