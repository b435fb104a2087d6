"""The acts and regulations of one loaded index, by every name a question may use for them.

Built once per index from `IndexStore.documents()` metadata: the short title, the name in the title's
parentheses or brackets ("(forvaltningsloven)", "[Nav-loven]"), the full title ("Lov om Husbanken", "Forskrift
om bustøtte"), the Lovdata short title (`korttittel` / `titleShort`, "Sosialtjenesteloven – sotjl") and its
abbreviation, each in its bokmål/nynorsk -loven/-lova/-lov spellings (`text.legal_refs.name_variants`), and the
common abbreviations of those names (`text.legal_refs.common_abbreviations`: "stl", "hl"). Abbreviations ("sotjl",
"fvl") and names cut short ("tvangsl.") only count next to a § or section number, since a short token alone is
ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from boligassistent.domain.documents import is_legal
from boligassistent.text.legal_refs import (
    Citation,
    NameSpan,
    citation_near,
    cites_after,
    common_abbreviations,
    law_names,
    name_variants,
    truncated_names,
)

_IN_BRACKETS = re.compile(r"[(\[]([^()\[\]]+)[)\]]")
_SHORT_TITLE_KEYS = ("korttittel", "titleShort")
_NAME_ENDINGS = ("lov", "loven", "lova")
_ABBREVIATION = re.compile(r"(?<![\wæøå-])([a-zæøå]{2,8})\.?(?![\wæøå-])", re.I)  # a short token, maybe with a dot


@dataclass(frozen=True)
class LawReference:
    """A law or regulation of the corpus named in a question, with what it cites in it."""

    doc_id: str
    name: str  # as found in the question (lowercase)
    citation: Citation


def _names_and_abbreviations(document: dict) -> tuple[set[str], set[str]]:
    names: set[str] = set()
    abbreviations: set[str] = set()
    title = str(document.get("title") or "")
    for raw in [document.get("short_title"), title, _IN_BRACKETS.sub("", title),
                *_IN_BRACKETS.findall(title)]:
        if raw and raw.strip():
            names.add(raw.strip())
    meta = document.get("meta") or {}
    for key in _SHORT_TITLE_KEYS:
        if value := meta.get(key):
            name, _, abbreviation = str(value).partition(" – ")
            names.add(name.strip())
            abbreviation = abbreviation.strip().rstrip(".")
            if abbreviation:
                (names if abbreviation.lower().endswith(_NAME_ENDINGS) else abbreviations).add(abbreviation)
    return ({v for n in names for v in name_variants(n)}, {a.lower() for a in abbreviations})


def _document_named(names: dict[str, str], name: str) -> str | None:
    """The document of a law name in any of its spellings (`name_variants`), or None."""
    return next((names[v] for v in sorted(name_variants(name)) if v in names), None)


def _alternation(forms: set[str]) -> str:
    return "|".join(r"\s+".join(re.escape(w) for w in f.split()) for f in sorted(forms, key=len, reverse=True))


class LawCatalog:
    def __init__(self, names: dict[str, str], abbreviations: dict[str, str]) -> None:
        self.names = names  # lowercase name form → doc_id
        self.abbreviations = abbreviations  # lowercase abbreviation → doc_id
        self._name_re = re.compile(rf"(?<![\wæøå-])({_alternation(set(names))})s?(?![\wæøå])", re.I) if names else None
        self._abbreviation_re = (re.compile(rf"(?<![\wæøå-])({_alternation(set(abbreviations))})\.?(?![\wæøå])", re.I)
                                 if abbreviations else None)

    @classmethod
    def from_documents(cls, documents: list[dict]) -> LawCatalog:
        names: dict[str, str] = {}
        abbreviations: dict[str, str] = {}
        for document in documents:
            if not is_legal(str(document.get("kind"))):
                continue
            doc_names, doc_abbreviations = _names_and_abbreviations(document)
            for name in doc_names:
                names.setdefault(name.lower(), document["doc_id"])
            for abbreviation in doc_abbreviations:
                abbreviations.setdefault(abbreviation, document["doc_id"])
        for abbreviation, name in common_abbreviations().items():
            if doc_id := _document_named(names, name):
                abbreviations.setdefault(abbreviation, doc_id)
        return cls(names, abbreviations)

    def _doc_of(self, name: str) -> str | None:
        return _document_named(self.names, name)

    def references(self, text: str) -> list[LawReference]:
        """The corpus's acts and regulations named in `text`, in order of mention, each with its citation
        (longest name first where names overlap, e.g. 'forskrift om bustøtte' before 'bustøtte…')."""
        found: list[tuple[int, int, LawReference]] = []
        taken: list[tuple[int, int]] = []

        def overlaps(start: int, end: int) -> bool:
            return any(start < b and a < end for a, b in taken)
        for pattern, table, needs_citation in ((self._name_re, self.names, False),
                                               (self._abbreviation_re, self.abbreviations, True)):
            if pattern is None:
                continue
            for match in pattern.finditer(text):
                start, end = match.span()
                if overlaps(start, end):
                    continue
                name = " ".join(match.group(1).lower().split())
                citation = citation_near(text, start, end)
                if needs_citation and citation.empty:
                    continue
                taken.append((start, end))
                found.append((start, end, LawReference(table[name], name, citation)))
        for span in truncated_names(text):
            if (doc_id := self._doc_of(span.name)) and not overlaps(span.start, span.end):
                taken.append((span.start, span.end))
                found.append((span.start, span.end, LawReference(doc_id, span.name, citation_near(text, span.start,
                                                                                                span.end))))
        return [reference for _, _, reference in sorted(found, key=lambda f: f[0])]

    def unknown_names(self, text: str) -> list[str]:
        """Names of acts or regulations in `text` (by their form: '-loven', '-lova', '-forskriften', …; by a common
        abbreviation or a name cut short, next to a §: 'pbl § 20-1' → 'plan- og bygningsloven') that are not in the
        corpus, in order of mention. A name not in the corpus is read from an abbreviation or a cut-short name only
        next to a § sign, not a bare number."""
        # where the text names a law of the corpus, by name or by its abbreviation ("strgjfl. § 41" is no unknown
        # "strgjfloven" cut short)
        known = [(m.start(), m.end()) for pattern in (self._name_re, self._abbreviation_re) if pattern
                 for m in pattern.finditer(text)]
        spans = law_names(text) + [s for s in truncated_names(text, sign=True) if self._doc_of(s.name) is None]
        for match in _ABBREVIATION.finditer(text):
            name = common_abbreviations().get(match.group(1).lower())
            if (name and match.group(1).lower() not in self.abbreviations and self._doc_of(name) is None
                    and cites_after(text, match.end(), sign=True)):
                spans.append(NameSpan(name, match.start(), match.end()))
        out: list[str] = []
        for span in sorted(spans, key=lambda s: s.start):
            inside_known = any(a <= span.start and span.end <= b for a, b in known)
            if not inside_known and span.name not in self.names and span.name not in out:
                out.append(span.name)
        return out
