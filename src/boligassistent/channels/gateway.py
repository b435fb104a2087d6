"""What a chat channel needs from the answering side: one question in, one Answer out, 👍/👎 back, and a rate limit."""

from __future__ import annotations

from typing import Protocol

from boligassistent.answering.models import Answer


class AnswerGateway(Protocol):
    def answer(self, question: str, *, conversation_id: str | None = None, owner: str | None = None,
               channel: str = "api") -> Answer | None:
        """The answer (already persisted), or None while no index is loaded or reachable. A conversation belongs to
        `owner` (a channel identity such as `slack:<team>:<user>`) and is opened for it when new."""
        ...

    def throttle(self, identity: str) -> float | None:
        """None if `identity` (a user of the channel) may ask now, else the seconds to wait (shared rate limiter)."""
        ...

    def record_feedback(self, answer_id: str, rating: str, reason: str | None = None, comment: str | None = None,
                        channel: str = "api") -> str | None:
        """The stored feedback's id, or None if the answer is unknown."""
        ...
