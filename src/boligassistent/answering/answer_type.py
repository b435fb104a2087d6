"""The answer-type check: a question asking for a value (an amount, a count, a date, a deadline or duration, a
name, a place) needs a sentence about its subject that holds such a value; a yes/no question that also asks a value
("Kan de få møblene tilbake, og er det noen frist?") is answered by its rule, and is not checked.

Which value a question asks for, and whether a sentence holds one, are rules about the language
(`text.answer_types`, shared with the extractive backend's sentence choice); this module adds the subject: the
sentence (with the one before it, which often names the subject: "Det ble gravd frem i 1908", and the heading it
stands under) must hold enough of the question's idf-weighted terms (the keys of `idf`: the question's terms as
retrieval read them).
"""

from __future__ import annotations

from dataclasses import dataclass

from boligassistent.answering.evidence import term_share
from boligassistent.text.analyzer import analyze
from boligassistent.text.answer_types import (
    AnswerType,
    expected_answer_type,
    holds_value,
    value_completes_yes_no,
    value_words,
)
from boligassistent.text.thesaurus import Synonyms


@dataclass(frozen=True)
class AnswerTypeConfig:
    # a sentence is about the question's subject when it and the sentence before it hold this idf share of the
    # question's terms
    min_subject_share: float = 0.2


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
    analyzed = [set(analyze(s)) for s in sentences]
    heading_terms = {h: set(analyze(h)) for h in set(headings or ())}
    for i, sentence in enumerate(sentences):
        context = analyzed[i] | (analyzed[i - 1] if i else set())
        if headings:
            context |= heading_terms[headings[i]]
        if holds_value(kind, sentence, question) and term_share(terms, idf, context, synonyms) >= config.min_subject_share:
            return None
    return kind
