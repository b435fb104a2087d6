"""Unit tier: answer-first composition of the extractive backend (units, trimming, opening, points, length)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from boligassistent.answering.backends.extractive import ExtractiveBackend, ExtractiveConfig
from boligassistent.answering.backends.trim import ELLIPSIS, trim
from boligassistent.retrieval.types import ScoredChunk
from boligassistent.text.answer_types import AnswerType, expected_answer_type, holds_value
from boligassistent.text.normalize import collapse_ws
from boligassistent.text.sentences import split_units
from tests.test_answering_extractive import EVIDENCE, hit

pytestmark = pytest.mark.unit

def compose(question: str, hits: list[ScoredChunk], config: ExtractiveConfig | None = None):
    return ExtractiveBackend(config or ExtractiveConfig()).compose(question, question, hits, EVIDENCE, [])


def assert_quoted_from_sources(draft, hits: list[ScoredChunk]) -> None:
    """Every answer sentence is its cited passage's text, verbatim or cut at marked ellipses."""
    by_n = {c.n: next(h for h in hits if h.chunk.chunk_id == c.chunk_id) for c in draft.citations}
    for text, numbers in draft.sentences:
        assert numbers, text
        source = collapse_ws(re.sub(r"^\s*[-–•]\s+", " ", by_n[numbers[0]].chunk.text, flags=re.M))
        for piece in (p.strip() for p in text.split(ELLIPSIS)):
            assert not piece or piece in source, piece


# A guidance note whose bullet list comes before the one sentence that answers (written for this test).
INSTITUTION = hit(1, "veiledning", (
    "Kommunen vurderer flere forhold når en beboer er borte fra boligen:\n"
    "- om boligen står tom i perioden,\n"
    "- om husleien fortsatt blir betalt hver måned,\n"
    "- om beboeren har nær familie som bor der.\n"
    "Den som soner i fengsel i mer enn seks måneder, mister som hovedregel bostøtten.\n"
    "Likevel kan bostøtten unntaksvis beholdes dersom soningen ikke varer mer enn seks måneder totalt."))


def test_bullet_items_are_units_of_their_own():
    units = split_units("Vilkår:\n- første punkt er oppfylt\n• andre punkt er oppfylt\n2. Tredje punkt gjelder.\n"
                        "12. januar 2024 trådte regelen i kraft. Tiltak: • bolig • arbeid. Fristen er 48 timer. - Neste ledd.")
    assert units == ["Vilkår:", "første punkt er oppfylt", "andre punkt er oppfylt", "Tredje punkt gjelder.",
                     "12. januar 2024 trådte regelen i kraft.", "Tiltak:", "bolig", "arbeid.", "Fristen er 48 timer.",
                     "Neste ledd."]
    assert split_units("En linje som er brutt\nmidt i setningen. Ny setning.") == [
        "En linje som er brutt midt i setningen.", "Ny setning."]


def test_answer_opens_with_the_sentence_that_answers_not_the_list_before_it():
    draft = compose("Mister en innsatt bostøtten når soningen varer lenger enn seks måneder?", [INSTITUTION])
    opening = draft.text.split("\n")[0]
    assert opening == "«Den som soner i fengsel i mer enn seks måneder, mister som hovedregel bostøtten.» [1]"
    assert "om husleien" not in draft.text  # the list is not quoted wholesale
    assert_quoted_from_sources(draft, [INSTITUTION])


# A regulation whose two asked values stand in different sentences among others (written for this test).
BOARD = hit(1, "forskrift", (
    "Forskrifta gjeld straks. Nemnda skal setjast saman av tre medlemmer med "
    "personlege varamedlemmer. Leiaren skal ha juridisk embetseksamen. Departementet nemner opp medlemmene for fire "
    "år. Reglane om habilitet gjeld for medlemmene i nemnda. Nemnda kan be om fråsegner frå kommunen i saka. "
    "Nemnda skal gje grunngjeving for vedtaka sine."))


def test_each_value_a_question_asks_for_is_quoted():
    """"Kor mange … og for kor lang tid …?" asks for a count and a duration: a unit holding either fits."""
    draft = compose("Kor mange medlemer sit i nemnda, og for kor lang tid blir dei oppnemnde?", [BOARD],
                    dataclasses.replace(ExtractiveConfig(), max_sentences=2, semantic_weight=0.0, context_weight=0.0))
    assert "tre medlemmer" in draft.text and "fire år" in draft.text, draft.text
    assert_quoted_from_sources(draft, [BOARD])


def test_rule_opens_before_its_exception():
    hits = [hit(1, "veiledning", "Unntaksvis kan en student likevel få bostøtte dersom studenten ikke får støtte fra "
                                 "Lånekassen og har barn i husstanden som bor fast i boligen."),
            hit(2, "veiledning", "Studenter har som hovedregel ikke rett til bostøtte fra Husbanken.")]
    draft = compose("Har studenter rett til bostøtte?", hits)
    assert draft.sentences[0][0] == "Studenter har som hovedregel ikke rett til bostøtte fra Husbanken."
    assert len(draft.sentences) == 2 and draft.sentences[1][0].startswith("Unntaksvis")
    assert draft.text.split("\n\n")[1].startswith("– «Unntaksvis")


def test_at_most_three_points_within_the_length_cap_each_cited():
    text = " ".join(f"Bostøtte til leietakere i kommune nummer {i} beregnes ut fra boutgifter, inntekt og antall "
                    f"personer i husstanden, og den utbetales månedlig av Husbanken etter søknad fra leietakeren."
                    for i in range(12))
    hits = [hit(i, "veiledning", text) for i in range(1, 5)]
    config = ExtractiveConfig(max_per_passage=3, keep_ratio=0.0, max_redundancy=1.0)
    draft = compose("Hvordan beregnes bostøtte til leietakere i kommunen?", hits, config)
    assert len(draft.text) <= config.max_chars
    assert 2 <= len(draft.sentences) <= 4  # the opening and at most three points
    assert all(numbers for _, numbers in draft.sentences)
    assert_quoted_from_sources(draft, hits)
    small = ExtractiveConfig(max_chars=300, keep_ratio=0.0, max_redundancy=1.0)
    assert len(compose("Hvordan beregnes bostøtte til leietakere i kommunen?", hits, small).text) <= 300


def test_long_sentence_is_trimmed_with_marked_ellipsis():
    long = ("Etter at søknaden er mottatt og alle opplysninger om husstandens samlede inntekter, formue og boutgifter er "
            "innhentet fra Skatteetaten, arbeidsgivere og andre offentlige registre som Husbanken har tilgang til, "
            "fatter Husbanken vedtak om bostøtte innen tre uker, og vedtaket sendes til søkeren digitalt eller i "
            "posten sammen med en begrunnelse og en orientering om klageadgangen og klagefristen.")
    draft = compose("Hvor lang tid tar det før Husbanken fatter vedtak om bostøtte?", [hit(1, "veiledning", long)],
                    ExtractiveConfig(max_unit_chars=120))
    quoted = draft.sentences[0][0]
    assert ELLIPSIS in quoted and len(quoted) <= 120 and "tre uker" in quoted
    assert_quoted_from_sources(draft, [hit(1, "veiledning", long)])


def test_trim_keeps_the_best_clauses_and_marks_both_cuts():
    sentence = "Først kommer en lang innledning om saken, deretter det viktige om fristen på tre uker, og til slutt mer."
    out = trim(sentence, 50, lambda piece: float("fristen" in piece))
    assert out == "… deretter det viktige om fristen på tre uker …"
    assert trim("Kort setning.", 50, lambda piece: 0.0) == "Kort setning."


def test_law_and_guidance_both_shown_when_both_answer():
    hits = [hit(1, "veiledning", "Studenter uten barn har som hovedregel ikke rett til bostøtte fra Husbanken."),
            hit(2, "veiledning", "Studenter som bor i studentbolig betaler ofte lav husleie til samskipnaden."),
            hit(3, "lov", "Studentar som ikkje har barn i husstanden, har ikkje rett til bustøtte etter lova.")]
    draft = compose("Kan studenter få bostøtte?", hits)
    kinds = {c.kind for c in draft.citations}
    assert kinds == {"veiledning", "lov"}


def test_quantity_question_opens_with_a_value_the_question_does_not_name():
    hits = [hit(1, "rapport", "I 2020 ble det gjennomført en kartlegging av bostedsløse i alle kommuner i landet."),
            hit(2, "rapport", "Kartleggingen i 2020 fant 3 325 bostedsløse, færre enn ved kartleggingen før.")]
    draft = compose("Hvor mange bostedsløse fant kartleggingen i 2020?", hits)
    assert "3 325" in draft.sentences[0][0]


@pytest.mark.parametrize(("question", "kind"), [
    ("Hvor mye får man i bostøtte?", AnswerType.AMOUNT), ("kor mykje kostar det?", AnswerType.AMOUNT),
    ("Når trådte loven i kraft?", AnswerType.TIME), ("Hva er klagefristen?", AnswerType.DURATION),
    ("Hvem fatter vedtaket?", AnswerType.NAME), ("Hvor ligger kontoret?", AnswerType.PLACE),
    ("Hva skjer når leien ikke betales?", None), ("Kan en student få bostøtte?", None)])
def test_expected_answer_type(question, kind):
    assert expected_answer_type(question) == kind


def test_a_value_named_in_the_question_does_not_count():
    assert not holds_value(AnswerType.TIME, "I 1999 ble hun kåret.", "Hvem ble kåret i 1999?")
    assert holds_value(AnswerType.QUANTITY, "Det var 24 poeng.", "Hvor mange poeng?")
    assert holds_value(AnswerType.NAME, "Lederen er Kari Nordmann.", "Hvem er leder?")


# --- semantic scoring and the rule's own exception (written for these tests) ---

ACTIVITY = hit(1, "lov", (
    "Kommunen kan gi stønad til personer som oppholder seg i kommunen og ellers oppfyller kravene i kapitlet. "
    "Det skal stilles vilkår om aktivitet for tildeling av økonomisk stønad til personer under 30 år. "
    "Det skal ikke stilles vilkår om aktivitet når tungtveiende grunner taler mot det. "
    "Søknader om stønad til unge søkere skal behandles raskt av kommunen i kommunen."))


class TableSimilarity:
    """A `SentenceSimilarity` that knows which sentences paraphrase the question (stands in for the embedder)."""

    def __init__(self, close: set[str]) -> None:
        self.close = close
        self.seen: list[str] = []

    def similarities(self, query: str, texts) -> list[float]:
        self.seen.extend(texts)
        return [0.9 if any(text.startswith(c) for c in self.close) else 0.8 for text in texts]


def test_semantic_similarity_lifts_the_paraphrase_over_word_overlap():
    question = "En ung søker ber om stønad i kommunen. Må vi kreve at hun er i aktivitet?"
    lexical = compose(question, [ACTIVITY], ExtractiveConfig(semantic_weight=0.0, continuation=False))
    assert not lexical.text.startswith("«Det skal stilles vilkår")  # shared words win without the embedder
    similarity = TableSimilarity({"Det skal stilles vilkår om aktivitet"})
    draft = ExtractiveBackend(ExtractiveConfig(semantic_weight=0.8), similarity).compose(
        question, question, [ACTIVITY], EVIDENCE, [])
    assert draft.text.startswith("«Det skal stilles vilkår om aktivitet for tildeling av økonomisk stønad til "
                                 "personer under 30 år.» [1]")
    assert similarity.seen  # the shortlist was scored
    assert_quoted_from_sources(draft, [ACTIVITY])


def test_the_exception_right_after_the_opening_rule_is_the_first_point():
    question = "Skal det stilles vilkår om aktivitet for økonomisk stønad til personer under 30 år?"
    draft = compose(question, [ACTIVITY], ExtractiveConfig(continuation=True))
    lines = draft.text.split("\n")
    assert lines[0].startswith("«Det skal stilles vilkår om aktivitet")
    assert lines[2] == "– «Det skal ikke stilles vilkår om aktivitet når tungtveiende grunner taler mot det.» [1]"


def test_embedder_similarity_ranks_by_cosine_and_reuses_the_persistent_cache(tmp_path):
    from boligassistent.answering.similarity import EmbedderSimilarity
    from boligassistent.indexing.embedder import EmbeddingCache
    from tests.fakes import FakeEmbedder

    texts = ["Bostøtte til studenter uten barn", "Husleieloven regulerer oppsigelse av leieavtaler"]
    embedder = FakeEmbedder()
    cache = EmbeddingCache(tmp_path / "emb.sqlite3")
    sims = EmbedderSimilarity(embedder, cache).similarities("bostøtte studenter", texts)
    assert sims[0] > sims[1] and all(-1.0 <= s <= 1.0001 for s in sims)
    again = FakeEmbedder()
    assert EmbedderSimilarity(again, cache).similarities("bostøtte studenter", texts) == pytest.approx(sims)
    assert again.calls == 1  # only the query: the passages came from the persistent cache
    cache.close()


# --- sentence and unit boundaries, trimming, points that answer the rest of the question (written for these tests) ---

def test_a_word_ending_like_an_abbreviation_still_ends_its_sentence():
    from boligassistent.text.sentences import split_sentences

    text = ("Vedtaket treffes. Kravet gjelder regnskap. Det koster ca. 200 kroner. Se lov 24. august 2012 nr. 64 og "
            "rundskrivet (Hovednr. 35). Boka er skrevet av J.R.R. Tolkien. Johan O. Jensen svarte.")
    assert split_sentences(text) == [
        "Vedtaket treffes.", "Kravet gjelder regnskap.", "Det koster ca. 200 kroner.",
        "Se lov 24. august 2012 nr. 64 og rundskrivet (Hovednr. 35).", "Boka er skrevet av J.R.R. Tolkien.",
        "Johan O. Jensen svarte."]


def test_kr_before_an_amount_ends_no_sentence_but_after_one_it_does():
    from boligassistent.text.sentences import split_sentences

    text = ("Fylket tildelte kommunen kr. 200.000,- i prosjektstøtte. Det koster 500 kr. 2024 ble et godt år. "
            "Leien er kr. 1 200 per måned.")
    assert split_sentences(text) == [
        "Fylket tildelte kommunen kr. 200.000,- i prosjektstøtte.", "Det koster 500 kr.", "2024 ble et godt år.",
        "Leien er kr. 1 200 per måned."]


def test_a_numbered_list_run_into_the_text_numbers_its_items_not_the_sentences_before():
    from boligassistent.text.sentences import split_sentences

    text = ("Kommunen startet to prosjekter: 1. En ny handlingsplan 2. Bedre oppfølging av leietakere 3. Mer kunnskap "
            "i tjenestene. Planen er omtalt i kapittel 3. Den ble vedtatt i 2012.")
    assert split_sentences(text) == [
        "Kommunen startet to prosjekter:", "1. En ny handlingsplan", "2. Bedre oppfølging av leietakere",
        "3. Mer kunnskap i tjenestene.", "Planen er omtalt i kapittel 3.", "Den ble vedtatt i 2012."]


def test_a_line_break_after_an_initial_and_inline_stars_as_bullets():
    assert split_units("Slaget skjedde i J.R.R.\nTolkiens fiktive verden.\nNeste linje.") == [
        "Slaget skjedde i J.R.R. Tolkiens fiktive verden.", "Neste linje."]
    assert split_units("Parkene i byen: * Frognerparken med anlegget * Studenterlunden langs gata") == [
        "Parkene i byen:", "Frognerparken med anlegget", "Studenterlunden langs gata"]


def test_a_list_item_without_a_full_stop_is_quoted_but_its_lead_in_is_not():
    proposals = hit(1, "rapport", (
        "Følgende forslag til tiltak ble sendt til kommunen:\n"
        "• Motvirke målgruppebasert organisering og konkurranse mellom tjenestene\n"
        "• Skape en felles arena for samhandling mellom alle tjenestene"))
    draft = compose("Hvilke forslag fikk kommunen om målgruppebasert organisering?", [proposals])
    assert draft.sentences[0][0] == "Motvirke målgruppebasert organisering og konkurranse mellom tjenestene"
    assert all(not text.endswith(":") for text, _ in draft.sentences)  # the lead-in alone answers nothing
    assert_quoted_from_sources(draft, [proposals])


def test_a_clause_that_fits_only_without_its_ellipses_is_cut_into_words():
    sentence = "Innledning om saken, og her står det at fristen for klage er tre uker fra vedtaket, og mer etterpå."
    limit = len("og her står det at fristen for klage er tre uker fra vedtaket,") + 2  # too short for both marks
    out = trim(sentence, limit, lambda piece: float("fristen" in piece) + 0.01 * float("uker" in piece))
    assert "fristen" in out and "uker" in out and out.startswith(ELLIPSIS) and len(out) <= limit


GRANTS = hit(1, "veiledning", (
    "Søknadsfristen for tilskudd til boligtiltak er 15. mai hvert år. "
    "Søknad om tilskudd til boligtiltak sendes Husbanken innen søknadsfristen. "
    "Søknader om tilskudd til boligtiltak som kommer etter søknadsfristen, avvises. "
    "Frivillige organisasjoner kan også søke om tilskudd."))


# The deadline's words are rare in the corpus, "frivillig" and "organisasjon" common.
GRANT_IDF = {"søknadsfrist": 3.0, "frist": 3.0, "boligtiltak": 3.0, "tiltak": 2.0, "tilskudd": 2.0, "bol": 1.0,
             "søknad": 1.0, "søk": 0.5, "frivil": 0.5, "organisasjon": 0.5}


def test_novelty_lets_a_point_answer_what_the_opening_did_not():
    question = "Når er søknadsfristen for tilskudd til boligtiltak, og kan frivillige organisasjoner søke?"
    config = ExtractiveConfig(max_sentences=2, continuation=False, context_weight=0.0, part_min_terms=99)  # no parts
    evidence = dataclasses.replace(EVIDENCE, idf=GRANT_IDF)

    def answer(novelty: float):
        return ExtractiveBackend(dataclasses.replace(config, novelty=novelty)).compose(
            question, question, [GRANTS], evidence, [])

    repeated = answer(0.0)
    assert repeated.sentences[0][0] == "Søknadsfristen for tilskudd til boligtiltak er 15. mai hvert år."
    assert "Frivillige" not in repeated.text  # without novelty a restatement of the deadline outscores it
    draft = answer(1.0)
    assert draft.sentences[0][0] == repeated.sentences[0][0]
    assert draft.sentences[1][0] == "Frivillige organisasjoner kan også søke om tilskudd."


def test_a_section_the_question_cites_opens_the_answer_whatever_its_words():
    """'testlova 27 – hva plikter NAV-kontoret?': the caseworker named the source; its rule opens, though a guidance
    sentence repeats more of the question's words."""
    from boligassistent.retrieval.arms.legal import ARM_NAME, LOOKUP_SCORE
    from boligassistent.retrieval.types import ArmHit

    cited = hit(2, "lov", "Kommunen er forpliktet til å finne midlertidig botilbud for dem som ikke klarer det selv.")
    guidance = hit(1, "veiledning", "Det NAV-kontoret plikter etter testlova er omtalt i flere rundskriv og veiledere.")
    question = "testlova 27 – hva er det NAV-kontoret plikter?"
    assert compose(question, [guidance, cited]).sentences[0][0].startswith("Det NAV-kontoret plikter")
    cited.arms[ARM_NAME] = ArmHit(rank=1, score=LOOKUP_SCORE)
    draft = compose(question, [guidance, cited])
    assert draft.sentences[0][0] == "Kommunen er forpliktet til å finne midlertidig botilbud for dem som ikke klarer det selv."
    assert_quoted_from_sources(draft, [guidance, cited])


def test_a_value_the_cited_section_does_not_hold_is_quoted_from_where_it_is():
    """'klagefrist testlova § 7-2': § 7-2 says who decides a complaint; the time limit for it stands in the next
    section («Fristen for klage etter § 7-2 er fire uker …»). A value question opens with the value."""
    from boligassistent.retrieval.arms.legal import ARM_NAME, LOOKUP_SCORE
    from boligassistent.retrieval.types import ArmHit

    cited = hit(1, "lov", "Klage over vedtak om helsetjenester sendes til den som har truffet vedtaket.")
    cited.arms[ARM_NAME] = ArmHit(rank=1, score=LOOKUP_SCORE)
    limit = hit(2, "lov", "Fristen for klage etter § 7-2 er fire uker etter at vedtaket ble kjent.")
    draft = compose("klagefrist testlova § 7-2 avslag på helsetjenester", [cited, limit])
    assert draft.sentences[0][0].startswith("Fristen for klage etter § 7-2 er fire uker")
    # a cited section holding the value still opens
    cited_value = hit(3, "lov", "Klage over vedtak om helsetjenester må sendes innen tre uker.")
    cited_value.arms[ARM_NAME] = ArmHit(rank=1, score=LOOKUP_SCORE)
    draft = compose("klagefrist testlova § 7-2 avslag på helsetjenester", [cited_value, limit])
    assert draft.sentences[0][0].startswith("Klage over vedtak om helsetjenester må sendes innen tre uker")


def test_each_question_asked_gets_a_point():
    """"Når er fristen …, og kan frivillige organisasjoner søke?" asks two things: the second part gets the unit that
    answers it, even where nothing else would make room for it (no novelty credit)."""
    question = "Når er søknadsfristen for tilskudd til boligtiltak, og kan frivillige organisasjoner søke?"
    evidence = dataclasses.replace(EVIDENCE, idf=GRANT_IDF)

    def answer(part_min_terms: int):
        config = ExtractiveConfig(max_sentences=2, continuation=False, context_weight=0.0, novelty=0.0,
                                  part_min_terms=part_min_terms)
        return ExtractiveBackend(config).compose(question, question, [GRANTS], evidence, [])

    assert "Frivillige" not in answer(99).text  # one question: the deadline restated twice
    draft = answer(ExtractiveConfig().part_min_terms)
    assert draft.sentences[1][0] == "Frivillige organisasjoner kan også søke om tilskudd."
