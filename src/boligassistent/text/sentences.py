"""Sentence splitting for Norwegian prose (answers quote whole sentences; the chunker cuts on them)."""

from __future__ import annotations

import re

from boligassistent.text.normalize import collapse_ws

_SENTENCE_END = re.compile(r"(?<=[.!?»])\s+(?=[«\"(\[]?[A-ZÆØÅ0-9§])")
_ABBREVIATIONS = ("jf.", "bl.a.", "f.eks.", "m.m.", "mv.", "nr.", "pkt.", "ca.", "dvs.", "kap.", "m.v.", "iflg.", "ikr.",
                  "res.", "s.", "t.o.m.", "o.l.", "osv.", "evt.", "ev.", "inkl.", "bokst.", "jan.", "feb.", "des.")
# An abbreviation is a whole word: "ca." and "s. 12" are, the last letters of "treffes." and "regnskap." are not.
# An initial is no sentence end either ("Johan O. Jensen", "J.R.R. Tolkien"), nor "nr." ending a compound ("Hovednr.").
_ABBREVIATION_END = re.compile(r"(?:^|[\s(«\"/\[])(?i:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")$"
                               r"|(?:^|[\s.])[A-ZÆØÅ]\.$|nr\.$")
# "kr." before the amount it names ("… tildelte kommunen kr. 200.000,- hver") is no sentence end; after an amount
# ("… koster 500 kr. Det er …") it is.
_CURRENCY_BEFORE = re.compile(r"(?:^|[\s(])(?<![\d,.-]\s)(?<![\d,.-])kr\.$", re.I)
# A list item: a line opening with a bullet ("-", "–", "—", "•", "·", "*", "▪") or an enumerator ("1.", "2)", "a)");
# a number before a lowercase word is a date ("12. januar"), not an enumerator.
_ITEM_MARK = re.compile(r"^\s*(?:[-–—•·*▪]\s+|\d{1,2}[.)]\s+(?=[A-ZÆØÅ«])|[a-zæøå]\)\s+)")
# Bullets flattened into running text (PDF extraction, Lovdata): "… tiltak: • bolig • arbeid", "… 48 timer. - Beslutning",
# and a dialogue dash after a sentence ("… sier hun. – Jeg …").
_INLINE_BULLET = re.compile(r"\s+[•▪·*]\s+|(?<=[.!?:;])\s+[-–—]\s+")
_LINE_END = re.compile(r"[.!?:;»)]$")
# A numbered list flattened into running text ("… to prosjekter: 1. Utarbeidelse av en plan 2. Økt forebygging …"):
# the splitter cuts after each "N.", so every item but the last ends in the next item's number.
_TRAILING_ENUMERATOR = re.compile(r"(?:^|(?<=[\s:]))(\d{1,2})\.$")


def split_sentences(text: str) -> list[str]:
    """Split Norwegian prose into sentences without breaking on common abbreviations. The numbers of a numbered list
    run into the text open their items, not end the sentence before (`_move_enumerators`)."""
    pieces = _SENTENCE_END.split(collapse_ws(text))
    sentences: list[str] = []
    for piece in pieces:
        if sentences and (_ABBREVIATION_END.search(sentences[-1])
                          or (piece[:1].isdigit() and _CURRENCY_BEFORE.search(sentences[-1]))):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return _move_enumerators([s for s in sentences if s])


def _move_enumerators(sentences: list[str]) -> list[str]:
    """A sentence ending in "1.", the next in "2." (and so on): the numbers of a numbered list run into the text.
    Each number moves to the start of the item it numbers ("… handlingsplan 2." | "Økt forebygging …" becomes
    "… handlingsplan" | "2. Økt forebygging …"), so no sentence holds the next item's number as a value of its own.
    A single "N." is left alone: "… i kapittel 3." ends a sentence."""
    numbers = [int(m.group(1)) if (m := _TRAILING_ENUMERATOR.search(s)) else None for s in sentences]
    listed = [False] * len(sentences)
    for i, number in enumerate(numbers):
        if number == 1:
            j = i
            while j + 1 < len(numbers) and numbers[j + 1] == (numbers[j] or 0) + 1:
                j += 1
            if j > i:
                for k in range(i, j + 1):
                    listed[k] = True
    out = list(sentences)
    for i in range(len(out) - 1):
        if listed[i]:
            head, _, mark = out[i].rpartition(" ")
            if head:
                out[i] = head.rstrip()
                out[i + 1] = f"{mark} {out[i + 1]}"
    return [s for s in out if s]


def _blocks(text: str) -> list[str]:
    """The text cut at list items and at line breaks that end a sentence or a lead-in (a hard-wrapped line that
    ends mid-sentence, or at an abbreviation or an initial, stays joined to the next); item markers are removed."""
    blocks: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        item = _ITEM_MARK.match(line)
        previous = blocks[-1].rstrip() if blocks else ""
        if item is None and blocks and (not _LINE_END.search(previous) or _ABBREVIATION_END.search(previous)):
            blocks[-1] = f"{blocks[-1]} {line}"
        else:
            blocks.append(line[item.end():] if item else line)
    return [part for block in blocks for part in _INLINE_BULLET.split(block)]


def split_units(text: str) -> list[str]:
    """The quotable units of a passage: its sentences, with every bullet or numbered list item a unit of its own
    (without its marker), so one item can be quoted without the whole list."""
    return [sentence for block in _blocks(text) for sentence in split_sentences(block)]
