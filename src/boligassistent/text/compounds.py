"""Compound decomposition: "oppsigelsestid" → oppsigelse + tid, "husleieøkning" → husleie + økning.

Norwegian writes compounds as one word, so a question and a law often share a compound's parts but not the
compound (oppsigelsestid / oppsigelsesfrist). A word is split where every part is a dictionary word
(`lemmas.is_word`: bokmål and nynorsk, any inflected form), allowing the linking letters -s- and -e-. The
lexicon is the dictionary only, not the corpus vocabulary: the split of a word never depends on what is
indexed, so queries and documents split the same way in every index and both backends.

Which split, if any (after Koehn & Knight 2003): only splits whose parts have a higher mean Zipf frequency
(`wordfreq`'s Norwegian word list, i.e. the geometric mean of their frequencies) than the whole word count;
of those, the one with the fewest parts, then the highest mean. So a common word made of rare parts stays
whole (leietaker, not leiet|aker; konsekvens, not kon|sekvens), while a rare compound of common words splits
(husleieøkning → husleie|økning).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from wordfreq import zipf_frequency

from boligassistent.text.lemmas import is_word
from boligassistent.text.variants import fold

LINKING = ("s", "e")  # fuge-s and fuge-e: "oppsigelse|s|tid", "barn|e|hage"
# Endings and fragments that are dictionary "words" but never a compound's part on their own.
NOT_PARTS: frozenset[str] = frozenset(
    "het ene ter ing inge else ere ers lig isk ist ende ande ane are ast est ert ene ned opp inn ute ene".split())


@dataclass(frozen=True)
class CompoundConfig:
    min_word: int = 7  # words shorter than this are never split
    min_head: int = 3  # shortest last part (tid, lov)
    min_modifier: int = 4  # shortest other part: "hus|lei|økning" is a worse split than "husleie|økning"
    max_parts: int = 3


def _part(text: str, shortest: int) -> bool:
    return len(text) >= shortest and text not in NOT_PARTS and is_word(text)


def _splits(word: str, config: CompoundConfig, parts_left: int) -> list[list[str]]:
    """All splits of `word` into at most `parts_left` parts, each a dictionary word."""
    out: list[list[str]] = [[word]] if _part(word, config.min_modifier) else []
    if parts_left < 2:
        return out
    for cut in range(config.min_modifier, len(word) - config.min_head + 1):
        head = word[cut:]
        if not _part(head, config.min_head):
            continue
        left = word[:cut]
        modifiers = [left] + [left[:-1] for link in LINKING if left.endswith(link)]
        for modifier in modifiers:
            out.extend(split + [head] for split in _splits(modifier, config, parts_left - 1))
    return out


# A word at least this common in Norwegian (wordfreq's Zipf scale: 4 = once in 10,000 words) names no topic a corpus
# lacks when the corpus does not use it ("maks", "universitet" in a corpus that says "maksimalt", "lærested"): the
# scope check does not call it unknown, and the evidence does not count it as a question term left uncovered.
COMMON_WORD_ZIPF = 4.0


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    return float(zipf_frequency(word, "nb"))


def _score(parts: list[str]) -> float:
    return sum(zipf(p) for p in parts) / len(parts)


@lru_cache(maxsize=200_000)
def _decompose(word: str, config: CompoundConfig) -> tuple[str, ...]:
    if len(word) < config.min_word or not word.isalpha():
        return (word,)
    whole = zipf(word)
    candidates = [s for s in _splits(word, config, config.max_parts) if len(s) > 1 and _score(s) > whole]
    if not candidates:
        return (word,)
    def preference(parts: list[str]) -> tuple[int, float]:
        return len(parts), -_score(parts)
    best: list[str] = min(candidates, key=preference)
    return tuple(best)


def decompose(word: str, config: CompoundConfig | None = None) -> tuple[str, ...]:
    """The parts of a compound, or (word,) when it is not one."""
    return _decompose(word, config or CompoundConfig())


def fold_compound(word: str, config: CompoundConfig | None = None) -> tuple[str, tuple[str, ...]]:
    """A (spelling-folded) word and its compound parts, the parts folded to their one spelling too (`variants.fold`),
    and the word spelt with them when it is its parts alone: nynorsk "bustadtiltak" is "boligtiltak" with the parts
    bolig + tiltak. A word that is no compound is returned as it is, with itself as its one part."""
    parts = decompose(word, config)
    if len(parts) < 2:
        return word, parts
    folded = tuple(fold(part) for part in parts)
    return ("".join(folded) if folded != parts and "".join(parts) == word else word), folded
