"""Unit tier: the Norwegian analysis steps (lemmas, spelling variants, compounds, thesaurus), each on its own."""

from __future__ import annotations

import pytest

from boligassistent.text.analyzer import Analyzer, AnalyzerConfig, analyze, analyze_query, plain_tokens, synonyms
from boligassistent.text.compounds import decompose
from boligassistent.text.lemmas import lemma
from boligassistent.text.thesaurus import read_groups, with_synonyms
from boligassistent.text.variants import fold

NOTHING = AnalyzerConfig(lemmas=False, variants=False, compounds=False, stems=False, thesaurus=False)


def test_question_words_and_stopwords_drop_out_numbers_stay_whole():
    assert analyze("hvor hvilken hva kan") == []
    assert analyze("Kva er dei?") == []
    assert analyze("ifølge rapporten") == analyze("rapporten")  # "according to" is a function word
    assert "73,7" in plain_tokens("73,7 prosent") and "9-3a" in plain_tokens("§ 9-3a")
    assert analyze("§ 9-3a gjelder 73,7 prosent")[:2] == ["9-3a", "73,7"]


@pytest.mark.parametrize(("inflected", "base"), [
    ("leiligheten", "leilighet"), ("leietakeren", "leietaker"), ("opplysninger", "opplysning"),
    ("oppsigelsesfristen", "oppsigelsesfrist"), ("bustøtta", "bustøtte"), ("studenter", "student"),
    ("Ålesund", "ålesund"),  # names come back lowercase
])
def test_lemmas_from_bokmal_and_nynorsk(inflected, base):
    assert lemma(inflected.lower()) == base


@pytest.mark.parametrize(("variant", "standard"), [
    ("framleie", "fremleie"), ("framleige", "fremleie"), ("utleigar", "utleier"), ("eigar", "eier"),
    ("søkjar", "søker"), ("ikkje", "ikke"), ("moglegheit", "mulighet"), ("teneste", "tjeneste"),
    ("leggje", "legge"), ("tenkje", "tenke"), ("byggje", "bygge"),
    ("bustøtte", "bostøtte"), ("buutgift", "boutgift"), ("teieplikt", "taushetsplikt"), ("kva", "hva"),
    ("bustad", "bolig"), ("heimel", "hjemmel"), ("tilbod", "tilbud"), ("butilbod", "botilbud"), ("forbod", "forbud"),
    ("påbod", "påbud"), ("tilskot", "tilskudd"), ("forskot", "forskudd"), ("underskot", "underskudd"),
])
def test_spelling_variants_fold_to_one_form(variant, standard):
    assert fold(variant) == fold(standard) == standard


@pytest.mark.parametrize(("nynorsk", "bokmal"), [("kartleggjast", "kartlegges"), ("søkja", "søke"),
                                                ("søkjast", "søkes"), ("leggjast", "legges"),
                                                ("buande", "boende"), ("budde", "bodde"),
                                                # everyday words a bokmål text says otherwise
                                                ("hausten", "høsten"), ("gøymde", "gjemte"), ("straumen", "strømmen"),
                                                ("månaden", "måneden"), ("auka", "økte"), ("sumaren", "sommeren")])
def test_nynorsk_gj_and_kj_forms_are_their_bokmal_words(nynorsk, bokmal):
    assert analyze(nynorsk) == analyze(bokmal)


@pytest.mark.parametrize(("accented", "plain"), [("Napoléon", "Napoleon"), ("kafé", "kafe"), ("idéen", "ideen"),
                                                ("Müller", "Muller"), ("smörgås", "smørgås"), ("Zürich", "Zurich")])
def test_accents_are_folded_on_both_sides(accented, plain):
    assert analyze(accented) == analyze(plain)
    assert analyze_query(accented) == analyze_query(plain)


@pytest.mark.parametrize(("word", "other"), [("bør", "bor"), ("gå", "ga"), ("ære", "are"), ("søker", "soker")])
def test_norwegian_letters_are_letters_not_accents(word, other):
    assert analyze(word) != analyze(other)


def test_variant_rules_leave_ordinary_bokmal_alone():
    for word in ("leie", "leietaker", "eier", "kommune", "frist", "bolig", "søker", "bod", "sportsbod", "skot"):
        assert fold(word) == word


@pytest.mark.parametrize(("word", "parts"), [
    ("oppsigelsestid", ("oppsigelse", "tid")), ("oppsigelsesfrist", ("oppsigelse", "frist")),
    ("husleieøkning", ("husleie", "økning")), ("fengselsstraff", ("fengsel", "straff")),
    ("personopplysning", ("person", "opplysning")), ("depositumskonto", ("depositum", "konto")),
])
def test_compounds_split_into_dictionary_words_with_linking_letters(word, parts):
    assert decompose(word) == parts


@pytest.mark.parametrize("word", ["leietaker", "konsekvens", "midlertidig", "kommune", "evaluering", "bostøtte"])
def test_common_words_with_rare_parts_stay_whole(word):
    assert decompose(word) == (word,)


@pytest.mark.parametrize(("nynorsk", "bokmal"), [
    ("bustadtiltak", "boligtiltak"), ("bustadsosialt", "boligsosialt"), ("utleigebustad", "utleiebolig"),
])
def test_a_compounds_parts_take_the_one_spelling_and_so_does_the_whole(nynorsk, bokmal):
    """"bustad" alone is "bolig"; inside a compound too, so the nynorsk compound is the bokmål one."""
    assert analyze(nynorsk) == analyze(bokmal)
    assert analyze(nynorsk) != Analyzer(AnalyzerConfig(variants=False)).analyze(nynorsk)


def test_documents_index_the_whole_compound_and_its_parts():
    tokens = analyze("Oppsigelsesfristen er tre måneder.")
    whole, *parts = Analyzer().words("oppsigelsesfristen")[0]
    assert whole in tokens and parts and all(p in tokens for p in parts)


def test_query_searches_a_compound_whole_when_the_index_knows_it_and_by_parts_when_not():
    words = Analyzer().words("oppsigelsestid")[0]
    assert analyze_query("oppsigelsestid", known=lambda keys: set(keys))[0] == words[0]
    unknown = analyze_query("oppsigelsestid", known=lambda keys: set())
    assert words[0] not in unknown and all(p in unknown for p in words[1:])
    # and the part it shares with "oppsigelsesfrist" is what a law text holds
    assert set(unknown) & set(analyze("oppsigelsesfrist"))


def test_an_unknown_compound_with_a_synonym_in_the_index_is_searched_by_the_synonym_not_its_parts():
    """'oppsigelsestid' (not in the law) has the thesaurus synonym 'oppsigelsesfrist' (in the law): the synonym stands
    for it, and the parts 'oppsigelse' + 'tid', which match every termination and every time limit, are left out."""
    tid, frist = Analyzer().words("oppsigelsestid")[0], Analyzer().words("oppsigelsesfrist")[0]
    index = {frist[0], *frist[1:], *tid[1:]}
    terms = analyze_query("Hvilken oppsigelsestid gjelder?", known=lambda keys: {k for k in keys if k in index})
    assert frist[0] in terms and tid[0] not in terms and not set(tid[1:]) & set(terms)
    kept = Analyzer(AnalyzerConfig(synonym_for_parts=False)).analyze_query(
        "Hvilken oppsigelsestid gjelder?", known=lambda keys: {k for k in keys if k in index})
    assert frist[0] in kept and set(tid[1:]) <= set(kept)


def test_each_step_can_be_switched_off():
    plain = Analyzer(NOTHING)
    assert plain.analyze("Leiligheten") == ["leiligheten"]
    assert Analyzer(AnalyzerConfig(compounds=False)).analyze("husleieøkning") == [analyze("husleieøkning")[0]]


GROUPS = read_groups()


@pytest.mark.parametrize(("members", "broader"), GROUPS, ids=[" | ".join(m) for m, _ in GROUPS])
def test_thesaurus_group_expands_each_member_to_the_others(members, broader):
    """Every member searches every other member and the broader terms; a broader term never widens back; and
    no member is already equal to another by analysis alone (that entry would be dead weight)."""
    analyzer = Analyzer()
    plain = Analyzer(AnalyzerConfig(thesaurus=False))
    keys = {m: tuple(w[0] for w in analyzer.words(m)) for m in members + broader}
    assert len(set(keys.values())) == len(keys), f"members equal after analysis: {keys}"
    for member in members:
        expanded = set(analyzer.analyze_query(member))
        for other in members + broader:
            assert set(keys[other]) <= expanded, (member, other)
    for broad in broader:
        assert set(analyzer.analyze_query(broad)) == set(plain.analyze_query(broad))


def test_thesaurus_never_changes_document_analysis():
    assert analyze("Leietaker kan fremleie deler av leiligheten.") == Analyzer(
        AnalyzerConfig(thesaurus=False)).analyze("Leietaker kan fremleie deler av leiligheten.")


def test_a_question_term_is_found_where_a_text_says_its_synonym_and_a_phrase_needs_all_its_words():
    """The evidence and the sentence choice read a question with the thesaurus retrieval searched with: the
    question's "sosialhjelp" is in a text that says "økonomisk stønad", but not in one that says only "stønad"."""
    same = synonyms("Kva er økonomisk sosialhjelp?")
    sosialhjelp = analyze("sosialhjelp")
    assert set(sosialhjelp) <= with_synonyms(set(analyze("De har krav på økonomisk stønad.")), same)
    assert not set(sosialhjelp) & with_synonyms(set(analyze("Stønaden gis som lån.")), same)
    # broader terms widen one way only: a "leilighet" is a "bolig", a "bolig" need not be a "leilighet"
    leilighet = analyze("leilighet")[0]
    assert leilighet in with_synonyms(set(analyze("Leier av bolig kan framleie.")), synonyms("Kan jeg fremleie leiligheten?"))
    assert analyze("bolig")[0] not in with_synonyms(set(analyze("Leiligheten er liten.")), synonyms("Kan jeg leie ut boligen?"))
    assert synonyms("Hva er klokka?") == {} and Analyzer(AnalyzerConfig(thesaurus=False)).synonyms("sosialhjelp") == {}
