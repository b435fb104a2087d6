"""Typo tolerance: a misspelt query word is searched as the index term it stands for, conservatively (`text.spelling`,
`Analyzer.correction`), and a corrected typo counts as a word the corpus uses in the scope rule."""

from __future__ import annotations

from boligassistent.answering.scope import CorpusScope
from boligassistent.retrieval.law_catalog import LawCatalog
from boligassistent.text.analyzer import Analyzer, AnalyzerConfig, analyze, analyze_query, question_terms
from boligassistent.text.spelling import Speller, SpellingConfig

# index terms with their document frequencies, as `IndexStore.term_frequencies` gives them
VOCABULARY = {term: 5 for term in analyze("godkjente boutgifter bostøtte egenandel differanse utbetalt student")}


def speller(extra: dict[str, int] | None = None) -> Speller:
    return Speller({**VOCABULARY, **(extra or {})})


def test_a_misspelt_key_is_corrected_to_the_nearest_then_most_frequent_term():
    assert speller().correct("boutgiftr") == "boutgift"
    assert speller().correct("butgift") == "boutgift"  # one letter missing
    assert speller().correct("boutgfit") == "boutgift"  # two letters swapped: one edit
    # equally near: the more frequent wins; nearer beats more frequent
    assert Speller({"stuepike": 2, "stuepuke": 9}).correct("stuepoke") == "stuepuke"
    assert Speller({"stuepike": 2, "stuepikene": 90}).correct("stuepikr") == "stuepike"


def test_corrections_stay_narrow():
    config = SpellingConfig()
    assert speller().correct("boutgift") is None  # known: nothing to correct
    assert speller({"bolig": 9}).correct("bolog") == "bolig"  # 5 letters: one edit
    assert speller({"bolig": 9}).correct("baleg") is None  # …not two
    assert len("bolig") >= config.min_length and speller({"hus": 9}).correct("hos") is None  # short words never
    assert speller().correct("poutgift") is None  # the first letter must match
    assert speller().correct("bxxtgift") is None  # too far
    assert speller().correct("9-6") is None


def test_a_word_typed_without_the_norwegian_letters_is_the_term_it_spells():
    spell = speller({"økonomi": 4, "søknad": 7, "saknad": 1})  # VOCABULARY holds bostøtte's key
    assert spell.correct("okonomi") == "økonomi"  # ø as o, even as the first letter
    assert spell.correct("oekonomi") == "økonomi"  # ø as oe
    key = analyze("bostøtte")[0]  # the speller works on analyzer keys: "bostott" is how "bostotte" is analysed
    assert spell.correct(analyze("bostotte")[0]) == spell.correct(analyze("bostoette")[0]) == key
    assert spell.correct("soknad") == "søknad"  # å/ø folded alike: the most frequent term wins
    assert spell.correct("økonomi") is None  # known: nothing to correct
    assert spell.correct("okon") is None  # short keys stay as typed


def test_an_ascii_spelling_the_index_holds_less_often_than_the_term_it_spells_is_that_term():
    # a corpus's URLs ("…/bostotte-vilkar.html") put "bostotte" in the index beside many "bostøtte"
    spell = speller({"bostott": 2, "lønn": 6, "startlan": 9, "startlån": 3})
    assert spell.correct("bostott") == analyze("bostøtte")[0]  # VOCABULARY holds it 5 times
    assert spell.correct("lonn") == "lønn"  # four letters: æ/ø/å typed plain is no typo, any length counts
    assert spell.correct("startlan") is None  # the index holds the ASCII form more often: as typed
    assert Analyzer().correction("bostotte", spell) == (analyze("bostøtte")[0],)
    assert Analyzer().correction("lonna", spell) == ("lønn",)


def test_function_words_typed_without_the_norwegian_letters_are_stopwords():
    assert analyze("pa mandag nar ogsa hun maa") == analyze("mandag")
    assert analyze("far") and analyze("vare")  # spellings that are words of their own ("far", "vare") stay


def test_the_analyzer_corrects_only_tokens_that_are_no_word_and_no_compound():
    analyzer = Analyzer()
    spell = speller({"mobil": 3, "skatt": 3, "mobilabonnent": 2})
    assert analyzer.correction("boutgiftr", spell) == ("boutgift",)
    # real Norwegian words the corpus never uses stay unknown, however near an index term they are
    assert analyzer.correction("mobilabonnement", spell) is None  # a compound of dictionary words
    assert analyzer.correction("skattemelding", spell) is None
    assert analyzer.correction("student", spell) is None  # known
    assert Analyzer(AnalyzerConfig(spelling=False)).correction("boutgiftr", spell) is None


def test_a_typo_the_splitter_reads_as_parts_the_index_lacks_is_corrected():
    # "komunal" splits into the dictionary words "komu" + "nal", neither of which the index holds: a typo, not a
    # compound the corpus never uses
    spell = speller({"kommunal": 9})
    assert Analyzer().correction("komunal", spell) == ("kommunal",)
    assert "kommunal" in analyze_query("rett på komunal bolig", speller=spell)
    terms = analyze_query("godkjente boutgiftr?", speller=spell)
    assert "boutgift" in terms and "boutgiftr" not in terms
    assert "boutgiftr" in analyze_query("godkjente boutgiftr?")  # no speller, no correction


def test_a_typo_the_splitter_reads_as_parts_some_of_which_the_index_holds_is_corrected_one_edit_away():
    # "tuberkolose" splits into "tub" + "kol" + "ose", and the index holds "kol": still a typo of "tuberkulose"; but
    # two edits from a compound with a part the index lacks reach other compounds ("boliglaus" is not "boligmass")
    spell = speller({"tuberkulos": 4, "kol": 3, "boligmass": 2, "bol": 9})
    assert Analyzer().correction("tuberkolose", spell) == ("tuberkulos",)
    assert Analyzer().correction("bustadlause", spell) is None


def test_a_corrected_typo_counts_as_known_in_the_scope_rule_and_a_foreign_word_does_not():
    documents = [{"doc_id": "veiledning/bostotte.html", "kind": "veiledning", "title": "Bostøtte", "meta": {}}]
    vocabulary = set(VOCABULARY)
    spell = speller()

    def scope(with_speller: bool) -> CorpusScope:
        return CorpusScope.from_documents(documents, LawCatalog.from_documents(documents), vocabulary.__contains__,
                                          speller=spell if with_speller else None)
    typo = "Hvor mye av godkjente boutgiftr blir utbetalt?"
    assert scope(False).missing_words(typo) == ["boutgiftr"]
    assert scope(True).missing_words(typo) == []
    ascii_typed = "Hva er tlf til NAV sin okonomi og radgivning?"  # no æ, ø, å on the keyboard
    vocabulary.update(analyze("NAV økonomi rådgivning"))
    spell = speller({term: 3 for term in analyze("NAV økonomi rådgivning")})
    # "tlf" is common in the language (wordfreq), so no topic the corpus lacks, though the corpus never writes it
    assert scope(False).missing_words(ascii_typed) == ["okonomi", "radgivning"]
    assert scope(True).missing_words(ascii_typed) == []
    foreign = "Hvordan endrer jeg skattemelding for mobilabonnement?"
    assert {"skattemelding", "mobilabonnement"} <= set(scope(True).missing_words(foreign))


def test_a_questions_terms_are_its_words_as_meant_without_thesaurus_expansions():
    """What the evidence and the sentence choice weigh: "soke om bostotte" is "søke om bostøtte", not three
    unknown words with the highest idf."""
    spell = speller({"søknad": 7, "søk": 7})
    terms = question_terms("Hvordan soke om bostotte?", spell)
    assert analyze("bostøtte")[0] in terms and "bostott" not in terms
    assert question_terms("Hva er sosialhjelp?") == analyze("Hva er sosialhjelp?")  # no thesaurus expansions


def test_a_compound_typed_without_the_norwegian_letters_is_the_compound_it_spells_with_its_parts():
    spell = speller({"startlån": 60, "startlan": 3, "lån": 80, "møreforsking": 40})
    # "startlan" splits into "start" + "lan", both words, yet the index holds the word it spells far more often
    assert Analyzer().correction("startlan", spell) == ("startlån", "start", "lån")
    assert Analyzer().correction("moreforsking", spell)[0] == "møreforsking"  # "more" + "forsking" are words too
    assert Analyzer().correction("mobilabonnement", spell) is None  # no ASCII spelling of an index term: as typed


def test_a_name_typed_without_the_norwegian_letters_or_with_a_letter_doubled_or_not_is_in_scope():
    documents = [{"doc_id": "rapporter/r.pdf", "kind": "rapport", "title": "Boligsosialt arbeid", "meta": {}}]
    names = "Møreforsking Rambøll Kristiansund Namsos"
    vocabulary = set(analyze(names))
    spell = Speller({term: 4 for term in vocabulary})
    scope = CorpusScope.from_documents(documents, LawCatalog.from_documents(documents), vocabulary.__contains__,
                                       speller=spell)
    assert scope.unknown_entities("Hvilke kommuner var med i Moreforsking-prosjektet?") == []
    assert scope.unknown_entities("Hvor mange intervjuer gjorde Rambøl?") == []
    assert scope.unknown_entities("Hva gjorde Ramboll i Namsos?") == []
    # a name an edit away from the corpus's is another name, not a typo
    assert scope.unknown_entities("Hvor mange bostedsløse har Kristiansand?") == ["Kristiansand"]
    assert scope.missing("Hvor mange bostedsløse har Kristiansand?")[0] == "Kristiansand"
