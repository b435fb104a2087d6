"""The answer-type check: a question asking for a value (an amount, a count, a date, a deadline or duration, a
name, a place) needs a sentence about its subject that holds such a value; a yes/no question that also asks a value
("Kan de få møblene tilbake, og er det noen frist?") is answered by its rule, and is not checked.

Which value a question asks for, and whether a sentence holds one, are rules about the language
(`text.answer_types`, shared with the extractive backend's sentence choice); this module adds the subject: the
sentence (with the one before it, which often names the subject: "Det ble gravd frem i 1908", and the heading it
stands under) must hold enough of the question's idf-weighted terms (the keys of `idf`: the question's terms as
retrieval read them), and must not be about another municipality than the one the question names: reports give
figures per kommune, and "Sola kommune … har 41 barnefamilier som leier kommunal bolig" does not answer "hvor mange
familier leide kommunal bolig i Haugesund"; nor about other years only, when the question asks a figure for a year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from boligassistent.text.analyzer import STOPWORDS, analyze
from boligassistent.text.answer_types import (
    AnswerType,
    asked_part,
    asks_condition_or_time,
    expected_answer_type,
    holds_value,
    states_condition,
    value_completes_yes_no,
    value_words,
)
from boligassistent.text.thesaurus import Synonyms, term_share

# "Sola kommune", "Haugesund kommunes", "kommunene Askøy, Sola og Haugesund": a municipality by name
_MUNICIPALITY = re.compile(r"\b([A-ZÆØÅ][a-zæøåA-ZÆØÅ-]{2,})\s+kommunes?\b")
_MUNICIPALITIES = re.compile(r"\bkommunene\s+((?:[A-ZÆØÅ][a-zæøå-]{2,}(?:\s*,\s*|\s+og\s+))+[A-ZÆØÅ][a-zæøå-]{2,})")
_NAME_IN_LIST = re.compile(r"[A-ZÆØÅ][a-zæøå-]{2,}")
_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d\d)(?![\d]|[.,]\d)")
_TIME_KINDS = {AnswerType.TIME, AnswerType.DURATION}
_NOT_NAMES = frozenset("hver kvar egen eigen annen anna ny ni ei samme same vår hele heile større mindre".split())


def municipalities(text: str) -> set[str]:
    """The municipalities a text names as such ("Sola kommune", "kommunene Askøy og Sola"), lowercase."""
    names = {m.group(1).lower() for m in _MUNICIPALITY.finditer(text)}
    for listed in _MUNICIPALITIES.finditer(text):
        names |= {name.lower() for name in _NAME_IN_LIST.findall(listed.group(1))}
    return {name for name in names if name not in STOPWORDS and name not in _NOT_NAMES}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\wæøå-]+", text.lower()))


@dataclass(frozen=True)
class AnswerTypeConfig:
    # a sentence is about the question's subject when it and the sentence before it hold this idf share of the
    # question's terms
    min_subject_share: float = 0.2
    # the sentences before a value's sentence (in the same section) that may name its subject: "… tre av beboerne har
    # gjennomført et fotokurs. … kun 7.000 kroner var nok til å dekke kostnadene til dette prosjektet"
    context_sentences: int = 1
    # a question that tells a situation before it asks ("… . Hvor lenge kan han beholde bostøtten?"): the subject is
    # the asked part's terms when it has at least this many, else the whole question's
    asked_part_min_terms: int = 2


def missing_value(question: str, sentences: list[str], idf: dict[str, float],
                  config: AnswerTypeConfig = AnswerTypeConfig(), synonyms: Synonyms | None = None,
                  headings: list[str] | None = None) -> AnswerType | None:
    """The kind of value the question asks for when none of `sentences` (in passage order) is about its subject
    and holds one; None when it is found, or when the question asks for no value. `synonyms`: the question terms'
    thesaurus synonyms, which count as the terms. `headings`: beside each sentence, the heading it stands under,
    which names its subject too."""
    kind = expected_answer_type(question)
    if kind is None or value_completes_yes_no(question):  # "Kan de få …, og er det noen frist?": the rule answers
        return None
    terms = set(idf) or set(analyze(question))  # the question's terms as retrieval read them (misspellings corrected)
    # the value's unit and period are no subject: "63 kroner per månad" is not about "… satsen … per månad" for them
    terms -= set(analyze(" ".join(value_words(question))))
    # the value must be about what is asked, not about the situation told before it ("Vi har fått tilskudd fra
    # Husbanken til et prosjekt. Når må regnskapet være revidert?" asks about the accounts, not about the grant)
    asked_text = asked_part(question)
    if asked_text != question and len(own := terms & set(analyze(asked_text))) >= config.asked_part_min_terms:
        terms = own
    analyzed = [set(analyze(s)) for s in sentences]
    heading_terms = {h: set(analyze(h)) for h in set(headings or ())}
    # the municipalities the passages name as such ("Haugesund kommune"), and those of them the question names (in any
    # case: "i haugesund")
    asked = municipalities(" ".join(sentences)) & _words(question)
    about = _municipality_in_force(sentences, headings) if asked else [set()] * len(sentences)
    # a figure asked for a year ("Hvor mange deltakere hadde prosjektene i 2019?") is not one given for other years
    # only ("167 deltakere … i 2015"); a question asking for a time is answered by another year
    years = set(_YEAR.findall(asked_text)) if kind not in _TIME_KINDS else set()
    # "når kan/må … ?": a condition about the subject answers it as a time does (`asks_condition_or_time`)
    conditional = kind is AnswerType.TIME and asks_condition_or_time(question)
    for i, sentence in enumerate(sentences):
        context = set(analyzed[i])
        for j in range(max(0, i - config.context_sentences), i):
            if not headings or headings[j] == headings[i]:
                context |= analyzed[j]
        if headings:
            context |= heading_terms[headings[i]]
        if ((holds_value(kind, sentence, question) or (conditional and states_condition(sentence)))
                and term_share(terms, idf, context, synonyms) >= config.min_subject_share
                and not (about[i] and not about[i] & asked)
                and not (years and (found := set(_YEAR.findall(sentence))) and not found & years)):
            return None
    return kind


def _municipality_in_force(sentences: list[str], headings: list[str] | None) -> list[set[str]]:
    """Beside each sentence, the municipalities it is about: those it names, else those the last sentence naming any
    named before it in the same section ("Sola kommune har … Kommunen rapporter … 41 barnefamilier … 26 av disse
    familiene …"), else those its heading names."""
    out: list[set[str]] = []
    current: set[str] = set()
    for i, sentence in enumerate(sentences):
        heading = headings[i] if headings else ""
        if i == 0 or (headings and heading != headings[i - 1]):
            current = municipalities(heading)
        current = municipalities(sentence) or current
        out.append(current)
    return out
