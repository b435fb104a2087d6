"""Follow-up questions resolved against the earlier turns of a conversation.

Rule-based condensing: "hva med når det er barn i husstanden?" after "Kan en student få bostøtte?" becomes
"Kan en student få bostøtte? hva med når det er barn i husstanden?" for retrieval, so the topic of the
conversation is carried over. Stand-alone questions are left as they are. Condensing never calls an LLM: it
runs before the scope check and the abstention decision, and no LLM request may be made before those (the
LLM answer backend gets the conversation's earlier questions itself).
"""

from __future__ import annotations

import re
from typing import Protocol

from boligassistent.text.analyzer import analyze

_FOLLOWUP_START = re.compile(
    r"^\s*(og|men|enn|hva med|kva med|hvordan med|korleis med|gjelder (det|dette|samme|det samme)|gjeld (det|dette)|"
    r"også|hvis|dersom|om|i så fall|da|så|hva om|kva om|hvorfor|og hvis|samme|det|dette|den|de)\b",
    re.I,
)
_REFERRING = re.compile(r"\b(det|dette|den|denne|de|dei|han|hun|ho|samme|slik|sånn|der|dit)\b", re.I)


def is_follow_up(message: str) -> bool:
    terms = analyze(message)
    if _FOLLOWUP_START.match(message):
        return True
    return len(terms) <= 2 and bool(_REFERRING.search(message))


def condense(message: str, previous_messages: list[str], max_chars: int = 2000) -> str:
    """The retrieval query for `message` given the user's earlier messages in the conversation (raw, oldest first).

    A follow-up is prefixed with the topic: the latest earlier message that was itself a stand-alone question (or
    the latest message, if none was). Condensing works on raw messages, never on earlier condensed queries, so
    a long chain of follow-ups cannot grow the query; the topic is cut to keep the result within `max_chars`."""
    message = message.strip()
    if not previous_messages or not is_follow_up(message):
        return message
    topic = next((m for m in reversed(previous_messages) if not is_follow_up(m)), previous_messages[-1]).strip()
    room = max(0, max_chars - len(message) - 1)
    return f"{topic[:room]} {message}".strip() if room else message[:max_chars]


class Condenser(Protocol):
    def resolve(self, message: str, history: list[str]) -> str:
        """The stand-alone retrieval query for `message` after the user's earlier messages (raw, oldest first)."""


class FollowUpCondenser:
    """Rule-based condensing (`condense`) with a bound on the resolved query's length."""

    def __init__(self, max_chars: int = 2000) -> None:
        self.max_chars = max_chars  # a resolved query never grows beyond this

    def resolve(self, message: str, history: list[str]) -> str:
        return condense(message, history, self.max_chars)
