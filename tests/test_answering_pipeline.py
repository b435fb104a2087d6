"""Unit tier: the assistant's ordered backends, the stream of answer events, and persistence once per answer."""

from __future__ import annotations

import pytest

from boligassistent.answering.abstention import Decision
from boligassistent.answering.assistant import AnswerConfig, Assistant
from boligassistent.answering.backends.extractive import ExtractiveBackend
from boligassistent.answering.citations import cite
from boligassistent.answering.conversations import StateStore
from boligassistent.answering.followup import FollowUpCondenser
from boligassistent.answering.models import Draft
from boligassistent.answering.refusals import OUT_OF_DOMAIN_TEXT
from boligassistent.runtime import create_assistant

pytestmark = pytest.mark.unit


class ToyBackend:
    """An answer backend defined outside `answering/`: answers with the first passage's title."""

    name = "toy"

    def __init__(self, answers: bool = True) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, int, list[str]]] = []

    def compose(self, question, resolved, hits, evidence, history):
        self.calls.append((question, resolved, len(hits), list(history)))
        if not self.answers:
            return None
        sentence = f"Se {hits[0].chunk.title}."
        return Draft(text=f"{sentence} [1]", citations=cite([(hits[0], [sentence])]), sentences=[(sentence, [1])])


class Never:
    def decide(self, question, evidence):
        return Decision(abstain=False)


class Always:
    def decide(self, question, evidence):
        return Decision(abstain=True, reason="out-of-domain")


def assistant_with(runtime, backends, policy=None, store=None, **config) -> Assistant:
    """The real retriever and index of the unit runtime, with the test's policy and backends."""
    return Assistant(runtime.retriever, runtime.index, policy or Never(), backends, FollowUpCondenser(), store=store,
                     config=AnswerConfig(**config))


def test_a_toy_backend_answers_and_gets_the_configured_number_of_passages(unit_runtime):
    toy = ToyBackend()
    answer = assistant_with(unit_runtime, [toy, ExtractiveBackend()], answer_passages=2).answer("Kan en student få bostøtte?")
    assert answer.backend == "toy" and not answer.abstained
    assert answer.text.startswith("Se ") and answer.citations[0].n == 1
    assert toy.calls == [("Kan en student få bostøtte?", "Kan en student få bostøtte?", 2, [])]


def test_a_declining_backend_falls_through_to_the_next(unit_runtime):
    first, second = ToyBackend(answers=False), ToyBackend()
    second.name = "second"
    answer = assistant_with(unit_runtime, [first, second]).answer("Kan en student få bostøtte?")
    assert answer.backend == "second" and len(first.calls) == len(second.calls) == 1


def test_abstaining_skips_the_backends(unit_runtime):
    toy = ToyBackend()
    answer = assistant_with(unit_runtime, [toy], policy=Always()).answer("Kan en student få bostøtte?")
    assert answer.abstained and answer.reason == "out-of-domain" and answer.text == OUT_OF_DOMAIN_TEXT
    assert toy.calls == [] and answer.closest_sources == []


def test_stream_yields_retrieved_before_composing_then_sentences_then_done_persisted_once(unit_runtime, tmp_path):
    store = StateStore(tmp_path / "state.sqlite3")
    toy = ToyBackend()
    events = assistant_with(unit_runtime, [toy], store=store).stream("Kan en student få bostøtte?", conversation_id="c1")
    retrieved = next(events)
    assert retrieved.kind == "retrieved" and toy.calls == []  # sent before the answer is composed
    assert retrieved.data["resolved_query"] == "Kan en student få bostøtte?" and retrieved.data["conversation_id"] == "c1"
    assert retrieved.data["sources"] and not retrieved.data["abstained"]
    rest = list(events)
    assert [e.kind for e in rest] == ["sentence", "done"]
    answer = rest[-1].answer
    assert answer is not None and answer.answer_id == retrieved.data["answer_id"] and answer.conversation_id == "c1"
    assert rest[0].data == {"text": answer.sentences[0][0], "citations": [1]}
    assert set(answer.timings_ms) == {"condense", "retrieve", "answer", "total"}
    assert [t["answer_id"] for t in store.turns("c1")] == [answer.answer_id]
    assert store._exec("SELECT COUNT(*) FROM answers") == [(1,)]


def test_an_abstention_streams_its_text_as_one_sentence(unit_runtime):
    events = list(assistant_with(unit_runtime, [ToyBackend()], policy=Always()).stream("Hvem vant cupfinalen?"))
    assert [e.kind for e in events] == ["retrieved", "sentence", "done"]
    assert events[0].data["abstained"] and events[0].data["reason"] == "out-of-domain"
    assert events[1].data == {"text": OUT_OF_DOMAIN_TEXT, "citations": []}


def test_follow_ups_are_resolved_against_the_conversation(unit_runtime, tmp_path):
    store = StateStore(tmp_path / "state.sqlite3")
    toy = ToyBackend()
    assistant = assistant_with(unit_runtime, [toy], store=store)
    assistant.answer("Kan en student få bostøtte?", conversation_id="c1")
    answer = assistant.answer("hva med når det er barn i husstanden?", conversation_id="c1")
    assert answer.resolved_query == "Kan en student få bostøtte? hva med når det er barn i husstanden?"
    assert toy.calls[-1][3] == ["Kan en student få bostøtte?"]


def test_create_assistant_answers_extractively_without_an_llm(unit_runtime):
    assistant = create_assistant(unit_runtime)
    assert [b.name for b in assistant.backends] == ["extractive"]
    answer = assistant.answer("Kan en student få bostøtte?")
    assert answer.backend == "extractive"
    if not answer.abstained:  # the fake embedder's similarities are not e5's: the policy may abstain here
        assert answer.citations and all(n == c.n for n, c in enumerate(answer.citations, start=1))
