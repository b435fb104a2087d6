"""Law references in free text: the names of acts and regulations by Norwegian morphology, and the §§ or
chapter cited next to a name ("bustøttelova § 4", "§§ 7-3 og 7-4 i husleieloven", "sotjl. § 27",
"forvaltningslovens § 13 b", "husleieloven kapittel 9", "paragraf 4 i …"), also without the § sign right after a
name ("fvl 11a", "husleieloven 9-6"), and the abbreviations caseworkers use (data/law_abbreviations.tsv: "stl",
"hl"; a name cut short before "l." as in "tvangsl.").

This module knows the language, not the corpus: which names exist is the law catalog's business
(`retrieval.law_catalog`), built from the documents' own metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from boligassistent.text.compounds import COMMON_WORD_ZIPF, fold_compound, zipf
from boligassistent.text.lemmas import is_word
from boligassistent.text.variants import fold

_LETTER = r"[a-zæøåA-ZÆØÅ]"
_WORD = r"[\wæøåÆØÅ]"
# A § number as Lovdata writes it: "4", "13 b", "13b", "7-3", "9-6 a"; a letter suffix is a–h (never "i", "og").
_NUMBER = r"\d+(?:\s?[a-h](?![\wæøå]))?(?:\s?[-–]\s?\d+(?:\s?[a-h](?![\wæøå]))?)?"
_SECTIONS = (rf"(?:§§?|\bparagraf(?:en|ene)?\b)\s*(?P<nums>{_NUMBER}"
             rf"(?:\s*(?:,|\bog\b|\bog\s+§|\btil\b|\bsamt\b)\s*§?\s*{_NUMBER})*)")
_CHAPTER = r"\bkap(?:ittel|itlet|\.)?\s*(?P<chapter>\d+|[IVXLC]+)(?![\wæøå])"
_CITATION = re.compile(rf"{_SECTIONS}|{_CHAPTER}", re.I)
_AFTER_NAME = re.compile(rf"\s*,?\s*(?:{_SECTIONS}|{_CHAPTER})", re.I)
_BEFORE_NAME = re.compile(rf"(?:{_SECTIONS}|{_CHAPTER})\s*(?:\b(?:i|etter|av|jf\.?)\s+)?$", re.I)
_ONE_NUMBER = re.compile(_NUMBER, re.I)
# A section number without "§" right after a law's name or abbreviation: "fvl 11a", "tvangsl. 13-6", "husleieloven
# 9-6". A chapter-section number ("9-6") always counts; a plain one ("27", "11 a", never a year: at most 3 digits)
# only where the sentence or a clause ends (a dash between spaces: "sosialtjenesteloven 27 – hva plikter NAV?") or a
# "ledd"/"nr." reference follows, since "loven 3 ganger" counts something else.
_BARE_NUMBER = (r"(?P<nums>\d{1,3}\s?[-–]\s?\d{1,3}(?:\s?[a-h](?![\wæøå]))?(?![\d,.]\d)"
                r"|\d{1,3}(?:\s?[a-h])?(?=\s*(?:$|[?!.,;:)\]]|[-–—]\s|\b(?:første|annet|andre|tredje|fjerde|femte|ledd|nr|"
                r"bokstav|og|jf)\b)))")
_BARE_AFTER_NAME = re.compile(rf"\.?\s*,?\s*(?:{_BARE_NUMBER})", re.I)

# A law or regulation named by its form: a compound ending in -lov/-loven/-lova (genitive -lovens/-lovas),
# -forskrift/-forskriften/-forskrifta, optionally coordinated ("plan- og bygningsloven") or hyphenated
# ("Nav-loven"). The bare words "lov", "loven", "forskrift" … are not names: at least two letters come first.
_LAW_NAME = re.compile(
    rf"(?<![\wæøå-])((?:{_WORD}+-\s+(?:og|eller)\s+)?{_WORD}*{_LETTER}{{2}}-?"
    rf"(?:lov|loven|lova|forskrift|forskriften|forskrifta))(?:s)?(?![\wæøå])", re.I)

# Words of that form that name no particular law ("endringsloven" = the amending act), by their stem.
_GENERIC_STEMS = frozenset({"endrings", "sær", "ramme", "hjemmels", "modell", "for", "til", "lov"})

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


@dataclass(frozen=True)
class Citation:
    """The §§ and chapter cited next to a law name (both empty: the law is named without a place in it)."""

    sections: tuple[str, ...] = ()  # section ids as the loaders write them: "§4", "§13b", "§7-3"
    chapter: str | None = None  # arabic chapter number, e.g. "9" (for "kapittel 9" or "kapittel IX")

    @property
    def empty(self) -> bool:
        return not self.sections and self.chapter is None


@dataclass(frozen=True)
class NameSpan:
    name: str  # lowercase, whitespace-collapsed, genitive -s removed
    start: int
    end: int


def section_id(number: str) -> str:
    """The section id of a § number as the loaders write it: '13 b' → '§13b', '7–3' → '§7-3'."""
    return "§" + re.sub(r"\s+", "", number.replace("–", "-")).lower()


def chapter_number(text: str) -> str:
    """'9' → '9', 'IX' → '9' (chapters are numbered in arabic or roman numerals)."""
    if text.isdigit():
        return str(int(text))
    values = [_ROMAN[c] for c in text.upper()]
    return str(sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values)))


def roman(number: int) -> str:
    out = ""
    for value, letters in ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"),
                           (1, "I")):
        while number >= value:
            out, number = out + letters, number - value
    return out


def chapter_heading_pattern(chapter: str) -> str:
    """A case-insensitive regex (valid in Python and in PostgreSQL) matching the heading of chapter `chapter`:
    'Kapittel 9. …', 'Kapittel IX. …', 'Kapittel 1 Alminnelige …'."""
    return rf"^kapittel\s+({int(chapter)}|{roman(int(chapter)).lower()})([^0-9a-z]|$)"


def in_chapter(heading_path: list[str], chapter: str) -> bool:
    pattern = re.compile(chapter_heading_pattern(chapter), re.I)
    return any(pattern.search(heading) for heading in heading_path)


def _citation(match: re.Match[str]) -> Citation:
    if match.group("nums"):
        return Citation(sections=tuple(section_id(n) for n in _ONE_NUMBER.findall(match.group("nums"))))
    return Citation(chapter=chapter_number(match.group("chapter")))


def citation_near(text: str, start: int, end: int) -> Citation:
    """The §§ and/or chapter cited right after the name at text[start:end] ("… § 4", "… kapittel 9 § 9-6"),
    or right before it ("§ 4 i …")."""
    sections: list[str] = []
    chapter: str | None = None
    pos = end
    while (match := _AFTER_NAME.match(text, pos)) is not None:
        found = _citation(match)
        sections += found.sections
        chapter = chapter or found.chapter
        pos = match.end()
    if not sections and chapter is None and (match := _BARE_AFTER_NAME.match(text, end)) is not None:
        sections = [section_id(match.group("nums"))]
    if not sections and chapter is None and (match := _BEFORE_NAME.search(text[:start])) is not None:
        found = _citation(match)
        sections, chapter = list(found.sections), found.chapter
    return Citation(sections=tuple(dict.fromkeys(sections)), chapter=chapter)


def has_citation(text: str) -> bool:
    """Whether the text cites a § or a chapter anywhere."""
    return _CITATION.search(text) is not None


@cache
def common_abbreviations() -> dict[str, str]:
    """Abbreviation → the act's name (lowercase), from data/law_abbreviations.tsv."""
    text = resources.files("boligassistent.text").joinpath("data/law_abbreviations.tsv").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        name, _, abbreviations = line.split("#", 1)[0].partition("|")
        for abbreviation in abbreviations.split(","):
            if abbreviation.strip() and name.strip():
                out.setdefault(abbreviation.strip().lower(), " ".join(name.lower().split()))
    return out


def unambiguous_abbreviation(token: str) -> bool:
    """Whether a law's abbreviation names the law on its own, without a § after it ("klagefrist fvl enkeltvedtak",
    "maks depositum hl.?"): when it is no word of the language and no common token either ("pol", "hol" and
    "inkl" are; "fvl", "sotjl" and "hl" are not)."""
    return not is_word(token.lower()) and zipf(token.lower()) < COMMON_WORD_ZIPF


# A name cut short before "l." ("tvangsl." = tvangsloven, "barnevernl." = barnevernloven): at least five letters.
_TRUNCATED = re.compile(r"(?<![\wæøå-])([a-zæøå]{5,})l\.(?!\s*[a-zæøå])", re.I)


def cites_after(text: str, end: int, sign: bool = False) -> bool:
    """Whether a § or chapter (or, unless `sign`, a bare section number) follows the name ending at `end`."""
    return _AFTER_NAME.match(text, end) is not None or (not sign and _BARE_AFTER_NAME.match(text, end) is not None)


def truncated_names(text: str, sign: bool = False) -> list[NameSpan]:
    """Law names written cut short before "l." with a § (or, unless `sign`, a section number) after them
    ("tvangsl. 13-6"), as the name they stand for ("tvangsloven"). Whether such a law exists is the caller's
    business."""
    out = []
    for match in _TRUNCATED.finditer(text):
        if cites_after(text, match.end(), sign):
            out.append(NameSpan(match.group(1).lower() + "loven", match.start(), match.end()))
    return out


def law_names(text: str) -> list[NameSpan]:
    """Every word that is a law or regulation name by its form, e.g. 'plan- og bygningsloven', 'Nav-loven',
    'arbeidsmiljølova', 'forvaltningslovens' (→ 'forvaltningsloven')."""
    out = []
    for match in _LAW_NAME.finditer(text):
        name = " ".join(match.group(1).lower().split())
        if _stem(name).rstrip("-") not in _GENERIC_STEMS:
            out.append(NameSpan(name, match.start(1), match.end()))
    return out


_NAME_ENDING = re.compile(r"(lov|loven|lova|forskrift|forskriften|forskrifta)$")  # a law name's last word ends so


def _stem(name: str) -> str:
    return _NAME_ENDING.sub("", name)


_JOINED_HYPHEN = re.compile(r"(?<=[\wæøå])-(?=[\wæøå])")


def law_key(name: str) -> str:
    """One spelling of a law or regulation name, for telling whether two names are the same: lowercase, a hyphen
    inside a word dropped ('Nav-loven'), -loven/-lova/-lov → 'lov' and -forskriften/-forskrifta → 'forskrift', each
    word's spelling folded (`text.variants.fold`: 'bustøtte' → 'bostøtte', 'husleige' → 'husleie', 'teneste' →
    'tjeneste') and a joining s before the ending dropped ('barnevernsloven'). So 'bostøtteloven' and 'bustøttelova',
    'sosialtenestelova' and 'sosialtjenesteloven', 'bustadsosiallova' and 'boligsosialloven' have one key."""
    words = _JOINED_HYPHEN.sub("", name.lower()).replace("-", " ").split()
    if not words:
        return ""
    *rest, last = words
    match = _NAME_ENDING.search(last)
    ending = ""
    if match and match.start() > 0:
        last, ending = last[: match.start()], "forskrift" if match.group(1).startswith("forskrift") else "lov"
        if len(last) > 4 and last.endswith("s"):
            last = last[:-1]
    return " ".join([*(_fold_word(w) for w in rest), _fold_word(last) + ending])


def _fold_word(word: str) -> str:
    """A name word's one spelling: folded whole, then by its compound parts when it is one ('bustadsosial' →
    'boligsosial', as 'bustad' → 'bolig'), as the analyzer folds words (`compounds.fold_compound`)."""
    return fold_compound(fold(word))[0]


def subject_key(word: str) -> str:
    """The first subject word of a 'Forskrift om …' title as a name's stem would spell it: 'bustøtte' → 'bostøtte'."""
    return fold(word.lower())


def name_variants(name: str) -> set[str]:
    """Spellings of the same law name: bokmål/nynorsk and short forms of -loven/-lova/-lov, with and without the
    joining s ('barnevernsloven' → 'barnevernloven') or hyphen ('Nav-loven' → 'navloven'), the last part of a
    coordinated name ('helse- og omsorgstjenesteloven' → 'omsorgstjenesteloven'), 'forskrift om …' /
    'forskriften om …'. Lowercase."""
    name = " ".join(name.lower().split())
    out = {name}
    for ending in ("loven", "lova", "lov"):
        if name.endswith(ending):
            stem = name[: -len(ending)]
            stems = {stem, stem.removesuffix("s")} if len(stem) > 4 else {stem}
            stems |= {s.rsplit(" og ", 1)[1] for s in stems if " og " in s}
            out |= {s + e for s in stems for e in ("loven", "lova", "lov")}
            break
    if name.startswith("forskrift om "):
        out.add("forskriften om " + name.removeprefix("forskrift om "))
    out |= {v.replace("-lov", "lov") for v in out if "-lov" in v}
    return out
