"""Answer-type check: a question asking for a value needs a sentence about its subject that holds one."""

from __future__ import annotations

import dataclasses

import pytest

from boligassistent.answering.abstention import ANSWER_TYPE
from boligassistent.answering.answer_type import missing_value
from boligassistent.runtime import create_assistant
from boligassistent.text.analyzer import analyze, synonyms
from boligassistent.text.answer_types import AnswerType

pytestmark = pytest.mark.unit

IDF = {"klagefrist": 3.0, "bostøtt": 2.0, "vedtak": 1.0}
QUESTION = "Hvor lang klagefrist er det på vedtak om bostøtte?"


def test_a_value_about_the_subject_answers():
    assert missing_value(QUESTION, ["Klagefristen for vedtak om bostøtte er tre uker."], IDF) is None
    assert missing_value(QUESTION, ["Vedtak om bostøtte kan påklages.", "Fristen er tre uker."], IDF) is None  # subject before


def test_a_value_about_something_else_or_the_subject_without_a_value_does_not():
    assert missing_value(QUESTION, ["Husleien skal betales innen tre uker."], IDF) is AnswerType.DURATION
    assert missing_value(QUESTION, ["Vedtak om bostøtte kan påklages til klagenemnda."], IDF) is AnswerType.DURATION


def test_when_with_a_modal_verb_is_answered_by_a_condition_about_the_subject():
    """«Når kan …?» asks under what condition as much as at what time."""
    question = "Når kan NAV dele opplysninger med kommunen uten samtykke?"
    idf = {t: 3.0 for t in analyze(question)}
    condition = ["NAV kan dele opplysninger med kommunen uten samtykke når det er nødvendig for å fremme oppgavene."]
    assert missing_value(question, condition, idf) is None
    assert missing_value(question, ["NAV kan dele opplysninger med kommunen uten samtykke."], idf) is AnswerType.TIME
    # a condition about something else does not answer
    assert missing_value(question, ["Husleien betales når måneden starter."], idf) is AnswerType.TIME
    # without a modal verb "når" asks for a time: a condition does not answer "når ble …"
    assert missing_value("Når ble opplysningene delt med kommunen?", condition, idf) is AnswerType.TIME


def test_a_sentence_naming_the_subject_by_a_synonym_is_about_it():
    """The thesaurus retrieval searched with: "økonomisk stønad" is the question's "sosialhjelp"."""
    question = "Hvor mye sosialhjelp kan en enslig få til husleie?"
    idf = {t: 3.0 for t in analyze(question)}
    sentence = ["Økonomisk stønad til boutgifter gis med inntil 7 000 kroner i måneden."]
    assert missing_value(question, sentence, idf) is AnswerType.AMOUNT
    assert missing_value(question, sentence, idf, synonyms=synonyms(question)) is None


def test_a_value_about_another_municipality_does_not_answer():
    """Reports give figures per kommune: a figure in a passage about Sola, however the sentences after the name refer
    to it ("Kommunen …", "… disse familiene …"), does not answer a question about Haugesund (named in any case)."""
    question = "hvor mange familier sto på venteliste i haugesund?"
    idf = {t: 3.0 for t in analyze(question)}
    sola = ["Sola kommune har tatt utgangspunkt i et case.", "Kommunen har seks familier som står på venteliste.",
            "26 av disse familiene står på venteliste for større bolig."]
    haugesund = ["Haugesund kommune har også et case.", "Kommunen har ni familier som står på venteliste."]
    assert missing_value(question, sola + haugesund[:1], idf) is AnswerType.COUNT
    assert missing_value(question, sola + haugesund, idf) is None
    assert missing_value("hvor mange familier sto på venteliste?", sola, idf) is None  # no municipality asked


def test_the_subject_is_what_the_question_asks_not_the_situation_told_before_it():
    """A value about the situation ("tilskudd … prosjekt") does not answer what is asked about it ("regnskapet …
    revidert"); a short asked part ("Hvor mye kan hun få?") leaves the subject to the whole question."""
    question = "Vi har fått tilskudd fra Husbanken til et prosjekt. Hvor lang tid har vi til å sende regnskapet til revisor?"
    idf = {t: 3.0 for t in analyze(question)}
    about_the_grant = ["Tilskuddet fra Husbanken til prosjektet utbetales innen fire uker."]
    assert missing_value(question, about_the_grant, idf) is AnswerType.DURATION
    assert missing_value(question, ["Regnskapet skal sendes revisor innen tre måneder."], idf) is None
    short = "Hun søker sosialhjelp til husleie. Hvor mye kan hun få?"
    assert missing_value(short, ["Sosialhjelp til husleie gis med inntil 7 000 kroner."],
                         {t: 3.0 for t in analyze(short)}) is None


def test_a_figure_for_other_years_does_not_answer_a_year_asked():
    question = "Hvor mange deltakere hadde prosjektene i 2019?"
    idf = {t: 3.0 for t in analyze(question)}
    assert missing_value(question, ["Prosjektene hadde 167 deltakere i 2015."], idf) is AnswerType.COUNT
    assert missing_value(question, ["Prosjektene hadde 180 deltakere i 2019."], idf) is None
    assert missing_value(question, ["Prosjektene hadde 180 deltakere."], idf) is None  # no year: may be that one
    assert missing_value("Når startet prosjektene som i 2019 hadde deltakere?", ["Prosjektene startet i 2012."],
                         idf) is None  # a time asked: another year answers


def test_questions_asking_for_no_value_pass():
    assert missing_value("Kan en student få bostøtte?", [], IDF) is None


def test_the_assistant_declines_a_value_question_its_sources_hold_no_value_for(unit_runtime):
    runtime = dataclasses.replace(unit_runtime, settings=unit_runtime.settings.model_copy(update={"abstain_threshold": 1.0,
                                                                                         "abstain_max_unknown_share": 0}))
    assistant = create_assistant(runtime)
    declined = assistant.answer("Hvor mange leietakere ble kastet ut etter testleieloven?")  # no sentence counts them
    assert declined.abstained and declined.reason == ANSWER_TYPE
    assert declined.text.startswith("Kildene mine handler om dette, men jeg finner ikke noe antall") and declined.closest_sources
    answered = assistant.answer("Hvor lenge må en sone i fengsel før bustøtta kan falle bort?")  # "meir enn seks månader"
    assert not answered.abstained and "seks" in answered.text
    now = assistant.answer("Hvor lenge må en sone i fengsel før bustøtta kan falle bort akkurat nå?")  # live figures
    assert now.abstained and now.reason == "live-data" and now.text.startswith("Kildene mine er faste utgaver")
    assert now.closest_sources
    market = assistant.answer("Hvilken bank gir best rente på lån til bustad for studentar?")  # the market's offers
    assert market.abstained and market.reason == "live-data" and "priser, tilbud eller åpningstider" in market.text
    in_kroner = assistant.answer("Hvor mange kroner kostet utkastelsene etter testleieloven?")  # the unit it asks in
    assert in_kroner.abstained and in_kroner.reason == ANSWER_TYPE
    assert in_kroner.text.startswith("Kildene mine handler om dette, men jeg finner ikke noe beløp")


def test_every_kind_of_value_has_a_name_in_the_refusal():
    from boligassistent.answering.refusals import VALUE_NAMES

    assert set(VALUE_NAMES) == {kind.value for kind in AnswerType} | {"money"}  # and the unit asked in kroner


def test_a_duration_question_is_not_answered_by_a_share_about_its_subject():
    idf = {"startlån": 3.0, "søknad": 1.0, "svar": 1.0}
    question = "Hvor lang tid tar det å få svar på søknad om startlån?"
    assert missing_value(question, ["Søknad om startlån krever fem prosent egenkapital."], idf) is AnswerType.DURATION
    assert missing_value(question, ["Svar på søknad om startlån kommer innen tre uker."], idf) is None


def test_the_heading_a_sentence_stands_under_names_its_subject():
    """A report says what it is about in the heading and goes on without repeating it."""
    question = "Hvor store er husene i Solbakken-prosjektet på Tromøya for rusavhengige personer?"
    idf = {t: 3.0 for t in analyze(question)}
    sentence = ["Videre er husene i seg selv relativt små, i overkant av 30 kvadratmeter."]
    assert missing_value(question, sentence, idf) is AnswerType.QUANTITY
    assert missing_value(question, sentence, idf, headings=["Solbakken-prosjektet på Tromøya – boliger for rusavhengige"]) is None
    assert missing_value(question, sentence, idf, headings=["Fotnoter"]) is AnswerType.QUANTITY


@pytest.mark.parametrize(("question", "completes"), [
    ("Kan de få tilbake senger og møbler uten å betale, og er det noen frist?", True),
    ("Mannen har ikke mat. Har han rett til noe hjelp, og hvor lenge?", True),
    ("Kan kommunen legge et påslag på lånet, og i så fall hvor mye?", True),
    ("Hvor mye kan kommunen legge på renta?", False),  # the value is all that is asked
    ("Når er søknadsfristen, og kan frivillige søke?", False),  # the value comes first
    ("Kan du si hvor mange og når?", False),
])
def test_a_value_asked_after_a_yes_no_question_completes_it(question, completes):
    from boligassistent.text.answer_types import value_completes_yes_no

    assert value_completes_yes_no(question) is completes


def test_a_yes_no_question_with_a_value_clause_is_not_declined_for_want_of_the_value():
    question = "Kan leietakeren hente innboet uten å betale, og er det noen frist?"
    idf = {t: 3.0 for t in analyze(question)}
    sentence = ["Leietakeren kan hente innboet uten å betale for lagring."]
    assert missing_value(question, sentence, idf) is None
    assert missing_value("Hvor lang frist har leietakeren til å hente innboet uten å betale?", sentence, idf) \
        is AnswerType.DURATION


def test_the_unit_and_period_of_the_value_asked_are_no_subject():
    """'63 kroner per måned' is not about 'Hvor mange kroner er rettsgebyret per måned?' for sharing 'kroner' and
    'per måned' with it."""
    question = "Hvor mange kroner er rettsgebyret per måned?"
    idf = {t: 3.0 for t in analyze(question)}
    assert missing_value(question, ["Minste utbetaling er 63 kroner per måned."], idf) is AnswerType.COUNT
    assert missing_value(question, ["Ett rettsgebyr er 1 277 kroner."], idf) is None
