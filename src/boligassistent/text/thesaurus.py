"""The domain thesaurus (data/thesaurus.tsv): words and phrases a query may use for the same thing.

A line is a group. "a | b | c" are equivalent: a query with any of them also searches the others.
"a | b > c" is narrower → broader: a query with a or b also searches c (and a and b each other), but a query
with the broad c is not widened to them. Groups are analysed with the documents' analysis, so they match any
inflection, spelling variant or compound of their members. Only queries are expanded; the index is never
touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources

Word = tuple[str, ...]  # a word's index tokens, whole-word key first (see Analyzer.words)


@dataclass(frozen=True)
class Phrase:
    text: str
    words: tuple[Word, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(w[0] for w in self.words)


@dataclass(frozen=True)
class Group:
    members: tuple[Phrase, ...]  # equivalent to each other
    broader: tuple[Phrase, ...] = ()  # searched too when a member is asked for, never the other way round


def read_groups() -> list[tuple[list[str], list[str]]]:
    """(members, broader terms) per line of the data file."""
    text = resources.files("boligassistent.text").joinpath("data/thesaurus.tsv").read_text(encoding="utf-8")
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            narrow, _, broad = line.partition(">")
            groups.append(([p.strip() for p in narrow.split("|") if p.strip()],
                           [p.strip() for p in broad.split("|") if p.strip()]))
    return groups


def build_groups(analyse_words: Callable[[str], list[Word]]) -> list[Group]:
    def phrase(text: str) -> Phrase:
        return Phrase(text, tuple(analyse_words(text)))
    return [Group(tuple(map(phrase, members)), tuple(map(phrase, broader))) for members, broader in read_groups()]


def _occurrences(keys: Sequence[str], phrase: Phrase) -> list[range]:
    """The positions of the phrase's words wherever it occurs in the word keys."""
    n = len(phrase.keys)
    return [range(i, i + n) for i in range(len(keys) - n + 1) if n and tuple(keys[i:i + n]) == phrase.keys]


def expansions(keys: Sequence[str], groups: Sequence[Group]) -> list[Word]:
    """The words of the group members (and broader terms) that the query's word keys call for."""
    out: list[Word] = []
    for group in groups:
        hits = [m for m in group.members if _occurrences(keys, m)]
        if hits:
            for phrase in [m for m in group.members if m not in hits] + list(group.broader):
                out.extend(phrase.words)
    return out


Synonyms = dict[str, list[tuple[str, ...]]]  # a text's index token → phrases (whole-word keys) saying the same


def equivalents(keys: Sequence[str], groups: Sequence[Group]) -> list[tuple[range, tuple[str, ...]]]:
    """Where a group member occurs in the word keys: (the positions of its words, the whole-word keys of each other
    member and broader term of its group). "økonomisk sosialhjelp" → (0..1, ("sosialhjelp",)), …"""
    out: list[tuple[range, tuple[str, ...]]] = []
    for group in groups:
        for member in group.members:
            for span in _occurrences(keys, member):
                out.extend((span, other.keys)
                           for other in list(group.members) + list(group.broader) if other != member and other.keys)
    return out


def with_synonyms(found: set[str], synonyms: Synonyms) -> set[str]:
    """`found` plus each token whose word a synonym in `found` stands for (all of the synonym's words there): a
    question's "sosialhjelp" is found in a text that says "økonomisk stønad"."""
    return found | {token for token, phrases in synonyms.items()
                    if token not in found and any(all(key in found for key in phrase) for phrase in phrases)}


def term_share(terms: set[str], idf: dict[str, float], found: set[str], synonyms: Synonyms | None = None) -> float:
    """The idf-weighted share of `terms` that `found` holds, a term also when `found` holds a thesaurus synonym of it
    (`synonyms`; the text may say "økonomisk stønad" for the question's "sosialhjelp"). 0 without terms."""
    total = sum(idf.get(t, 0.0) for t in terms)
    found = with_synonyms(found, synonyms) if synonyms else found
    return sum(idf.get(t, 0.0) for t in terms & found) / total if total else 0.0
