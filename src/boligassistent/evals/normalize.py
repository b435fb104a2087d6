"""The evals' own ruler: text normalization, word tokens and citation validity.

Deliberately small and fixed, and independent of the system under test: a change to the answering or the
retrieval analyzer (stemming, stopwords, nynorsk → bokmål folding, support scoring) moves the system's
numbers but never the ruler that measures them. Nothing here imports from `text/` or `answering/`.

- `normalize`: Unicode NFKC, casefold, every character that is neither a word character nor whitespace
  (punctuation, §, quotes, the citation markers "[1]") becomes a space, whitespace collapsed to one space.
- `words`: the `\\w+` runs of the normalized text. No stemming, no stopwords, no variant folding, so "73,7"
  is the two words "73" "7" on both sides of a comparison.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_NOT_WORD = re.compile(r"[^\w\s]+")
_WS = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_CITATION_MARK = re.compile(r"\[\d+\]")

# A generated (not quoted) sentence is supported when this share of its long words occurs in the cited passages.
GENERATED_SUPPORT = 0.8
# Words shorter than this (articles, prepositions, numbers' parts) carry too little to count as support.
MIN_SUPPORT_WORD_LEN = 4


def normalize(text: str) -> str:
    """NFKC, casefold, punctuation to spaces, one space between words."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _WS.sub(" ", _NOT_WORD.sub(" ", text)).strip()


def words(text: str) -> list[str]:
    """Word tokens (`\\w+`) of the normalized text."""
    return _WORD.findall(normalize(text))


def contains_phrase(text: str, phrase: str) -> bool:
    """True when `phrase`'s words occur in `text` as one contiguous run of whole words."""
    needle = " ".join(words(phrase))
    return bool(needle) and f" {needle} " in f" {' '.join(words(text))} "


def citation_valid(sentence: str, cited_passages: Sequence[str]) -> bool:
    """A cited sentence is valid when it is quoted verbatim (after `normalize`) from one of its cited
    passages, or, for a generated sentence, when ≥ 80 % of its words of ≥ 4 letters occur in them."""
    body = _CITATION_MARK.sub(" ", sentence)
    if any(contains_phrase(passage, body) for passage in cited_passages):
        return True
    long_words = [w for w in words(body) if len(w) >= MIN_SUPPORT_WORD_LEN]
    if not long_words:
        return False
    available = {w for passage in cited_passages for w in words(passage)}
    return sum(w in available for w in long_words) / len(long_words) >= GENERATED_SUPPORT
