"""Norwegian text analysis for the lexical (BM25) arm.

NFKC + lowercase, tokenization that keeps numbers like "73,7" and "§ 4" parts together, nynorsk →
bokmål variant folding, a Norwegian stopword list that includes question words, and Snowball
stemming (PyStemmer).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:-\d+[a-z]?)?|[^\W\d_]+", re.UNICODE)

# Whole-word nynorsk (and common spelling variant) → bokmål.
WORD_VARIANTS: dict[str, str] = {
    "kva": "hva", "korleis": "hvordan", "kor": "hvor", "kven": "hvem", "kvifor": "hvorfor", "kvar": "hver",
    "ikkje": "ikke", "eg": "jeg", "dei": "de", "ein": "en", "eit": "et", "ho": "hun", "frå": "fra",
    "mykje": "mye", "berre": "bare", "noko": "noe", "nokon": "noen", "fleire": "flere", "gjere": "gjøre",
    "vere": "være", "heile": "hele", "saman": "sammen", "utan": "uten", "sjølv": "selv", "sjølve": "selv",
    "heim": "hjem", "heime": "hjemme", "busett": "bosatt", "busette": "bosette", "berekning": "beregning",
    "utrekning": "beregning", "utrekna": "beregnet", "rekna": "regnet", "opphald": "opphold",
    "opphaldet": "oppholdet", "mellombels": "midlertidig", "barnevernet": "barnevernet", "då": "da",
    "seie": "si", "leggje": "legge", "lånar": "låner", "søkjar": "søker", "søkjarar": "søkere",
    "studentar": "studenter", "personar": "personer", "inntekta": "inntekten", "formuen": "formuen",
    "vilkåra": "vilkårene", "bebuarar": "beboere", "bebuar": "beboer", "teneste": "tjeneste",
    "tenester": "tjenester", "høyre": "høre", "gjeld": "gjeld", "sosialhjelp": "sosialhjelp",
}
# Prefix rewrites for compounds (order matters: longest first).
PREFIX_VARIANTS: list[tuple[str, str]] = [
    ("bustøtt", "bostøtt"), ("bustad", "bolig"), ("buutgift", "boutgift"), ("buevne", "boevne"),
    ("teieplikt", "taushetsplikt"), ("tagnadsplikt", "taushetsplikt"), ("eigendel", "egenandel"),
    ("eigenandel", "egenandel"), ("utleigar", "utleier"), ("utleige", "utleie"), ("leigar", "leier"),
    ("leige", "leie"), ("husleige", "husleie"), ("eigar", "eier"), ("eige", "egen"), ("tenest", "tjenest"),
    ("heimel", "hjemmel"), ("fråver", "fravær"), ("søknaden", "søknad"), ("kommunane", "kommunene"),
]

STOPWORDS: frozenset[str] = frozenset("""
og i jeg det at en et den til er som på de med han av ikke der så var meg seg men ett har om vi min mitt
ha hadde hun nå over da ved fra du ut sin dem oss opp man kan hans hvor eller hva skal selv sjøl her alle
vil bli ble blitt kunne inn når være kom noen noe ville dere som deres kun ja etter ned skulle denne for
deg si sine sitt mot å meget hvorfor dette disse uten hvordan ingen din ditt blir samme hvilken hvilke
sånn inni mellom vår hver hvem vors hvis både bare enn fordi før mange også slik vært være båe begge
siden dykk dykkar dei deira deires deim di då eg ein eit eitt elles honom hjå ho hoe henne hennar
hennes hoss hossen ikkje ingi inkje korleis korso kva kvar kvarhelst kven kvi kvifor me medan mi mine
mykje no nokon noka nokor noko nokre sia sidan so somt somme um upp vere vore verte vort varte vart
må får få gjelder gjøre gjør hos mye the of er det egentlig fortsatt visst vel jo
""".split())


def _fold_token(token: str) -> str:
    token = WORD_VARIANTS.get(token, token)
    for old, new in PREFIX_VARIANTS:
        if token.startswith(old):
            return new + token[len(old):]
    return token


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("norwegian")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def plain_tokens(text: str) -> list[str]:
    """Baseline tokenization (lowercase word split), used by the 'BM25 plain' comparison."""
    return _TOKEN.findall(normalize(text))


def fold_variants(tokens: list[str]) -> list[str]:
    return [_fold_token(t) for t in tokens]


def analyze(text: str) -> list[str]:
    """Norwegian analysis: tokens → variant folding → stopwords out → Snowball stems."""
    tokens = [t for t in fold_variants(plain_tokens(text)) if t not in STOPWORDS]
    return _stemmer().stemWords(tokens)
