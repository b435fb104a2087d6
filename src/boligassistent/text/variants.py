"""Spelling variants folded to one form: nynorsk → bokmål and older → current bokmål.

Two layers, applied to a lemma:
- `WORD_VARIANTS` (data/word_variants.tsv): irregular pairs that no rule derives (kva → hva, bustad → bolig).
- `SPELLING_RULES`: systematic sound/spelling correspondences, applied to every word, so unseen compounds are
  covered too (framleige → fremleie, utleigar → utleier, søkjar → søker, moglegheit → mulighet).
The folding is applied identically to documents and queries, so a rule that also rewrites a bokmål word
(e.g. "kje" → "ke") only has to avoid merging two different words, not to produce a real one.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

# (pattern, replacement), applied in order to the whole lemma.
SPELLING_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), r) for p, r in (
    (r"^fram(?=[a-zæøå]{3})", "frem"),     # framleie, framtid, framgangsmåte (old/radical bokmål, nynorsk)
    (r"eig(?=[aeiou])", "ei"),             # leige, utleigar, eigar (nn) → leie, utleiar, eiar
    (r"(?<=[aeiouyæøå])ar$", "er"),         # utleiar, eiar (nn agent nouns) → utleier, eier
    (r"(?<=[^aeiouyæøå])jar$", "er"),       # søkjar → søker (nn -jar agent nouns)
    (r"(?<=[a-zæøå])kj(?=[aeiy])", "k"),   # søkje, søkja, tenkje, ikkje → søke, søka, tenke, ikke (nn kj/gj in a word)
    (r"(?<=[lnrg])gj(?=[aeiy])", "g"),      # leggje, kartleggjast, byggja → legge, kartleggast, bygga
    (r"leg(heit|heiter|heita)?$", r"lig\1"),  # mogleg, moglegheit → moglig, mogligheit
    (r"heit(en|er|a|ane)?$", "het"),        # -heit → -het
    (r"(?<!j)tenest", "tjenest"),           # teneste, sosialtenestelova, omsorgstenester → tjeneste … (no bokmål word
    # holds "tenest" but after j)
    (r"^heim", "hjem"),                     # heimel → hjemmel (with the word list), heim → hjem
    (r"^bu(?=(støtt|utgift|evne|tilbod|tilbud|sett|setjing|setting))", "bo"),  # bustøtte, buutgifter, busett
    (r"^teie(?=plikt)", "taushets"),        # teieplikt → taushetsplikt
    (r"(?:(?<=til)|(?<=for)|(?<=på))bod$", "bud"),  # tilbod, forbod, påbod, butilbod (nn) → tilbud, forbud, påbud
    (r"(?<=[a-zæøå]{2})skot(?=(?:et|a|ane|ene)?$)", "skudd"),  # tilskot(et/a), forskot, underskot (nn) → tilskudd …
))


_SCANDINAVIAN = {"ä": "æ", "ö": "ø"}  # Swedish/German spellings of æ and ø (Lucene's Scandinavian normalization)


def fold_diacritics(token: str) -> str:
    """Accents dropped from a lowercase token, Norwegian letters kept: "napoléon" → "napoleon", "kafé" → "kafe",
    "müller" → "muller", "smörgås" → "smørgås"; æ, ø and å stay as they are (they are letters, not accents)."""
    if token.isascii():
        return token
    out = []
    for char in token:
        if char in "æøå":
            out.append(char)
        elif char in _SCANDINAVIAN:
            out.append(_SCANDINAVIAN[char])
        else:
            out.append("".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)) or char)
    return "".join(out)


@lru_cache(maxsize=1)
def word_variants() -> dict[str, str]:
    out: dict[str, str] = {}
    text = resources.files("boligassistent.text").joinpath("data/word_variants.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            variant, standard = line.split("\t")
            out[variant.strip()] = standard.strip()
    return out


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """One spelling for the variants of a word: the word list first, then the rules, then the list again."""
    table = word_variants()
    word = table.get(word, word)
    for pattern, replacement in SPELLING_RULES:
        word = pattern.sub(replacement, word)
    return table.get(word, word)
