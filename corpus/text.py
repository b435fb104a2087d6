"""Small text helpers shared by the loaders, the chunker and the evaluation matcher."""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?»])\s+(?=[«\"(\[]?[A-ZÆØÅ0-9§])")
_ABBREVIATIONS = ("jf.", "bl.a.", "f.eks.", "m.m.", "mv.", "nr.", "pkt.", "ca.", "dvs.", "kap.", "m.v.", "iflg.", "ikr.", "res.", "s.", "t.o.m.", "o.l.", "osv.", "evt.", "ev.", "inkl.", "bokst.", "jan.", "feb.", "des.")


def collapse_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


def normalize_for_match(text: str) -> str:
    """Normalization used to compare evidence spans with chunk text: NFKC, one space, lowercase."""
    return collapse_ws(unicodedata.normalize("NFKC", text)).lower()


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
