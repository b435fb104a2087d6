"""Norwegian text analysis for the lexical (BM25) arm.

NFKC + lowercase; tokenization that keeps numbers like "73,7" and "§ 4" parts together; a Norwegian stopword
list that includes question words; then per word: accents dropped (æ, ø, å kept) → lemma (simplemma, bokmål and
nynorsk) → one spelling for bokmål/nynorsk/older variants → compound parts beside the whole word → Snowball stem
(PyStemmer). Queries are also expanded with the domain thesaurus, and a misspelt query word is searched as the
index term it stands for (`text.spelling`). Each step can be switched off in `AnalyzerConfig` to measure it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from boligassistent.text.compounds import decompose, fold_compound
from boligassistent.text.lemmas import is_word, lemma
from boligassistent.text.spelling import Speller, ascii_spellings
from boligassistent.text.thesaurus import Group, Synonyms, Word, build_groups, equivalents, expansions
from boligassistent.text.variants import fold, fold_diacritics

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:-\d+[a-z]?)?|[^\W\d_]+", re.UNICODE)

STOPWORDS: frozenset[str] = frozenset("""
og i jeg det at en et den til er som på de med han av ikke der så var meg seg men ett har om vi min mitt
ha hadde hun nå over da ved fra du ut sin dem oss opp man kan hans hvor eller hva skal selv sjøl her alle
vil bli ble blitt kunne inn når være kom noen noe ville dere som deres kun ja etter ned skulle denne for
deg si sine sitt mot å meget hvorfor dette disse uten hvordan ingen din ditt blir samme hvilken hvilke
sånn inni mellom vår hver hvem vors hvis både bare enn fordi før mange også slik vært være båe begge
siden dykk dykkar dei deira deires deim di då eg ein eit eitt elles honom hjå ho hoe henne hennar
hennes hoss hossen ikkje ingi inkje korleis korso kva kvar kvarhelst kven kvi kvifor me medan mi mine
mykje no nokon noka nokor noko nokre sia sidan so somt somme um upp vere vore verte vort varte vart
må får få gjelder gjøre gjør hos mye the of er det egentlig fortsatt visst vel jo ifølge ifølgje iflg
""".split())


@lru_cache(maxsize=1)
def ascii_stopwords() -> frozenset[str]:
    """Function words typed without æ/ø/å ("pa" for "på", "nar" for "når", "ogsa"), unless the spelling is a word of
    its own ("far", "vare", "bade"): otherwise they are rare index terms with the highest idf in a question. Built on
    first use, not at import: the dictionary lookups load simplemma's word lists."""
    return frozenset(spelling for word in STOPWORDS for spelling in ascii_spellings(word)
                     if spelling not in STOPWORDS and not is_word(spelling))


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("norwegian")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def plain_tokens(text: str) -> list[str]:
    """Baseline tokenization (lowercase word split), used by the 'BM25 plain' comparison."""
    return _TOKEN.findall(normalize(text))


@dataclass(frozen=True)
class AnalyzerConfig:
    """Which analysis steps run. The default is what ships; the switches exist to measure each step."""
    lemmas: bool = True  # simplemma lemma (bokmål, then nynorsk)
    variants: bool = True  # spelling variants folded to one form (`text.variants`)
    compounds: bool = True  # compound parts indexed beside the whole word (`text.compounds`)
    stems: bool = True  # Snowball stem of each token
    thesaurus: bool = True  # queries also search the other members of a thesaurus group (`text.thesaurus`)
    spelling: bool = True  # a misspelt query word is searched as the index term it stands for (`text.spelling`)
    synonym_for_parts: bool = True  # an unknown compound with a synonym in the index is searched by that, not its parts


class Analyzer:
    """Norwegian analysis for the lexical arm: the same for documents and queries, except that queries are also
    expanded with the thesaurus."""

    def __init__(self, config: AnalyzerConfig | None = None) -> None:
        self.config = config or AnalyzerConfig()
        self._groups: list[Group] | None = None

    def words(self, text: str) -> list[Word]:
        """Per content word its index tokens: the whole word's key first, then its compound parts."""
        return [w for t in plain_tokens(text) if (w := self._word(t))]

    def word(self, token: str) -> tuple[str, ...]:
        """A plain token's index tokens (whole-word key first, then compound parts); () for a stopword."""
        return self._word(token)

    def analyze(self, text: str) -> list[str]:
        """Index tokens of a document text: every word whole, and a compound's parts beside it."""
        return [token for word in self.words(text) for token in word]

    def analyze_query(self, text: str, known: Callable[[list[str]], set[str]] | None = None,
                      speller: Speller | None = None) -> list[str]:
        """Search tokens of a query: its words (a misspelt one corrected with `speller`, the index vocabulary) plus
        the thesaurus expansions. With `known` (the whole-word keys the index holds), a compound the index knows is
        searched whole; one it doesn't is searched by its parts, unless a thesaurus synonym of it is in the index
        ("oppsigelsestid" → "oppsigelsesfrist"): then the synonym stands for it, without the parts' noise
        ("oppsigelse" + "tid" match every termination and every time limit)."""
        words = self._meant_words(text, speller)
        groups = self.groups() if self.config.thesaurus else []
        synonyms = [expansions([w[0]], groups) for w in words]  # per word, its thesaurus expansions
        extra = expansions([w[0] for w in words], groups)  # also those of phrases ("økonomisk stønad")
        if known is not None and self.config.compounds:
            present = known([w[0] for w in words + extra if len(w) > 1] + [s[0] for found in synonyms for s in found])

            def searched(w: Word, found: list[Word]) -> Word:
                if len(w) == 1 or w[0] in present:
                    return w[:1]
                if self.config.synonym_for_parts and any(s[0] in present for s in found):
                    return ()
                return w[1:]
            words = [searched(w, found) for w, found in zip(words, synonyms)]
            extra = [searched(w, []) for w in extra]
        return list(dict.fromkeys(token for word in words + extra for token in word))

    def question_terms(self, text: str, speller: Speller | None = None) -> list[str]:
        """Index tokens of a question as it was meant: a misspelt word (one typed without æ, ø, å) is the index term
        it stands for (`speller`), as the lexical arm searched it; no thesaurus expansions (`synonyms` has them)."""
        return [token for word in self._meant_words(text, speller) for token in word]

    def _meant_words(self, text: str, speller: Speller | None) -> list[Word]:
        """The text's words (`words`), each misspelt one as the index term it stands for (`correction`)."""
        return [(speller and self.correction(t, speller)) or w for t in plain_tokens(text) if (w := self._word(t))]

    def synonyms(self, text: str) -> Synonyms:
        """Per index token of the text's words, the thesaurus phrases that say what its word (or the phrase it is
        part of) says, as whole-word keys: what a question's term may be called in a source that answers it."""
        if not self.config.thesaurus:
            return {}
        words = self.words(text)
        out: Synonyms = {}
        for span, phrase in equivalents([w[0] for w in words], self.groups()):
            for i in span:
                for token in words[i]:
                    if phrase not in out.setdefault(token, []):
                        out[token].append(phrase)
        return out

    def correction(self, token: str, speller: Speller) -> Word | None:
        """The index term a misspelt query token stands for ("boutgiftr" → "boutgift"), or None. Only a token that
        is neither a dictionary word nor a compound of dictionary words counts as misspelt, so a real word the corpus
        never uses ("skattemelding", "mobilabonnement") is not bent into one it does. A word the index holds is only
        read as the term it spells without æ/ø/å, when the index holds that more often ("bostotte" from URLs). That
        reading holds for a compound and its parts too ("startlan" → "startlån", "start", "lån"; "Moreforsking": its
        ASCII parts are words, "more" + "forsking", but the index holds the word they spell); edits are never made to
        a compound the index holds a part of."""
        if not self.config.spelling or not token.isalpha():
            return None
        word = self._word(token)
        if not word or is_word(token):
            return None
        if (spelt := speller.spelt(word[0])) is not None:  # a compound's parts read alike ("lan" → "lån")
            return (spelt, *(speller.spelt(part) or part for part in word[1:]))
        # a compound none of whose parts the index holds is a typo the splitter read as parts ("komunal" → "komu" +
        # "nal"); one with some part it does not hold may be one too ("tuberkolose" → "tub" + "kol" + "ose"), and is
        # corrected when an index term is one edit away; one whose parts the index all holds is a compound the
        # corpus never uses whole ("mobilabonnement"), and stays
        held = [speller.holds(part) for part in word[1:]]
        if len(word) != 1 and all(held):
            return None
        fixed = speller.correct(word[0], most=1 if any(held) else 2)
        return (fixed,) if fixed else None

    def groups(self) -> list[Group]:
        if self._groups is None:
            self._groups = build_groups(self.words)
        return self._groups

    @lru_cache(maxsize=200_000)  # noqa: B019 - analyzers are few and live as long as the process
    def _word(self, token: str) -> tuple[str, ...]:
        if token in STOPWORDS or token in ascii_stopwords():
            return ()
        if not token.isalpha():  # numbers, "9-3a": kept as written
            return (token,)
        token = fold_diacritics(token)  # "Napoléon" is "Napoleon"
        word = lemma(token) if self.config.lemmas else token
        if self.config.variants:
            word = fold(word)
        if word in STOPWORDS:
            return ()
        if self.config.compounds and self.config.variants:
            # a compound's parts take the one spelling too, and a compound of its parts alone is spelt with them:
            # nynorsk "bustadtiltak" is "boligtiltak", "utleigebustad" "utleiebolig"
            word, parts = fold_compound(word)
        else:
            parts = decompose(word) if self.config.compounds else (word,)
        forms = (word, *parts) if len(parts) > 1 else (word,)
        if self.config.stems:
            forms = tuple(_stemmer().stemWords(list(forms)))
        return tuple(dict.fromkeys(forms))


DEFAULT_ANALYZER = Analyzer()


def analyze(text: str) -> list[str]:
    """Index tokens of a text (documents, and query text that must not be expanded)."""
    return DEFAULT_ANALYZER.analyze(text)


def question_terms(text: str, speller: Speller | None = None) -> list[str]:
    """Index tokens of a question, misspelt words corrected (`Analyzer.question_terms`)."""
    return DEFAULT_ANALYZER.question_terms(text, speller)


def synonyms(text: str) -> Synonyms:
    """Thesaurus synonyms of a text's index tokens (`Analyzer.synonyms`)."""
    return DEFAULT_ANALYZER.synonyms(text)


def word_keys(text: str) -> list[str]:
    """One index token per content word, the whole word's (no compound parts): for comparing names, where a
    shared part ("…loven" → "lov") must not make two names equal."""
    return [word[0] for word in DEFAULT_ANALYZER.words(text)]


def analyze_query(text: str, known: Callable[[list[str]], set[str]] | None = None,
                  speller: Speller | None = None) -> list[str]:
    """Search tokens of a query (`Analyzer.analyze_query`)."""
    return DEFAULT_ANALYZER.analyze_query(text, known, speller)
