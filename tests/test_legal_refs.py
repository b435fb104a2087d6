"""Unit tier: law references in questions (parser, catalog), the legal arm ("named law + § is rank 1") and the
scope rule (a named law the corpus does not hold is declined, with its name)."""

from __future__ import annotations

import dataclasses

import pytest

from boligassistent.answering.assistant import Assistant
from boligassistent.answering.backends.extractive import ExtractiveBackend
from boligassistent.answering.followup import FollowUpCondenser
from boligassistent.answering.scope import CorpusScope, ScopeConfig
from boligassistent.retrieval.arms.base import ArmQuery
from boligassistent.retrieval.arms.legal import LegalArm
from boligassistent.retrieval.law_catalog import LawCatalog
from boligassistent.retrieval.store import SearchFilters
from boligassistent.runtime import abstention_policy, corpus_scope
from boligassistent.text.legal_refs import (
    Citation,
    citation_near,
    common_abbreviations,
    in_chapter,
    law_key,
    law_names,
    section_id,
)

pytestmark = pytest.mark.unit

TESTLOVA = "lover/testlova.md"
TESTLEIELOVEN = "lovdata-xml/testleieloven.xml"
DOCUMENTS = [
    {"doc_id": TESTLOVA, "kind": "lov", "title": "Lov om bustøtte til testing (testlova)", "short_title": "testlova",
     "meta": {"korttittel": "Testlova"}},
    {"doc_id": TESTLEIELOVEN, "kind": "lov", "title": "Lov om leie av testbolig (testleieloven)",
     "short_title": "testleieloven", "meta": {"titleShort": "Testleieloven – tll"}},
    {"doc_id": "forskrifter/testforskrift.md", "kind": "forskrift", "title": "Forskrift om testtilskudd",
     "short_title": "Forskrift om testtilskudd", "meta": {"korttittel": "Forskrift om testtilskudd – ftt"}},
    {"doc_id": "veiledning/x.html", "kind": "veiledning", "title": "Veileder om testloven (testloven)", "meta": {}},
]
CATALOG = LawCatalog.from_documents(DOCUMENTS)


def _cited(question: str) -> list[tuple[str, Citation]]:
    return [(r.doc_id, r.citation) for r in CATALOG.references(question)]


def _citation_after(text: str) -> Citation:
    return citation_near(text, 0, 0)


@pytest.mark.parametrize(("text", "sections", "chapter"), [
    (" § 4", ("§4",), None),
    (" §4", ("§4",), None),
    (" § 13 b om taushetsplikt", ("§13b",), None),
    (" §13b", ("§13b",), None),
    (" §§ 7-3 og 7-4", ("§7-3", "§7-4"), None),
    (" § 7-3 og § 7-4", ("§7-3", "§7-4"), None),
    (" § 9–6", ("§9-6",), None),
    (" paragraf 4 i loven", ("§4",), None),
    (" kapittel 9", (), "9"),
    (" kap. 9", (), "9"),
    (" kapittel IX", (), "9"),
    (" kapittel 9 § 9-6", ("§9-6",), "9"),
    (" § 4 i forskriften", ("§4",), None),  # "i" is not a letter suffix
    (" om bustøtte", (), None),
    # a section number without the § sign: a chapter-section number, or a plain one the sentence or "ledd" follows
    (" 11a)?", ("§11a",), None),
    (". 13-6", ("§13-6",), None),
    (" 9-6 sier om oppsigelse", ("§9-6",), None),
    (" 27?", ("§27",), None),
    (" 27 første ledd", ("§27",), None),
    (" 27 - hva plikter NAV?", ("§27",), None),  # a clause ends at a dash between spaces
    (" 27 – hva plikter NAV?", ("§27",), None),
    (" 3 ganger", (), None),  # a count, not a section
    (" 3 -gangers", (), None),
    (" 2024", (), None),  # a year
    (" 1999-utgaven", (), None),
])
def test_citation_after_a_name(text, sections, chapter):
    assert _citation_after(text) == Citation(sections=sections, chapter=chapter)


def test_citation_before_a_name():
    text = "Hva står i §§ 7-3 og 7-4 i husleieloven?"
    start = text.index("husleieloven")
    assert citation_near(text, start, start + len("husleieloven")).sections == ("§7-3", "§7-4")


def test_section_ids_and_chapters_match_the_loaders():
    assert section_id("13 b") == "§13b" and section_id("7–3") == "§7-3"
    assert in_chapter(["Kapittel III. Almindelige regler", "§ 13 b. (…)"], "3")
    assert in_chapter(["Kapittel 1 Alminnelige bestemmelser", "§ 1"], "1")
    assert not in_chapter(["Kapittel 10. Noe annet", "§ 10-1"], "1")


@pytest.mark.parametrize(("question", "expected"), [
    ("Hva sier testlova § 2?", [(TESTLOVA, Citation(sections=("§2",)))]),  # short title
    ("hva sier Testlova §2", [(TESTLOVA, Citation(sections=("§2",)))]),
    ("Gjelder testloven § 3 ved soning?", [(TESTLOVA, Citation(sections=("§3",)))]),  # bokmål form of a nynorsk name
    ("Hva sier testleielova § 9-9?", [(TESTLEIELOVEN, Citation(sections=("§9-9",)))]),  # nynorsk form
    ("testlovas § 1", [(TESTLOVA, Citation(sections=("§1",)))]),  # genitive
    ("Etter testleielovens § 9-3 a kan utleier si opp", [(TESTLEIELOVEN, Citation(sections=("§9-3a",)))]),
    ("tll. § 9-9", [(TESTLEIELOVEN, Citation(sections=("§9-9",)))]),  # abbreviation with a dot
    ("tll § 9-9", [(TESTLEIELOVEN, Citation(sections=("§9-9",)))]),  # … and without
    ("TLL § 9-9", [(TESTLEIELOVEN, Citation(sections=("§9-9",)))]),
    ("Lov om leie av testbolig § 9-9", [(TESTLEIELOVEN, Citation(sections=("§9-9",)))]),  # full title
    ("forskrift om testtilskudd § 5", [("forskrifter/testforskrift.md", Citation(sections=("§5",)))]),
    ("Hva står i forskriften om testtilskudd?", [("forskrifter/testforskrift.md", Citation())]),
    ("testleieloven kapittel 9", [(TESTLEIELOVEN, Citation(chapter="9"))]),
    ("paragraf 2 i testlova", [(TESTLOVA, Citation(sections=("§2",)))]),
    ("Hva sier testlova om studentar?", [(TESTLOVA, Citation())]),  # named without a §: boost
    ("tll om heving", [(TESTLEIELOVEN, Citation())]),  # an abbreviation that is no word names its law alone
    ("Hva sier tll. om heving?", [(TESTLEIELOVEN, Citation())]),
    ("tll 9-9", [(TESTLEIELOVEN, Citation(sections=("§9-9",)))]),  # a section number without §
    ("(tll 9-3a)?", [(TESTLEIELOVEN, Citation(sections=("§9-3a",)))]),
    ("Hva sier testleieloven 9-9 om heving?", [(TESTLEIELOVEN, Citation(sections=("§9-9",)))]),
    ("testleiel. 9-9", [(TESTLEIELOVEN, Citation(sections=("§9-9",)))]),  # a name cut short before "l."
    ("testleiel. § 9-9", [(TESTLEIELOVEN, Citation(sections=("§9-9",)))]),
    ("testleiel. om heving", []),  # … only next to a section
    ("Har testlova 3 grunnvilkår?", [(TESTLOVA, Citation())]),  # a count after a name is no section
    ("Hva sier loven om studenter?", []),
])
def test_catalog_finds_named_laws(question, expected):
    assert _cited(question) == expected


def test_catalog_name_forms_come_from_the_metadata():
    assert {"testlova", "testloven", "testlov", "testleieloven", "testleielova", "lov om leie av testbolig",
            "forskrift om testtilskudd", "forskriften om testtilskudd"} <= set(CATALOG.names)
    assert CATALOG.abbreviations == {"tll": TESTLEIELOVEN, "ftt": "forskrifter/testforskrift.md"}
    assert "testloven" in CATALOG.names and CATALOG.names["testloven"] == TESTLOVA  # guidance titles are no laws


@pytest.mark.parametrize(("text", "names"), [
    ("Hva sier plan- og bygningsloven § 12-1?", ["plan- og bygningsloven"]),
    ("skatteloven og arbeidsmiljølova", ["skatteloven", "arbeidsmiljølova"]),
    ("Etter Grunnlovens § 100", ["grunnloven"]),
    ("tilskuddsforskriften", ["tilskuddsforskriften"]),
    ("Har kommunen hjemmel i loven eller i en forskrift?", []),
    ("lov og forskrift", []),
    ("endringsloven trådte i kraft", []),
])
def test_law_names_by_form(text, names):
    assert [span.name for span in law_names(text)] == names


@pytest.mark.parametrize(("first", "second"), [
    ("bostøtteloven", "bustøttelova"),  # bokmål/nynorsk stem and ending
    ("sosialtenestelova", "sosialtjenesteloven"),  # nynorsk "teneste" inside the word
    ("helse- og omsorgstenestelova", "helse- og omsorgstjenesteloven"),
    ("husleigelova", "husleieloven"),
    ("bustadsosiallova", "boligsosialloven"),  # a compound's nynorsk part ("bustad" is "bolig")
    ("barnevernlova", "barnevernsloven"),  # without the joining s
    ("Nav-loven", "navlova"),
    ("bustøtteforskrifta", "bostøtteforskriften"),
])
def test_law_key_is_one_for_the_spellings_of_a_name(first, second):
    assert law_key(first) == law_key(second)


@pytest.mark.parametrize(("first", "second"), [
    ("bostøtteloven", "bostøtteforskriften"),  # an act is not its regulation
    ("plan- og bygningsloven", "bygningsloven"),
    ("arbeidsmiljøloven", "arbeidsmarkedsloven"),
])
def test_law_key_keeps_different_names_apart(first, second):
    assert law_key(first) != law_key(second)


# Regulations named after their subject, as caseworkers call them: "bustøtteforskrifta" for "Forskrift om bustøtte".
REGULATIONS = LawCatalog.from_documents([
    {"doc_id": "forskrifter/bustotte.md", "kind": "forskrift", "title": "Forskrift om bustøtte", "meta": {}},
    {"doc_id": "forskrifter/lan.md", "kind": "forskrift", "title": "Forskrift om lån fra Husbanken", "meta": {}},
    {"doc_id": "forskrifter/kvp.md", "kind": "forskrift", "title": "Forskrift om kvalifiseringsprogram og "
     "kvalifiseringsstønad", "meta": {}},
    {"doc_id": "forskrifter/t1.md", "kind": "forskrift", "title": "Forskrift om tilskudd til boligtiltak", "meta": {}},
    {"doc_id": "forskrifter/t2.md", "kind": "forskrift", "title": "Forskrift om tilskudd til utleieboliger", "meta": {}},
])


@pytest.mark.parametrize(("question", "expected"), [
    ("Hva sier bostøtteforskriften § 2?", [("forskrifter/bustotte.md", ("§2",))]),  # bokmål name, nynorsk title
    ("bustøtteforskrifta § 2", [("forskrifter/bustotte.md", ("§2",))]),
    ("forskrift om bostøtte § 3", [("forskrifter/bustotte.md", ("§3",))]),  # the subject in the other spelling
    ("låneforskriften § 5", [("forskrifter/lan.md", ("§5",))]),  # a joining e
    ("kvalifiseringsforskriften § 3", [("forskrifter/kvp.md", ("§3",))]),  # the start of the subject word
    ("tilskuddsforskriften § 3", []),  # two regulations have that subject: named, but not which one
])
def test_regulations_by_their_subject(question, expected):
    assert [(r.doc_id, r.citation.sections) for r in REGULATIONS.references(question)] == expected


def test_a_regulation_by_its_subject_is_no_unknown_name():
    assert REGULATIONS.unknown_names("tilskuddsforskriften og bustøtteforskrifta") == []
    assert REGULATIONS.unknown_names("utlendingsforskriften § 3") == ["utlendingsforskriften"]
    assert REGULATIONS.unknown_names("helseforskriften") == ["helseforskriften"]  # no regulation's subject


def test_unknown_names_are_the_laws_not_in_the_corpus():
    assert CATALOG.unknown_names("Gjelder plan- og bygningsloven eller testlova her?") == ["plan- og bygningsloven"]
    assert CATALOG.unknown_names("testleielovens § 9-9") == []


@pytest.mark.parametrize("typo", ["testleielovn", "tstleieloven", "tesstleieloven", "testlleielova"])
def test_a_long_law_name_with_a_letter_dropped_added_or_doubled_is_that_law(typo):
    assert CATALOG.unknown_names(f"Gjelder {typo} her?") == []
    assert CATALOG.documents_named(typo) == {TESTLEIELOVEN}


def test_a_letter_changed_or_a_short_name_is_another_law():
    assert CATALOG.unknown_names("Gjelder testbeieloven her?") == ["testbeieloven"]  # substituted: another name
    assert CATALOG.unknown_names("Gjelder testtlova her?") == ["testtlova"]  # too short to tell a typo


# Real names, for the common abbreviations (text/data/law_abbreviations.tsv) that the metadata does not give.
REAL = LawCatalog.from_documents([
    {"doc_id": "lover/sotjl.md", "kind": "lov", "short_title": "sosialtjenesteloven",
     "title": "Lov om sosiale tjenester i arbeids- og velferdsforvaltningen (sosialtjenesteloven)",
     "meta": {"korttittel": "Sosialtjenesteloven – sotjl"}},
    {"doc_id": "lover/bvl.md", "kind": "lov", "short_title": "barnevernsloven", "title": "Lov om barnevern (barnevernsloven)",
     "meta": {}},
    {"doc_id": "lover/hol.md", "kind": "lov", "short_title": "helse- og omsorgstjenesteloven",
     "title": "Lov om kommunale helse- og omsorgstjenester m.m. (helse- og omsorgstjenesteloven)",
     "meta": {"korttittel": "Helse- og omsorgstjenesteloven – hol"}},
])


@pytest.mark.parametrize(("question", "expected"), [
    ("Bor han fortsatt i Hol?", []),  # "hol" is a word (and a kommune): only next to a §
    ("Gjelder hol § 3-2 her?", [("lover/hol.md", ("§3-2",))]),
    ("Kan hun få hjelp etter hotjl?", [("lover/hol.md", ())]),
])
def test_an_abbreviation_that_is_a_word_names_its_law_only_next_to_a_section(question, expected):
    assert [(r.doc_id, r.citation.sections) for r in REAL.references(question)] == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("Har kommunen plikt til å skaffe noko, jf. stl § 27?", [("lover/sotjl.md", ("§27",))]),  # common abbreviation
    ("sotjl 27?", [("lover/sotjl.md", ("§27",))]),  # the metadata's abbreviation, without §
    ("Hva sier sosialtjenestel. § 27?", [("lover/sotjl.md", ("§27",))]),  # cut short
    ("Kan tiltak etter bvl 3-6 fortsette?", [("lover/bvl.md", ("§3-6",))]),
    ("barnevernl. § 3-6", [("lover/bvl.md", ("§3-6",))]),  # cut short, without the joining s
    ("klagefrist stl enkeltvedtak", [("lover/sotjl.md", ())]),  # no word of the language: names its law alone
    ("maks depositum sotjl.?", [("lover/sotjl.md", ())]),
])
def test_common_abbreviations_and_cut_short_names_of_corpus_laws(question, expected):
    assert [(r.doc_id, r.citation.sections) for r in REAL.references(question)] == expected


@pytest.mark.parametrize(("question", "missing"), [
    ("Hva sier pbl § 20-1 om bruksendring?", ["plan- og bygningsloven"]),  # abbreviation of a law the corpus lacks
    ("Gjelder aml. § 15-8 her?", ["arbeidsmiljøloven"]),
    ("Hva sier straffel. § 321?", ["straffeloven"]),  # cut short
    ("pbl 20-1", []),  # a law outside the corpus is read from an abbreviation only next to a § sign
    ("Se eksempel. 3 viser dette", []),
    ("stl § 27", []),  # in the corpus
])
def test_abbreviations_of_laws_outside_the_corpus_are_named(question, missing):
    assert REAL.unknown_names(question) == missing


def test_the_abbreviation_table_names_laws_by_their_form():
    table = common_abbreviations()
    assert table["stl"] == "sosialtjenesteloven" and table["pbl"] == "plan- og bygningsloven"
    for abbreviation, name in table.items():
        spans = law_names(name)  # every entry is a law's name ("psykisk helsevernloven": its last word is)
        assert len(spans) == 1 and name.endswith(spans[0].name), name
        assert abbreviation.isalpha() and abbreviation.islower() and len(abbreviation) <= 15


# --- the arm, through the hybrid retriever ------------------------------------------------------------------------

def _law_doc(runtime, name: str) -> str:
    return next(d["doc_id"] for d in runtime.index.documents() if d.get("short_title") == name)


@pytest.mark.parametrize(("question", "short_title", "section"), [
    ("Hva sier testlova § 3?", "testlova", "§3"),
    ("hva står i testloven §1", "testlova", "§1"),
    ("tll. § 9-3 a", "testleieloven", "§9-3a"),
    ("Når kan utleier heve etter testleielova § 9-9?", "testleieloven", "§9-9"),
    ("Kan utleier heve avtalen (tll 9-9)?", "testleieloven", "§9-9"),  # no § sign
    ("hva sier testleiel. 9-3 a", "testleieloven", "§9-3a"),  # a name cut short
])
def test_named_law_and_section_is_rank_1(unit_runtime, question, short_title, section):
    hit = unit_runtime.retriever.search(question, k=5).hits[0]
    assert (hit.chunk.doc_id, hit.chunk.section_id) == (_law_doc(unit_runtime, short_title), section)
    assert "legal" in hit.arms


def test_named_chapter_returns_its_sections(unit_runtime):
    doc = _law_doc(unit_runtime, "testlova")
    arm = LegalArm(unit_runtime.index, unit_runtime.catalog)
    found = arm.search(ArmQuery(text="testlova kapittel 2", filters=SearchFilters(), n=10))
    assert {(c.chunk.doc_id, c.chunk.section_id) for c in found} == {(doc, "§3")}


def test_named_law_without_section_boosts_what_the_other_arms_found(unit_runtime):
    doc = _law_doc(unit_runtime, "testlova")
    result = unit_runtime.retriever.search("Hva sier testlova om studentar og bustøtte?", k=5)
    assert result.hits[0].chunk.doc_id == doc
    legal = [h for h in result.hits if "legal" in h.arms]
    assert legal and all(h.chunk.doc_id == doc and len(h.arms) > 1 for h in legal)  # never new text


def test_legal_sections_by_citation_on_the_embedded_store(unit_runtime):
    doc = _law_doc(unit_runtime, "testleieloven")
    found = unit_runtime.index.legal_sections(doc, ["§9-3a", "§9-9"], None, 10)
    assert [c.chunk.section_id for c in found][0] == "§9-3a" and {c.chunk.section_id for c in found} == {"§9-3a", "§9-9"}
    assert unit_runtime.index.legal_sections(doc, ["§99"], None, 10) == []


# --- scope ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("law", ["plan- og bygningsloven", "skatteloven", "arbeidsmiljølova"])
def test_a_law_outside_the_corpus_is_declined_by_name(unit_runtime, law):
    assistant = Assistant(unit_runtime.retriever, unit_runtime.index, abstention_policy(unit_runtime), [ExtractiveBackend()],
                          FollowUpCondenser())
    answer = assistant.answer(f"hva sier {law} om bustøtte for studentar?")
    assert answer.abstained and answer.reason == "out-of-scope"
    assert answer.text.startswith(f"Jeg har ikke {law} blant kildene mine")
    assert answer.closest_sources  # followed by the closest sources in scope


def test_a_law_outside_the_corpus_named_by_its_abbreviation_is_declined_by_its_name(unit_runtime):
    assistant = Assistant(unit_runtime.retriever, unit_runtime.index, abstention_policy(unit_runtime), [ExtractiveBackend()],
                          FollowUpCondenser())
    answer = assistant.answer("Hva sier pbl § 20-1 om bustøtte for studentar?")
    assert answer.abstained and answer.reason == "out-of-scope"
    assert answer.text.startswith("Jeg har ikke plan- og bygningsloven blant kildene mine")  # not "… eller pbl"


@pytest.mark.parametrize("question", ["hva sier testlova § 2 om studentar?", "kan studentar få bustøtte etter loven?",
                                      "Har kommunen hjemmel i lov eller forskrift?"])
def test_laws_in_the_corpus_and_generic_words_are_in_scope(unit_runtime, question):
    assert corpus_scope(unit_runtime).missing_laws(question) == []


def test_scope_rule_is_off_without_laws_in_the_corpus_or_when_configured():
    news = [{"doc_id": "a.md", "kind": "rapport", "title": "Nyheter", "meta": {}}]
    empty = LawCatalog.from_documents(news)
    assert not CorpusScope.from_documents(news, empty, lambda term: True).missing_laws("straffelovens paragraf 264")
    off = CorpusScope.from_documents(DOCUMENTS, CATALOG, lambda term: True, ScopeConfig(check_laws=False))
    assert not off.missing_laws("hva sier skatteloven?")
    assert CorpusScope.from_documents(DOCUMENTS, CATALOG, lambda term: True).missing_laws("hva sier skatteloven?")


# --- a cited § that retrieval puts first is answered -------------------------------------------------------------

@pytest.mark.parametrize(("switch", "abstains"), [(True, False), (False, True)])
def test_a_question_citing_a_section_that_is_the_top_hit_is_answered(unit_runtime, switch, abstains):
    # the model is made to decline everything: only the cited § rule can let a question through
    runtime = unit_runtime
    settings = runtime.settings.model_copy(update={"abstain_threshold": 0.0, "abstain_answer_cited_section": switch})
    policy = abstention_policy(dataclasses.replace(runtime, settings=settings))
    assistant = Assistant(runtime.retriever, runtime.index, policy, [ExtractiveBackend()], FollowUpCondenser())
    answer = assistant.answer("Brukaren sonar no. Kva seier testlova § 3 om dette?")
    assert answer.abstained is abstains
    if not abstains:
        assert answer.citations[0].section.endswith("§ 3")
    assert assistant.answer("Kva seier testlova om studentar?").abstained  # a law named without a §: the model decides


@pytest.mark.parametrize(("question", "spelt"), [
    ("klagefrist fvl enkeltvedtak", "klagefrist fvl enkeltvedtak"),  # forvaltningsloven is not in this catalog
    ("Har kommunen plikt, jf. stl § 27?", "Har kommunen plikt, jf. sosialtjenesteloven § 27?"),
    ("maks stønad sotjl.?", "maks stønad sosialtjenesteloven?"),
    ("bvl 3-6", "barnevernsloven 3-6"),
    ("Gjelder hol § 3-2 her?", "Gjelder helse- og omsorgstjenesteloven § 3-2 her?"),
    ("Bor han fortsatt i Hol?", "Bor han fortsatt i Hol?"),  # a word: no abbreviation here
    ("sosialtjenesteloven § 27", "sosialtjenesteloven § 27"),  # a name stays
])
def test_an_abbreviation_is_spelt_out_as_its_acts_longest_name(question, spelt):
    assert REAL.spell_out(question) == spelt
    assert [(r.doc_id, r.citation) for r in REAL.references(REAL.spell_out(question))] == \
        [(r.doc_id, r.citation) for r in REAL.references(question)]
