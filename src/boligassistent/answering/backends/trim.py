"""Tight trimming of a quoted sentence: keep its best run of clauses, mark what was left out with «…».

Nothing is rewritten: the result is one contiguous piece of the sentence, with an ellipsis where the
sentence went on before or after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ELLIPSIS = "…"
# Clause boundaries: after , ; : and before a dash or a parenthesis.
_CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s+|\s+(?=[–—]\s)|\s+(?=\()")
_TRAILING = re.compile(r"[\s,;:–—-]+$")


def _segments(sentence: str, limit: int) -> list[str]:
    """Clauses; a clause that does not fit in `limit` with an ellipsis on both sides is cut into words."""
    out: list[str] = []
    for clause in _CLAUSE_BREAK.split(sentence):
        out.extend(clause.split() if len(clause) + 4 > limit else [clause])
    return [s for s in out if s]


def trim(sentence: str, limit: int, weight: Callable[[str], float]) -> str:
    """`sentence` if it fits in `limit` characters; otherwise its contiguous run of clauses (words, for an
    over-long clause) with the highest `weight` that fits with its ellipses; on ties the longer run (more context),
    then the earlier one."""
    if len(sentence) <= limit:
        return sentence
    segments = _segments(sentence, limit)
    best: tuple[float, int, int, int] | None = None  # (weight, length, i, j)
    for i in range(len(segments)):
        length = 0
        for j in range(i, len(segments)):
            length += len(segments[j]) + (1 if j > i else 0)
            marks = (2 if i > 0 else 0) + (2 if j < len(segments) - 1 else 0)
            if length + marks > limit:
                break
            score = round(weight(" ".join(segments[i:j + 1])), 9)
            if best is None or (score, length) > best[:2]:
                best = (score, length, i, j)
    if best is None:  # not even one word fits
        return sentence[: max(0, limit - 2)].rstrip() + " " + ELLIPSIS
    _, _, i, j = best
    text = " ".join(segments[i:j + 1])
    if j < len(segments) - 1:
        text = _TRAILING.sub("", text) + " " + ELLIPSIS
    return (ELLIPSIS + " " + text) if i > 0 else text
