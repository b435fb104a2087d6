"""Answer and citation model returned by the answering pipeline to the API, bots, CLI and evals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from boligassistent.domain.documents import is_legal, page_span


@dataclass
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    title: str
    kind: str
    section: str  # citation label, e.g. "bustøttelova § 4" or heading path
    paragraph: str | None  # ledd, e.g. "2. ledd"
    pages: list[int] | None
    url: str | None
    quote: str  # the cited sentence(s), verbatim

    def display(self) -> str:
        legal = is_legal(self.kind)
        parts = [self.section if legal else self.title]
        if not legal and self.section and self.section != self.title:
            parts.append(self.section.split(" › ")[-1])
        parts += [p for p in (self.paragraph, page_span(self.pages)) if p]
        return ", ".join(parts)


@dataclass
class Answer:
    answer_id: str
    question: str
    text: str
    citations: list[Citation]
    abstained: bool
    confidence: float
    resolved_query: str
    conversation_id: str | None = None
    backend: str = "extractive"
    reason: str | None = None  # why we abstained, for the UI and debugging
    closest_sources: list[dict] = field(default_factory=list)
    sentences: list[tuple[str, list[int]]] = field(default_factory=list)  # (sentence, citation numbers)
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["sentences"] = [{"text": s, "citations": c} for s, c in self.sentences]
        for citation, obj in zip(data["citations"], self.citations):
            citation["display"] = obj.display()
        return data


@dataclass
class Draft:
    """What an answer backend composes: the text, its citations and its sentences; the assistant makes it an
    `Answer` (id, confidence, backend name, timings)."""

    text: str
    citations: list[Citation]
    sentences: list[tuple[str, list[int]]]  # (sentence, citation numbers)


@dataclass
class AnswerEvent:
    """One step of a streamed answer, in order: `retrieved` (sources found, before the answer is composed),
    `sentence` (one answer sentence with its citation numbers, as soon as it is ready), then `done` (the whole
    Answer, also persisted). Every channel renders the same events; the HTTP API sends them as SSE."""

    kind: str  # "retrieved" | "sentence" | "done"
    data: dict = field(default_factory=dict)
    answer: Answer | None = None  # set on "done"


def final_answer(events: Iterable[AnswerEvent]) -> Answer:
    """The Answer of a stream of answer events, consumed to its end."""
    for event in events:
        if event.answer is not None:
            return event.answer
    raise RuntimeError("the answer stream ended without a 'done' event")
