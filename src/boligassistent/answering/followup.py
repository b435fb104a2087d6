"""Rule-based condensing of follow-up questions against the previous turn of a conversation.

"hva med når det er barn i husstanden?" after "Kan en student få bostøtte?" becomes
"Kan en student få bostøtte? hva med når det er barn i husstanden?" for retrieval, so the topic of
the conversation is carried over. Stand-alone questions are left as they are.
"""

from __future__ import annotations

import re

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


def condense(message: str, previous_queries: list[str]) -> str:
    """Return the retrieval query for `message` given earlier (already condensed) queries, newest last."""
    if not previous_queries or not is_follow_up(message):
        return message.strip()
    return f"{previous_queries[-1].strip()} {message.strip()}"
