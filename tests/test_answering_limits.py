"""Unit tier: one key or one channel cannot make a request expensive for everyone (issue 15, high 1).

Follow-ups condense from the user's raw messages, never from earlier condensed queries, so a chain of long
"og hva med …" turns cannot grow the retrieval query; question limits hold in the one answering entry point,
so the bots (which do not go through the HTTP API's checks) get them too."""

from __future__ import annotations

import pytest

from boligassistent.answering.assistant import AnswerConfig, Assistant
from boligassistent.answering.backends.extractive import ExtractiveBackend
from boligassistent.answering.conversations import StateStore
from boligassistent.answering.followup import FollowUpCondenser, condense
from boligassistent.answering.refusals import TOO_LONG_TEXT

pytestmark = pytest.mark.unit


class Never:
    def decide(self, question, evidence):
        from boligassistent.answering.abstention import Decision

        return Decision(abstain=False)


class CountingRetriever:
    """The unit runtime's retriever, recording every query it is asked."""

    def __init__(self, inner) -> None:
        self.inner, self.queries = inner, []

    def search(self, query, k=8, filters=None, mode="hybrid"):
        self.queries.append(query)
        return self.inner.search(query, k=k, filters=filters, mode=mode)


def make(runtime, store=None, max_chars=1000):
    retriever = CountingRetriever(runtime.retriever)
    assistant = Assistant(retriever, runtime.index, Never(), [ExtractiveBackend()],
                          FollowUpCondenser(max_chars=2 * max_chars), store=store,
                          config=AnswerConfig(max_question_chars=max_chars))
    return assistant, retriever


def test_a_chain_of_long_follow_ups_does_not_grow_the_query(unit_runtime, tmp_path):
    assistant, retriever = make(unit_runtime, StateStore(tmp_path / "state.sqlite3"))
    assistant.answer("Kan en student få bostøtte?", conversation_id="c1")
    filler = " ".join(["og hva med husleie og strøm og boutgifter for familien"] * 17)  # ~950 characters
    for _ in range(12):
        answer = assistant.answer(f"og hva med {filler}?", conversation_id="c1")
        assert len(answer.resolved_query) <= 2000
    assert max(len(q) for q in retriever.queries) <= 2000  # before: the twelfth query was ~12 KB
    # the first follow-up carried the conversation's topic
    assert retriever.queries[1].startswith("Kan en student få bostøtte? og hva med")


def test_condense_takes_the_topic_from_the_last_standalone_message():
    history = ["Kan en student få bostøtte?", "hva med barn i husstanden?"]
    assert condense("og hvis de er over 18?", history) == "Kan en student få bostøtte? og hvis de er over 18?"
    assert condense("Hva er startlån?", history) == "Hva er startlån?"
    assert len(condense("og " + "x" * 3000, history, max_chars=2000)) == 2000


def test_an_over_long_question_is_refused_in_the_entry_point_before_any_retrieval(unit_runtime):
    assistant, retriever = make(unit_runtime)
    events = list(assistant.stream("Kan en student få bostøtte? " * 1500, channel="slack"))
    assert [e.kind for e in events] == ["retrieved", "sentence", "done"]
    answer = events[-1].answer
    assert answer.abstained and answer.reason == "question-too-long"
    assert answer.text == TOO_LONG_TEXT.format(limit=1000) and len(answer.question) == 1000
    assert retriever.queries == []  # nothing was embedded or searched


def test_an_empty_question_gets_a_prompt_not_a_search(unit_runtime):
    assistant, retriever = make(unit_runtime)
    answer = assistant.answer("   ", channel="teams")
    assert answer.abstained and answer.reason == "empty-question" and "Kan en student få bostøtte?" in answer.text
    assert retriever.queries == []


def test_channels_show_an_input_refusal_without_the_not_found_header(unit_runtime):
    from boligassistent.channels.formatting import adaptive_card, slack_blocks
    from boligassistent.channels.messages import ABSTAIN_TITLE

    assistant, _ = make(unit_runtime)
    answer = assistant.answer("x" * 1001, channel="slack")
    blocks = slack_blocks(answer)
    assert not any(b["type"] == "header" for b in blocks)
    assert any(TOO_LONG_TEXT.format(limit=1000) in str(b) for b in blocks)
    assert ABSTAIN_TITLE not in str(adaptive_card(answer))
