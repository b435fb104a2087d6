"""The acts and regulations of one loaded index, by every name a question may use for them.

Built once per index from `IndexStore.documents()` metadata: the short title, the name in the title's
parentheses or brackets ("(forvaltningsloven)", "[Nav-loven]"), the full title ("Lov om Husbanken", "Forskrift
om bustøtte"), the Lovdata short title (`korttittel` / `titleShort`, "Sosialtjenesteloven – sotjl") and its
abbreviation, each in its bokmål/nynorsk -loven/-lova/-lov spellings (`text.legal_refs.name_variants`), and the
common abbreviations of those names (`text.legal_refs.common_abbreviations`: "stl", "hl"). Names cut short
("tvangsl.") only count next to a § or section number, and so do abbreviations that are also words or common tokens
("pol", "hol"): a short token alone is ambiguous. One that is no word ("fvl", "sotjl", "hl") names its law alone
("klagefrist fvl enkeltvedtak").
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
    law_key,
    law_names,
    name_variants,
    subject_key,
    truncated_names,
    unambiguous_abbreviation,
)
from boligassistent.text.spelling import letter_skeleton, one_letter_apart

_IN_BRACKETS = re.compile(r"[(\[]([^()\[\]]+)[)\]]")
_SHORT_TITLE_KEYS = ("korttittel", "titleShort")
_NAME_ENDINGS = ("lov", "loven", "lova")
_ABBREVIATION = re.compile(r"(?<![\wæøå-])([a-zæøå]{2,8})\.?(?![\wæøå-])", re.I)  # a short token, maybe with a dot
# "Forskrift om bustøtte", "Forskrift om lån fra Husbanken": the regulation's first subject word, which its common
# name is made of ("bustøtteforskrifta", "låneforskriften"); matched at a title's start and anywhere in a question
_REGULATION_BY_SUBJECT = re.compile(r"(?<![\wæøå-])forskrift(?:en|a)? om ([a-zæøå]+)", re.I)
_MIN_SUBJECT_PREFIX = 6  # a regulation name's stem this long may be the start of its subject word
# a law name (its `law_key`) at least this long, a letter dropped or added, a letter doubled or not, or æ/ø/å typed
# plain (`letter_skeleton`), is that name misspelt ("boligsosialoven" for "boligsosialloven"); a substituted letter
# is not ("husbankloven", "husleieloven")
_MIN_TYPO_KEY = 10
# ("kvalifiseringsforskriften": "Forskrift om kvalifiseringsprogram …")


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
    def __init__(self, names: dict[str, str], abbreviations: dict[str, str],
                 subjects: dict[str, set[str]] | None = None) -> None:
        self.names = names  # lowercase name form → doc_id
        self.abbreviations = abbreviations  # lowercase abbreviation → doc_id
        self.subjects = subjects or {}  # a regulation's first subject word (`subject_key`) → doc_ids
        # a name in any spelling (`law_key`) → its doc_ids; a key of two documents ("tilskuddsforskriften") names a
        # regulation of the corpus, but not which one
        self._keys: dict[str, set[str]] = {}
        for name, doc_id in names.items():
            self._keys.setdefault(law_key(name), set()).add(doc_id)
        for word, doc_ids in self.subjects.items():
            for linking in ("", "s", "e"):
                self._keys.setdefault(law_key(f"{word}{linking}forskrift"), set()).update(doc_ids)
        self._skeletons: dict[str, set[str]] = {}  # a key's `letter_skeleton` → doc_ids
        for key, doc_ids in self._keys.items():
            self._skeletons.setdefault(letter_skeleton(key), set()).update(doc_ids)
        self._name_re = re.compile(rf"(?<![\wæøå-])({_alternation(set(names))})s?(?![\wæøå])", re.I) if names else None
        self._abbreviation_re = (re.compile(rf"(?<![\wæøå-])({_alternation(set(abbreviations))})\.?(?![\wæøå])", re.I)
                                 if abbreviations else None)
        # how an abbreviation is spelt out (`spell_out`): its act's longest name in -loven ("husleieloven",
        # "tvangsfullbyrdelsesloven", not the short "tvangsloven" or a spelling without the joining s)
        self._spelt: dict[str, str] = {}
        for name, doc_id in sorted(names.items(), key=lambda item: (-len(item[0]), item[0])):
            if name.endswith("loven") and "(" not in name:
                self._spelt.setdefault(doc_id, name)

    @classmethod
    def from_documents(cls, documents: list[dict]) -> LawCatalog:
        names: dict[str, str] = {}
        abbreviations: dict[str, str] = {}
        subjects: dict[str, set[str]] = {}
        for document in documents:
            if not is_legal(str(document.get("kind"))):
                continue
            if match := _REGULATION_BY_SUBJECT.match(str(document.get("title") or "").strip()):
                subjects.setdefault(subject_key(match.group(1)), set()).add(document["doc_id"])
            doc_names, doc_abbreviations = _names_and_abbreviations(document)
            for name in doc_names:
                names.setdefault(name.lower(), document["doc_id"])
            for abbreviation in doc_abbreviations:
                abbreviations.setdefault(abbreviation, document["doc_id"])
        for abbreviation, name in common_abbreviations().items():
            if doc_id := _document_named(names, name):
                abbreviations.setdefault(abbreviation, doc_id)
        return cls(names, abbreviations, subjects)

    def documents_named(self, name: str) -> set[str]:
        """The corpus documents a law or regulation name may stand for, in any spelling (`law_key`: 'bostøtteloven'
        is 'bustøttelova'); a regulation's name also by its subject ('bostøtteforskriften', 'låneforskriften',
        'kvalifiseringsforskriften' for 'Forskrift om kvalifiseringsprogram …'). Empty: not a name of the corpus."""
        if doc_id := _document_named(self.names, name):
            return {doc_id}
        key = law_key(name)
        if key in self._keys:
            return self._keys[key]
        if found := self._misspelt(key):
            return found
        if not key.endswith("forskrift") or " " in key:
            return set()
        stem = key.removesuffix("forskrift")
        out: set[str] = set()
        for word, doc_ids in self.subjects.items():
            if stem == word or (len(stem) >= _MIN_SUBJECT_PREFIX and word.startswith(stem.removesuffix("s"))):
                out |= doc_ids
        return out

    def _misspelt(self, key: str) -> set[str]:
        """The documents of the corpus name that a long name key is a typo of (`_MIN_TYPO_KEY`): a letter doubled or
        not, æ/ø/å typed plain, a letter dropped or added. Empty for a short key or none such."""
        if len(key) < _MIN_TYPO_KEY:
            return set()
        if found := self._skeletons.get(letter_skeleton(key)):
            return found
        return next((self._keys[variant] for variant in sorted(one_letter_apart(key)) if variant in self._keys), set())

    def _doc_of(self, name: str) -> str | None:
        """The one document a name stands for, or None (not a corpus name, or a name of several)."""
        found = self.documents_named(name)
        return next(iter(found)) if len(found) == 1 else None

    def references(self, text: str) -> list[LawReference]:
        """The corpus's acts and regulations named in `text`, in order of mention, each with its citation
        (longest name first where names overlap, e.g. 'forskrift om bustøtte' before 'bustøtte…')."""
        found: list[tuple[int, int, LawReference]] = []
        taken: list[tuple[int, int]] = []

        def overlaps(start: int, end: int) -> bool:
            return any(start < b and a < end for a, b in taken)
        if self._name_re is not None:
            for match in self._name_re.finditer(text):
                start, end = match.span()
                if not overlaps(start, end):
                    name = " ".join(match.group(1).lower().split())
                    taken.append((start, end))
                    found.append((start, end, LawReference(self.names[name], name, citation_near(text, start, end))))
        for match, citation in self._abbreviations_in(text):
            if not overlaps(*match.span()):
                taken.append(match.span())
                found.append((*match.span(), LawReference(self.abbreviations[match.group(1).lower()], match.group(1).lower(),
                                                          citation)))
        # a name by its form in another spelling than the catalog's ("bostøtteloven", "sosialtenestelova") or a
        # regulation by its subject ("bustøtteforskrifta"), and a name cut short ("tvangsl. 13-6")
        named = [(span, self._doc_of(span.name)) for span in law_names(text) + truncated_names(text)]
        # "forskrift om bostøtte" in another spelling than the title's, by its subject word
        for match in _REGULATION_BY_SUBJECT.finditer(text):
            if len(doc_ids := self.subjects.get(subject_key(match.group(1)), set())) == 1:
                named.append((NameSpan(match.group(0).lower(), match.start(), match.end()), next(iter(doc_ids))))
        for span, doc_id in named:
            if doc_id and not overlaps(span.start, span.end):
                taken.append((span.start, span.end))
                found.append((span.start, span.end, LawReference(doc_id, span.name, citation_near(text, span.start,
                                                                                                span.end))))
        return [reference for _, _, reference in sorted(found, key=lambda f: f[0])]

    def _abbreviations_in(self, text: str) -> list[tuple[re.Match[str], Citation]]:
        """The abbreviations of the corpus's acts that name them in `text`, with what they cite: next to a § or a
        section number ("stl § 27", "fvl 11a"), or alone when the abbreviation is no word ("klagefrist fvl")."""
        if self._abbreviation_re is None:
            return []
        out = []
        for match in self._abbreviation_re.finditer(text):
            citation = citation_near(text, *match.span())
            if not citation.empty or unambiguous_abbreviation(match.group(1)):
                out.append((match, citation))
        return out

    def spell_out(self, text: str) -> str:
        """`text` with each abbreviation that names an act of the corpus written as the act's name ("maks depositum
        hl.?" → "maks depositum husleieloven?", "tvangsl. 13-6" → "tvangsfullbyrdelsesloven 13-6"): the texts say
        the name, never the abbreviation, so the lexical and the dense arm search for the name. A name already in
        the text, or an abbreviation inside one, is left as written."""
        names = [m.span() for m in self._name_re.finditer(text)] if self._name_re is not None else []
        out, last = [], 0
        for match, _ in self._abbreviations_in(text):
            start, end = match.span()
            spelt = self._spelt.get(self.abbreviations[match.group(1).lower()])
            if spelt is None or any(start < b and a < end for a, b in names):
                continue
            out += [text[last:start], spelt]
            last = end
        return "".join(out) + text[last:]

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
            if not inside_known and not self.documents_named(span.name) and span.name not in out:
                out.append(span.name)
        return out
