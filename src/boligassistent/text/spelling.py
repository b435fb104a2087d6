"""Typo tolerance for queries: a misspelt word ("boutgiftr") searched as the index term it stands for ("boutgift").

Query side only; the index is never touched. The lexicon is the index's own vocabulary (analyzer terms with their
document frequencies, `IndexStore.term_frequencies`), so the same correction happens on every backend. A query
key the index does not hold is replaced by the index term within a few edits (optimal string alignment: a swap of
two neighbouring letters is one edit), the nearest first, then the most frequent.

What counts as a misspelling is the analyzer's decision (`Analyzer.correction`): only a token that is not a word of
the dictionary and not a compound of dictionary words, so a genuine word the corpus never uses ("skattemelding",
"mobilabonnement") stays unknown. Here the candidates are kept narrow:
- keys shorter than `min_length` are never corrected (a short word has too many neighbours);
- one edit below `two_edits_from` letters, two from there on (a long word keeps its identity through two edits);
- the candidate starts with the same letter (typing errors rarely hit the first letter, and it keeps the search
  to one letter's share of the vocabulary).
Before any edit: a word typed without the Norwegian letters ("okonomi", "bostotte", "startlan", "oekonomi",
"staatlig", "lonn") is the index term it spells in ASCII (æ/ø/å as a/o/a or ae/oe/aa), the most frequent one when
several fold alike, at any length. A keyboard without æ, ø and å is not a typo, and the first letter may be one of
them. This holds even when the index has the ASCII form too, if it has it less often than the term it spells: a
corpus's URLs and file names ("…/bostotte-vilkar.html") put "bostotte" in the index beside a hundred "bostøtte".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

_CACHE_SIZE = 20_000  # corrections remembered per speller
_SINGLE = str.maketrans({"æ": "a", "ø": "o", "å": "a"})
_DIGRAPH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})
_DOUBLED = re.compile(r"(.)\1+")


def letter_skeleton(term: str) -> str:
    """A term with æ/ø/å typed plain and doubled letters single: "Rambøll", "rambol" and "ramboll" alike, but not
    "Kristiansund" and "Kristiansand". Two names with one skeleton are one name typed two ways."""
    return _DOUBLED.sub(r"\1", term.lower().translate(_SINGLE))


_LETTERS = "abcdefghijklmnopqrstuvwxyzæøå"


def one_letter_apart(word: str) -> set[str]:
    """The words one letter longer or shorter than `word` (lowercased), a letter dropped or added anywhere:
    "møreforskning" → "møreforsking", …; a substituted letter is not among them ("kristiansand" is not
    "kristiansund")."""
    word = word.lower()
    dropped = {word[:i] + word[i + 1:] for i in range(len(word))}
    added = {word[:i] + letter + word[i:] for i in range(len(word) + 1) for letter in _LETTERS}
    return (dropped | added) - {word}


def ascii_spellings(term: str) -> set[str]:
    """How a term with æ, ø or å is typed without them: "økonomi" → {"okonomi", "oekonomi"}; {} for an ASCII term."""
    return set() if term.isascii() else {term.translate(_SINGLE), term.translate(_DIGRAPH)}


@dataclass(frozen=True)
class SpellingConfig:
    min_length: int = 5  # shorter keys are never corrected
    two_edits_from: int = 9  # keys at least this long may be two edits away, shorter ones one


class Speller:
    """Corrects analyzer keys against an index vocabulary (term → number of chunks containing it)."""

    def __init__(self, frequencies: Mapping[str, int], config: SpellingConfig | None = None) -> None:
        self.config = config or SpellingConfig()
        self._df = {term: df for term, df in frequencies.items() if term.isalpha()}
        by_letter: dict[str, list[str]] = {}
        for term in self._df:
            by_letter.setdefault(term[0], []).append(term)
        self._by_letter = by_letter
        self._ascii: dict[str, str] = {}  # ASCII spelling → the most frequent index term typed so
        for term in sorted((t for t in self._df if not t.isascii()), key=lambda t: (-self._df[t], t)):
            for spelling in ascii_spellings(term):
                self._ascii.setdefault(spelling, term)
        self._cache: dict[tuple[str, int], str | None] = {}  # (key, most edits) → correction

    def __contains__(self, term: str) -> bool:
        return term in self._df

    def max_edits(self, key: str) -> int:
        if len(key) < self.config.min_length:
            return 0
        return 2 if len(key) >= self.config.two_edits_from else 1

    def correct(self, key: str, most: int = 2) -> str | None:
        """The index term `key` is most likely a misspelling of; None when the index holds `key` or nothing is near.
        `most`: the most edits allowed whatever the key's length (1 for a word the splitter also reads as a compound,
        where two edits too often reach another compound: "boliglaus" is not "boligmass")."""
        if (key, most) in self._cache:
            return self._cache[key, most]
        nearest = self._nearest(key, most)  # kept in a local: another thread may clear the cache meanwhile
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[key, most] = nearest
        return nearest

    def holds(self, term: str) -> bool:
        """Whether the index holds `term`."""
        return term in self._df

    def spelt(self, key: str) -> str | None:
        """The index term `key` spells without æ/ø/å ("moreforsking" → "møreforsking"), when the index holds that
        term more often than `key` itself; else None."""
        spelt = self._ascii.get(key)
        return spelt if spelt is not None and self._df[spelt] > self._df.get(key, 0) else None

    def _nearest(self, key: str, most: int = 2) -> str | None:
        if not key.isalpha():
            return None
        if (spelt := self.spelt(key)) is not None:
            return spelt
        edits = min(most, self.max_edits(key))
        if key in self._df or edits == 0:
            return None
        near = process.extract(key, self._by_letter.get(key[0], []), scorer=OSA.distance, score_cutoff=edits, limit=None)
        if not near:
            return None
        term, _, _ = min(near, key=lambda m: (m[1], -self._df[m[0]], m[0]))
        return str(term)
