"""What a chat channel needs from the answering side: one question in, one Answer out, and 👍/👎 back."""

from __future__ import annotations

from typing import Protocol

from boligassistent.answering.models import Answer


class AnswerGateway(Protocol):
    def answer(self, question: str, *, conversation_id: str | None = None, channel: str = "api") -> Answer | None:
        """The answer (already persisted), or None while no index is loaded or reachable."""
        ...

    def record_feedback(self, answer_id: str, rating: str, reason: str | None = None, comment: str | None = None,
                        channel: str = "api") -> str | None:
        """The stored feedback's id, or None if the answer is unknown."""
        ...
