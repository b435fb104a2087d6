"""Where the pipeline meets persistence and the log: conversation history in; answers and turns out, once each."""

from __future__ import annotations

import logging

from boligassistent.answering.conversations import StateStore
from boligassistent.answering.models import Answer

log = logging.getLogger("boligassistent.answering.assistant")


class AnswerJournal:
    def __init__(self, store: StateStore | None, history_turns: int) -> None:
        self.store = store
        self.history_turns = history_turns

    def history(self, conversation_id: str | None, channel: str) -> list[str]:
        """The user's previous messages in the conversation, oldest first. A conversation the caller did not open
        (direct use of the assistant: CLI, evals, tests) is opened here without an owner: no HTTP caller or channel
        can read it. The service opens conversations with their owner before it asks (`Service.stream`)."""
        if self.store is None or not conversation_id:
            return []
        if not self.store.conversation_exists(conversation_id):
            self.store.new_conversation(channel, owner=None, conversation_id=conversation_id)
        return self.store.previous_messages(conversation_id, self.history_turns)

    def record(self, answer: Answer) -> None:
        if self.store is not None:
            self.store.record_answer(answer.answer_id, answer.conversation_id, answer.question, answer.text,
                                     [c.__dict__ for c in answer.citations], answer.abstained)
            if answer.conversation_id:
                self.store.add_turn(answer.conversation_id, answer.question, answer.resolved_query, answer.answer_id)
        log.info("answered", extra={"answer_id": answer.answer_id, "abstained": answer.abstained, "backend": answer.backend,
                                    "confidence": answer.confidence, "ms": round(answer.timings_ms["total"], 1)})
