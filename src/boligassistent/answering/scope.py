"""What the corpus covers, and what a question names that it does not.

Built once per index from the documents' own metadata: the law catalog (acts and regulations by every name
form), the titles of all documents and their publishers. A question is out of scope when it names

- an act or regulation by its form ("plan- og bygningsloven", "arbeidsmiljølova", "utlendingsforskriften",
  lowercase or not) that is none of the corpus's in any spelling (`retrieval.law_catalog`), so "bostøtteloven" is
  "bustøttelova", "sosialtenestelova" is "sosialtjenesteloven" and "bustøtteforskrifta" is "Forskrift om bustøtte";
- a § that an act or regulation of the corpus does not have ("husleieloven § 9-12", "bsl. § 14"): the question rests
  on a provision the sources do not hold, and a caseworker wants to hear that, not another § quoted;
- a regulation or act by its subject ("forskrift om kommunal saksbehandling", "lov om …") whose content words
  no legal title of the corpus shares;
- a public body by its form ("Skatteetaten", "Lånekassen", "Arbeidstilsynet", "forbrukerrådet") that the corpus
  never mentions;
- places, organisations or products by name ("Outlook") when the corpus mentions none of the question's names;
- a term in quotation marks («flyttetilskudd», "bustadbonus") with a word the corpus never uses whole: the caseworker
  names a scheme or a title, and the sources do not know it (its parts alone, flytte + tilskudd, are not it).

A name or word the corpus says by a thesaurus synonym ("KVP" for "kvalifiseringsprogrammet") is in scope.

Law and regulation names are only checked when the corpus holds laws at all (its catalog is then its legal
scope); bodies are checked against the corpus vocabulary (a term no chunk contains).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from boligassistent.answering.clarify import GENERIC_TERMS
from boligassistent.answering.evidence import proper_nouns
from boligassistent.domain.documents import is_legal
from boligassistent.retrieval.law_catalog import LawCatalog
from boligassistent.text.analyzer import DEFAULT_ANALYZER, analyze, plain_tokens, synonyms, word_keys
from boligassistent.text.compounds import COMMON_WORD_ZIPF, zipf
from boligassistent.text.legal_refs import common_abbreviations
from boligassistent.text.spelling import Speller, letter_skeleton, one_letter_apart

# "forskrift om …" / "lov om …" followed by its subject (up to the end of the clause).
_BY_SUBJECT = re.compile(r"(?<![\wæøå-])(forskrift(?:en)?|lov(?:en)?)\s+om\s+([\wæøå][\wæøå ,-]*)", re.I)
_SUBJECT_END = re.compile(r"\s(?:om|når|hvis|dersom|som|for å|og hva|og hvordan|i dag)\s|[,?.!;:]", re.I)
# A public body by its form: a compound ending in -etaten, -direktoratet, -tilsynet, -kassen, -nemnda, -ombudet,
# -departementet, -rådet (definite forms: Forbrukerrådet, Eldrerådet), capitalized or not.
_BODY = re.compile(r"(?<![\wæøå-])([\wæøå]{3,}(?:etaten|direktoratet|tilsynet|kassen|nemnda|nemnden|ombudet|"
                   r"departementet|(?<!om)rådet))(?:s)?(?![\wæøå])", re.I)
_PLAIN_SECTION = re.compile(r"§\d+")  # a § number with no chapter part ("§5"; not "§5-1", "§11a")
# a term in quotation marks: «…», "…", “…” (not '…': apostrophes)
_QUOTED = re.compile(r"[«\"“”]([^«»\"“”]{2,60})[»\"“”]")
_TITLE_PARTS = re.compile(r"\s+[–—-]\s+|\s*[(\[]")  # "Bostøtte – vilkår, …" → "Bostøtte"


def _holds(has_section: Callable[[str, str], bool], doc_id: str, section: str) -> bool:
    """Whether the law has the §, or the chapter a § number names in a law numbered by chapter ("låneforskriften § 5"
    for its chapter 5, §§ 5-1 to 5-4)."""
    return has_section(doc_id, section) or (_PLAIN_SECTION.fullmatch(section) is not None
                                            and has_section(doc_id, section + "-1"))


def topic_label(document: dict) -> str:
    """How a clarifying question names a document's topic: an act or regulation by its short title, any other
    document by its title up to a dash or parenthesis ('Bostøtte – vilkår, boutgifter …' → 'Bostøtte')."""
    if is_legal(str(document.get("kind"))) and document.get("short_title"):
        return str(document["short_title"])
    title = str(document.get("title") or document.get("doc_id") or "")
    return _TITLE_PARTS.split(title, maxsplit=1)[0].strip() or title


@dataclass(frozen=True)
class ScopeConfig:
    check_laws: bool = True  # decline questions naming an act or regulation the corpus does not hold
    check_sections: bool = True  # decline questions citing a § that a law of the corpus does not have
    check_bodies: bool = True  # decline questions naming a public body the corpus never mentions
    check_entities: bool = True  # decline questions whose proper nouns the corpus never mentions (none of them)
    check_quoted: bool = True  # decline questions quoting a term with a word the corpus never uses whole
    subject_words: int = 4  # content words of a "forskrift om …" subject compared with the corpus titles
    title_share: float = 0.5  # a match shares more than this share of the subject's or of the title's words
    # decline when at least this share of the question's content words occur nowhere in the corpus, neither whole
    # nor by a compound part ("oppskrift på fiskesuppe"); 1/3: one of three content words (0 = off)
    max_unknown_share: float = 1 / 3
    # a word at least this common in Norwegian (wordfreq's Zipf scale: 4 = once in 10,000 words) is not a topic the
    # corpus lacks when the corpus does not use it ("maks", "gjerne"): it still counts as a content word
    common_word_zipf: float = COMMON_WORD_ZIPF
    # a name at least this long that is one letter longer or shorter than a name of the corpus is that name misspelt
    # ("Møreforskning" for "Møreforsking"); shorter names are too often other names one letter apart (0 = off)
    name_typo_min_letters: int = 8


class CorpusScope:
    def __init__(self, catalog: LawCatalog, legal_titles: list[str], labels: dict[str, str],
                 in_corpus: Callable[[str], bool], config: ScopeConfig = ScopeConfig(),
                 speller: Speller | None = None, has_section: Callable[[str, str], bool] | None = None) -> None:
        self.catalog = catalog
        self._has_section = has_section  # whether act `doc_id` has section `section_id` ("§9-6"); None: not checked
        self.speller = speller  # a misspelt word the speller corrects to a corpus term counts as known
        self.config = config
        self.labels = labels  # doc_id → topic label, in corpus order
        self.legal_titles = legal_titles
        self._in_corpus = in_corpus  # whether an analyzer term occurs in any chunk
        generic = set(analyze("lov forskrift"))
        self._title_terms = [terms for title in legal_titles if (terms := set(analyze(title)) - generic)]

    @classmethod
    def from_documents(cls, documents: list[dict], catalog: LawCatalog, in_corpus: Callable[[str], bool],
                       config: ScopeConfig = ScopeConfig(), speller: Speller | None = None,
                       has_section: Callable[[str, str], bool] | None = None) -> CorpusScope:
        legal = [str(d.get("title") or "") for d in documents if is_legal(str(d.get("kind")))]
        return cls(catalog, legal, {str(d["doc_id"]): topic_label(d) for d in documents}, in_corpus, config, speller,
                   has_section)

    @property
    def holds_laws(self) -> bool:
        return bool(self.catalog.names)

    def _unknown_subject(self, subject: str) -> bool:
        words = analyze(subject)[: self.config.subject_words]
        if not words:
            return False
        asked = set(words)
        # the subject matches a title when most of the subject's words are in the title ("forskrift om kommunal
        # saksbehandling" is not "Lov om … kommunale bustadtilskot"), or most of the title's subject words are in
        # the subject ("forskrift om bostøtte for studenter" is "Forskrift om bustøtte")
        best = max((max(len(asked & terms) / len(asked), len(asked & terms) / len(terms)) for terms in self._title_terms),
                   default=0.0)
        return best <= self.config.title_share

    def missing_laws(self, question: str) -> list[str]:
        """Acts and regulations the question names that the corpus does not hold, in order of mention."""
        if not (self.config.check_laws and self.holds_laws):
            return []
        out = self.catalog.unknown_names(question)
        for match in _BY_SUBJECT.finditer(question):
            if self.catalog.references(match.group(0)):
                continue
            subject = _SUBJECT_END.split(" " + match.group(2) + " ", maxsplit=1)[0].strip()
            name = f"{match.group(1).lower()} om {subject}"
            if subject and self._unknown_subject(subject) and name not in out:
                out.append(name)
        return out

    def missing_sections(self, question: str) -> list[str]:
        """The §§ the question cites in an act or regulation of the corpus that does not have them ("husleieloven
        § 9-12"), as "Husleieloven § 9-12"; a law cited with several §§ is missing only when it has none of them."""
        has_section = self._has_section
        if not self.config.check_sections or has_section is None:
            return []
        out: list[str] = []
        for reference in self.catalog.references(question):
            sections = reference.citation.sections
            if sections and not any(_holds(has_section, reference.doc_id, section) for section in sections):
                law = self.labels.get(reference.doc_id) or reference.name
                out.extend(f"{law} {section.replace('§', '§ ')}" for section in sections)
        return list(dict.fromkeys(out))

    def _said_otherwise(self, text: str) -> bool:
        """Whether the corpus says what `text` names by a thesaurus synonym ("KVP" → "kvalifiseringsprogrammet",
        "Fylkesmannen" → "statsforvalteren"): all words of one synonym occur in it."""
        return any(all(self._in_corpus(key) for key in phrase) for phrases in synonyms(text).values() for phrase in phrases)

    def missing_bodies(self, question: str) -> list[str]:
        """Public bodies the question names (by their form) that no chunk of the corpus mentions."""
        if not self.config.check_bodies:
            return []
        out: list[str] = []
        for match in _BODY.finditer(question):
            terms = word_keys(match.group(1))
            if (terms and not any(self._in_corpus(t) for t in terms) and not self._said_otherwise(match.group(1))
                    and match.group(1) not in out):
                out.append(match.group(1))
        return out

    def missing_entities(self, question: str) -> list[str]:
        """The question's proper nouns (places, organisations, people, products), when the corpus mentions none of
        them: "Outlook", "Kristiansand kommune" in a corpus that never names it. One known name among them keeps
        the question in scope (a misspelt or foreign name beside a known one)."""
        if not self.config.check_entities:
            return []
        names = list(dict.fromkeys(proper_nouns(question)))
        unknown = self.unknown_entities(question)
        return unknown if names and len(unknown) == len(names) else []

    def missing(self, question: str) -> tuple[str, ...]:
        """What the question names that the corpus does not cover: laws and regulations, §§ of its laws, public
        bodies, then named entities none of which the corpus mentions and quoted terms, then words it never uses."""
        found = self.missing_laws(question) + self.missing_sections(question) + self.missing_bodies(question)
        found += [name for name in self.missing_entities(question) + self.missing_quoted(question) if name not in found]
        # a word named missing already as a name ("ETF") is not named again ("etf"); an abbreviation of a law named
        # missing is that law ("pbl § 20-1": plan- og bygningsloven, not also "pbl")
        named = {name.casefold() for name in found}
        return tuple(found + [word for word in self.missing_words(question)
                              if word.casefold() not in named and common_abbreviations().get(word.lower()) not in found])

    def missing_words(self, question: str) -> list[str]:
        """The question's content words that occur nowhere in the corpus (whole or by a compound part), when they
        are at least `max_unknown_share` of its content words: the question is about something the sources never
        mention. Generic words ("hjelp", "regler") and numbers don't count; a misspelt word the speller corrects to a
        corpus term ("boutgiftr") is known, and so is a word common in the language ("startlån rentepåslag maks?")."""
        if self.config.max_unknown_share <= 0 or self.names_corpus_law(question):  # "husll. § 9-5" is in scope
            return []
        content = [(token, word) for token in plain_tokens(question)
                   if (word := DEFAULT_ANALYZER.word(token)) and word[0] not in GENERIC_TERMS and token.isalpha()]
        unknown = list(dict.fromkeys(token for token, word in content if not any(self._in_corpus(t) for t in word)
                                     and zipf(token) < self.config.common_word_zipf
                                     and not self._misspelt_known(token) and not self._said_otherwise(token)))
        return unknown if content and len(unknown) / len(content) >= self.config.max_unknown_share else []

    def missing_quoted(self, question: str) -> list[str]:
        """The terms the question puts in quotation marks («flyttetilskudd», "Bolig for alle") that hold a word no
        chunk of the corpus holds whole (a compound's parts alone are not the compound), as the speller reads it
        and by no thesaurus synonym; each as quoted, in «»."""
        if not self.config.check_quoted:
            return []
        out: list[str] = []
        for match in _QUOTED.finditer(question):
            term = match.group(1).strip()
            if any((keys := DEFAULT_ANALYZER.word(token)) and not self._in_corpus(keys[0])
                   and not self._misspelt_known(token) and not self._said_otherwise(token)
                   for token in plain_tokens(term) if token.isalpha()):
                out.append(f"«{term}»")
        return list(dict.fromkeys(out))

    def _misspelt_known(self, token: str, name: bool = False) -> bool:
        """Whether the speller reads a token the corpus lacks as one of its terms: a typo ("boutgiftr") or a word
        typed without æ/ø/å ("okonomi"). A name only counts as typed without æ/ø/å or with a letter doubled or not
        ("Moreforsking", "Rambøl"): a name an edit away from the corpus's is mostly another name ("Bostad" is not
        "bustad", "Kristiansand" not "Kristiansund")."""
        if self.speller is None or (fixed := DEFAULT_ANALYZER.correction(token, self.speller)) is None:
            return False
        return not name or letter_skeleton(fixed[0]) == letter_skeleton(DEFAULT_ANALYZER.word(token)[0])

    def unknown_entities(self, question: str) -> list[str]:
        """Proper nouns of the question (places, organisations, people) that no chunk of the corpus mentions, as
        written or as the speller reads them."""
        return [name for name in dict.fromkeys(proper_nouns(question))
                if (terms := word_keys(name)) and not any(self._in_corpus(t) for t in terms)
                and not any(self._misspelt_known(token, name=True) or self._name_letter_off(token)
                            for token in plain_tokens(name))
                and not self._said_otherwise(name)]

    def _name_letter_off(self, token: str) -> bool:
        """Whether a long name the corpus lacks is a corpus name with a letter added or dropped ("Møreforskning",
        "Møreforsing" for "Møreforsking"): a name typed with the common word it resembles ("forskning") or a letter
        lost. A letter changed is not: "Kristiansand" is another town than "Kristiansund"."""
        if not self.config.name_typo_min_letters or len(token) < self.config.name_typo_min_letters or not token.isalpha():
            return False
        return any((keys := word_keys(variant)) and self._in_corpus(keys[0]) for variant in one_letter_apart(token))

    def cites(self, question: str, doc_id: str, section_id: str) -> bool:
        """Whether the question cites that section of that act or regulation ("fvl 11a", "husleieloven § 9-6")."""
        return any(r.doc_id == doc_id and section_id in r.citation.sections for r in self.catalog.references(question))

    def names_corpus_law(self, question: str) -> bool:
        """Whether the question names an act or regulation of the corpus."""
        return bool(self.catalog.references(question))

    def topics(self, doc_ids: list[str], n: int) -> list[str]:
        """`n` distinct topics the corpus covers, for a clarifying question: those of the documents `doc_ids`
        (the ones closest to the question, best first), then the corpus's own documents in order."""
        out: list[str] = []
        for doc_id in [*doc_ids, *self.labels]:
            label = self.labels.get(doc_id)
            if label and label.lower() not in {o.lower() for o in out}:
                out.append(label)
            if len(out) >= n:
                break
        return out
