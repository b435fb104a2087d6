"""Scope awareness: a question naming a law, regulation, body or place the corpus does not hold is declined by
name; the corpus's own laws in other forms (nynorsk/bokmål, abbreviations, 'forskrift om …') are in scope."""

from __future__ import annotations

import pytest

from boligassistent.answering.abstention import OUT_OF_SCOPE
from boligassistent.answering.refusals import refusal
from boligassistent.answering.scope import CorpusScope, ScopeConfig, topic_label
from boligassistent.retrieval.law_catalog import LawCatalog
from boligassistent.runtime import corpus_scope, create_assistant
from boligassistent.text.analyzer import analyze

DOCUMENTS = [
    {"doc_id": "lover/bustotte.md", "kind": "lov", "title": "Lov om bustøtte og kommunale bustadtilskot (bustøttelova)",
     "short_title": "bustøttelova", "meta": {"korttittel": "Bustøttelova"}},
    {"doc_id": "lover/husleie.xml", "kind": "lov", "title": "Lov om husleieavtaler (husleieloven)",
     "short_title": "husleieloven", "meta": {"titleShort": "Husleieloven – husll"}},
    {"doc_id": "lover/straff.md", "kind": "lov", "title": "Lov om gjennomføring av straff mv. (straffegjennomføringsloven)",
     "short_title": "straffegjennomføringsloven", "meta": {"korttittel": "Straffegjennomføringsloven – strgjfl"}},
    {"doc_id": "forskrifter/bustotte.md", "kind": "forskrift", "title": "Forskrift om bustøtte",
     "short_title": "Forskrift om bustøtte", "meta": {}},
    {"doc_id": "veiledning/startlan.html", "kind": "veiledning", "title": "Startlån – for deg som ikke får vanlig lån",
     "meta": {}},
]
VOCABULARY = {"bostøtt", "husbank", "nav", "oslo", "bergen", "møreforsking", "kristiansund"}


NAMES_ONLY = ScopeConfig(max_unknown_share=0)


def scope(config: ScopeConfig = NAMES_ONLY) -> CorpusScope:
    """The names checks alone by default (the tiny VOCABULARY would make most words unknown)."""
    return CorpusScope.from_documents(DOCUMENTS, LawCatalog.from_documents(DOCUMENTS), VOCABULARY.__contains__, config)


def test_a_question_about_words_the_corpus_never_uses_is_missing_them():
    words = ScopeConfig().max_unknown_share
    vocabulary = set(analyze("god bostøtte student husleie leie bolig oppskrift kommune")) | VOCABULARY
    check = CorpusScope.from_documents(DOCUMENTS, LawCatalog.from_documents(DOCUMENTS), vocabulary.__contains__)
    assert check.missing("Har du en god oppskrift på fiskesuppe?") == ("fiskesuppe",)
    assert check.missing("Kan en student få bostøtte til leie av bolig?") == ()
    # one unknown word among several known ones stays in scope (a typo, a rare synonym)
    assert words > 1 / 4 and check.missing("Kan en student få bostøtte til leie av hybelleilighet i kommunen?") == ()
    # a word common in the language names no topic the corpus lacks, though the corpus never uses it
    assert check.missing("student bostøtte maks?") == ()
    assert check.missing("student bostøtte fiskesuppe?") == ("fiskesuppe",)


@pytest.mark.parametrize(("question", "missing"), [
    ("hva sier plan- og bygningsloven om boliger for vanskeligstilte?", ("plan- og bygningsloven",)),
    ("gjelder arbeidsmiljølova for de ansatte i boligkontoret?", ("arbeidsmiljølova",)),
    ("kan utlendingsforskriften gi rett til bolig?", ("utlendingsforskriften",)),
    ("hva sier forskrift om kommunal saksbehandling om klage?", ("forskrift om kommunal saksbehandling",)),
    ("Kan Skatteetaten se bostøtten?", ("Skatteetaten",)),
    ("har forbrukerrådet en standard husleiekontrakt?", ("forbrukerrådet",)),  # a body in lowercase
    ("Hvordan setter jeg opp fraværsmelding i Outlook?", ("Outlook",)),
    ("Hvor mange bor i Kristiansand?", ("Kristiansand",)),  # a letter changed: another town than Kristiansund
    ("Hvor mange bor på Grünerløkka?", ("Grünerløkka",)),  # a name with a letter outside æøå is a name too
    ("Kva gjer kommunen i Kárášjohka?", ("Kárášjohka",)),  # … and one in Sámi
])
def test_names_outside_the_corpus_are_missing(question, missing):
    assert scope().missing(question) == missing


@pytest.mark.parametrize("question", [
    "hva sier bostøtteloven om studenter?",  # bokmål form of bustøttelova
    "etter husleielova kan utleier heve?",  # nynorsk form of husleieloven
    "hva sier husll. § 9-5?",  # the abbreviation next to a §
    "Er kriminalomsorgen pliktig å kontakte kommunen, jf. strgjfl. § 41?",  # an abbreviation ending in "l." is no
    # law's name cut short ("strgjfloven")
    "hva sier forskrift om bostøtte om inntekt?",  # the regulation by its subject
    "Kan NAV i Oslo gi startlån?",  # names the corpus mentions
    "Kan Husbanken og Kristiansand kommune samarbeide?",  # one known name keeps it in scope
    "Hva fant Møreforskning om boligsosialt arbeid?",  # a long corpus name with a letter added …
    "Hva fant Møreforsing om boligsosialt arbeid?",  # … or dropped
    "Har kommunen hjemmel i lov eller forskrift?",  # generic words
    "Hvor mange bostedsløse er det i byområdet?",  # an area ("-området"), not a council ("-rådet")
])
def test_the_corpus_laws_in_other_forms_and_known_names_are_in_scope(question):
    assert scope().missing(question) == ()


def test_the_refusal_names_what_is_missing_and_offers_the_closest_sources(unit_runtime):
    hits = unit_runtime.retriever.search("bustøtte for studentar", k=5).hits
    text, closest = refusal(OUT_OF_SCOPE, hits, 3, ("plan- og bygningsloven",))
    assert text.startswith("Jeg har ikke plan- og bygningsloven blant kildene mine") and closest


def test_topic_labels_come_from_the_documents():
    assert [topic_label(d) for d in DOCUMENTS] == ["bustøttelova", "husleieloven", "straffegjennomføringsloven",
                                                  "Forskrift om bustøtte", "Startlån"]
    assert scope().topics(["veiledning/startlan.html"], 2) == ["Startlån", "bustøttelova"]


@pytest.mark.parametrize("law", ["plan- og bygningsloven", "arbeidsmiljøloven", "skatteloven"])
def test_reference_corpus_declines_laws_it_does_not_hold(reference_runtime, law):
    answer = create_assistant(reference_runtime).answer(f"hva sier {law} om bostøtte til studenter?")
    assert answer.abstained and answer.reason == OUT_OF_SCOPE
    assert answer.text.startswith(f"Jeg har ikke {law} blant kildene mine") and answer.closest_sources


@pytest.mark.parametrize("question", ["hva sier bostøtteloven om studenter?", "hva sier husleielova om depositum?",
                                      "etter sosialtjenestelova § 27, hva er midlertidig botilbud?",
                                      "hva sier navloven om kontorets oppgaver?", "hva sier husll. § 9-5?",
                                      "gjelder forskrift om bostøtte for studenter?",
                                      "hva er boutgiftstaket i bostøtteforskriften?", "kva seier sosialtenestelova § 18?",
                                      "helse- og omsorgstenestelova § 3-2", "låneforskriften § 5",
                                      "kva kommune har ansvaret etter bustadsosiallova?"])
def test_reference_corpus_laws_in_other_forms_are_in_scope(reference_runtime, question):
    assert corpus_scope(reference_runtime).missing(question) == ()


def test_a_name_the_corpus_says_by_a_thesaurus_synonym_is_in_scope():
    """"KVP" is the kvalifiseringsprogram and "Fylkesmannen" the statsforvalter: not unknown names when the corpus
    uses the other word; a name with no synonym in the corpus still is."""
    vocabulary = VOCABULARY | set(analyze("kvalifiseringsprogrammet statsforvalteren deltaker syk bruke egenmelding klage"))
    check = CorpusScope.from_documents(DOCUMENTS, LawCatalog.from_documents(DOCUMENTS), vocabulary.__contains__)
    assert check.missing("Deltaker i KVP er syk. Kan hun bruke egenmelding?") == ()
    assert check.missing("Kan vi klage til Fylkesmannen?") == ()
    assert "Trygderetten" in check.missing("Kan vi klage til Trygderetten?")


def test_a_section_a_corpus_law_does_not_have_is_missing_by_law_and_number():
    """A question resting on "husleieloven § 9-12" (the act has no such §) is told so, not answered from another §;
    a law cited with several §§ is in scope when it has one of them."""
    sections = {("lover/husleie.xml", "§9-5"), ("lover/husleie.xml", "§9-6"), ("lover/bustotte.md", "§4"),
                ("forskrifter/bustotte.md", "§5-1")}
    check = CorpusScope.from_documents(DOCUMENTS, LawCatalog.from_documents(DOCUMENTS), VOCABULARY.__contains__,
                                       NAMES_ONLY, has_section=lambda doc, section: (doc, section) in sections)
    assert check.missing("Hva sier husleieloven § 9-12 om ny bolig etter utkastelse?") == ("husleieloven § 9-12",)
    assert check.missing("hva sier husll. § 9-5?") == ()
    assert check.missing("husleieloven §§ 9-5 og 9-13") == ()
    assert check.missing("bustøttelova § 4 og husleieloven") == ()
    assert check.missing("forskrift om bustøtte § 5") == ()  # § 5 of a regulation numbered by chapter: chapter 5
    assert check.missing("forskrift om bustøtte § 6") == ("Forskrift om bustøtte § 6",)
    # without a way to look sections up, none is checked
    assert scope().missing("Hva sier husleieloven § 9-12?") == ()


def test_a_quoted_term_with_a_word_the_corpus_never_uses_whole_is_missing():
    """«flyttetilskudd» is no scheme of the corpus, though it says both "flytte" and "tilskudd"; a quoted title the
    corpus holds is in scope, typed without æøå too."""
    vocabulary = VOCABULARY | set(analyze("flytte tilskudd unge boligsosialt arbeid organisering hva fant"))
    check = CorpusScope.from_documents(DOCUMENTS, LawCatalog.from_documents(DOCUMENTS), vocabulary.__contains__,
                                       NAMES_ONLY)
    assert check.missing("Hvor stort er Husbankens «flyttetilskudd» til unge?") == ("«flyttetilskudd»",)
    assert check.missing('Hvor stort er Husbankens "flyttetilskudd" til unge?') == ("«flyttetilskudd»",)
    assert check.missing("Hva fant «Boligsosialt arbeid og organisering»?") == ()
    assert check.missing("Hvor stort er Husbankens flyttetilskudd til unge?") == ()  # unquoted: the words rule's


def test_reference_corpus_declines_a_section_its_law_does_not_have(reference_runtime):
    answer = create_assistant(reference_runtime).answer(
        "Hva sier husleieloven § 9-12 om kommunens plikt til å skaffe ny bolig etter en utkastelse?")
    assert answer.abstained and answer.reason == OUT_OF_SCOPE
    assert answer.text.startswith("Jeg har ikke husleieloven § 9-12 blant kildene mine")


def test_reference_corpus_answers_that_a_repealed_section_is_repealed(reference_runtime):
    """A repealed § is in the corpus as its repeal note: asked whether it still applies, the answer quotes it."""
    answer = create_assistant(reference_runtime).answer("Gjelder hol. § 3-7 om boliger til vanskeligstilte fortsatt?")
    assert not answer.abstained
    assert "Opphevet ved lov 20 des 2022 nr. 121" in answer.text
    assert any(c.doc_id == "lover/lov-2011-06-24-30.md" and c.section.endswith("§ 3-7") for c in answer.citations)


def test_a_name_the_corpus_never_mentions_is_named_missing_once():
    vocabulary = VOCABULARY | set(analyze("kan brukeren kjøpe for sosialhjelpen"))
    check = CorpusScope.from_documents(DOCUMENTS, LawCatalog.from_documents(DOCUMENTS), vocabulary.__contains__)
    assert check.missing("Kan brukeren kjøpe ETF for sosialhjelpen?") == ("ETF",)
