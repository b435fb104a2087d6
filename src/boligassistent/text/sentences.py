"""Sentence splitting for Norwegian prose (answers quote whole sentences; the chunker cuts on them)."""

from __future__ import annotations

import re

from boligassistent.text.normalize import collapse_ws

_SENTENCE_END = re.compile(r"(?<=[.!?»])\s+(?=[«\"(\[]?[A-ZÆØÅ0-9§])")
_ABBREVIATIONS = ("jf.", "bl.a.", "f.eks.", "m.m.", "mv.", "nr.", "pkt.", "ca.", "dvs.", "kap.", "m.v.", "iflg.", "ikr.",
                  "res.", "s.", "t.o.m.", "o.l.", "osv.", "evt.", "ev.", "inkl.", "bokst.", "jan.", "feb.", "des.")


def split_sentences(text: str) -> list[str]:
    """Split Norwegian prose into sentences without breaking on common abbreviations."""
    pieces = _SENTENCE_END.split(collapse_ws(text))
    sentences: list[str] = []
    for piece in pieces:
        if sentences and sentences[-1].lower().endswith(_ABBREVIATIONS):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return [s for s in sentences if s]
