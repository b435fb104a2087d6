"""Vague questions get a clarifying question with topics of the corpus; the follow-up that names the topic is
answered with the first message as context."""

from __future__ import annotations

import dataclasses

import pytest

from boligassistent.answering.abstention import VAGUE
from boligassistent.answering.clarify import clarifying_question, is_vague
from boligassistent.answering.conversations import StateStore
from boligassistent.runtime import corpus_scope, create_assistant

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("question", ["Hva gjelder her?", "Har hun rett på det?", "Hva bør vi gjøre nå?",
                                      "Kva seier lova?", "Hvor mye kan han få?"])
def test_questions_naming_no_topic_are_vague(question):
    assert is_vague(question)


@pytest.mark.parametrize("question", ["Hvem får bostøtte?", "Har hun rett på startlån?", "Hva er fristen for klage?",
                                      "Kan utleigar seie opp leigekontrakten?"])
def test_one_topical_word_is_enough(question):
    assert not is_vague(question)


def test_clarifying_question_lists_topics():
    assert clarifying_question(["Startlån", "husleieloven", "Bostøtte"]).endswith(
        "Jeg har kilder om blant annet «Startlån», «husleieloven» og «Bostøtte».")


def test_a_vague_first_message_gets_a_clarifying_question_and_the_follow_up_resolves_it(unit_runtime, tmp_path):
    runtime = dataclasses.replace(unit_runtime, settings=unit_runtime.settings.model_copy(update={"abstain_threshold": 1.0}))
    assistant = create_assistant(runtime, StateStore(tmp_path / "state.sqlite3"))
    first = assistant.answer("Har hun rett på det?", conversation_id="c1")
    assert first.abstained and first.reason == VAGUE and not first.citations
    topics = corpus_scope(runtime).labels.values()
    suggested = [t for t in topics if f"«{t}»" in first.text]
    assert 2 <= len(suggested) <= 3, first.text  # topics taken from the corpus's own documents
    follow_up = assistant.answer("Det gjelder bustøtte for studentar", conversation_id="c1")
    assert follow_up.resolved_query == "Har hun rett på det? Det gjelder bustøtte for studentar"  # not the clarification
    assert not follow_up.abstained and follow_up.citations
