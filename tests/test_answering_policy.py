"""Unit tier: evidence measured with the index's BM25 idf, and the abstention policy: hard gates, then the model."""

from __future__ import annotations

from dataclasses import replace

import pytest

from boligassistent.answering.abstention import AbstentionConfig, AbstentionGates, CalibratedPolicy
from boligassistent.answering.abstention_model import LogisticModel
from boligassistent.answering.evidence import (
    Evidence,
    EvidenceConfig,
    measure_evidence,
    missing_years,
    named_law_terms,
    question_names,
)
from boligassistent.answering.refusals import refusal
from boligassistent.answering.scope import CorpusScope
from boligassistent.domain.documents import Chunk
from boligassistent.retrieval.law_catalog import LawCatalog
from boligassistent.retrieval.types import ArmHit, ScoredChunk, SearchResult
from boligassistent.text.analyzer import analyze

pytestmark = pytest.mark.unit


class FakeTermStats:
    """The two index capabilities evidence reads, over fixed tables."""

    def __init__(self, idf: dict[str, float], terms: dict[str, set[str]]) -> None:
        self.idf = idf
        self.terms = terms
        self.asked: list[list[str]] = []

    def term_idf(self, terms: list[str]) -> dict[str, float]:
        self.asked.append(terms)
        return {t: self.idf[t] for t in terms}

    def chunk_terms(self, chunk_ids: list[str]) -> set[str]:
        return set().union(*(self.terms[c] for c in chunk_ids))

    def known_terms(self, terms: list[str]) -> set[str]:
        return {t for t in terms if any(t in held for held in self.terms.values())}


def hit(chunk_id: str, dense: float | None, bm25: float | None = 7.5, doc: str | None = None) -> ScoredChunk:
    chunk = Chunk(chunk_id=chunk_id, doc_id=doc or f"doc-{chunk_id}", section_id="s", ordinal=0, text="tekst", header="",
                  label=chunk_id, title=chunk_id, kind="veiledning", heading_path=[])
    arms = (({"bm25": ArmHit(rank=1, score=bm25)} if bm25 is not None else {})
            | ({"dense": ArmHit(rank=1, score=dense)} if dense is not None else {}))
    return ScoredChunk(chunk=chunk, score=0.1, arms=arms)


def test_coverage_is_idf_weighted_over_the_top_passages_and_dense_comes_from_the_dense_arm():
    stats = FakeTermStats({"bostøtt": 3.0, "student": 1.0}, {"a": {"bostøtt"}, "b": set(), "c": {"student"}})
    result = SearchResult(query="Kan en student få bostøtte?", hits=[hit("a", 0.80), hit("b", None), hit("c", 0.86)],
                          query_terms=["student", "bostøtt", "student"])
    evidence = measure_evidence(stats, result, EvidenceConfig(coverage_passages=2))
    assert stats.asked == [["student", "bostøtt"]]  # each term once, in order
    assert evidence.coverage == pytest.approx(3.0 / 4.0)  # "student" is only in the third passage
    assert evidence.top_dense == 0.86  # a hit the dense arm did not find counts as 0
    assert evidence.idf == {"student": 1.0, "bostøtt": 3.0}
    assert evidence.confidence == round(0.6 * 0.75 + 0.4 * (0.86 - 0.75) / 0.15, 3)
    assert evidence.missing_entities == []


def test_a_common_word_the_corpus_never_uses_is_no_question_term_but_a_name_always_is():
    """"maks" (common in Norwegian) is in no chunk: it would weigh the most of all and be found nowhere, so the
    evidence leaves it out; "Chelsea" is as common in news, but a name the passages must hold."""
    stats = FakeTermStats({"depositum": 5.0, "beløp": 4.0, "maks": 8.6, "chelse": 8.6},
                          {"a": {"depositum", "beløp"}})
    asked = measure_evidence(stats, SearchResult(query="depositum maks beløp?", hits=[hit("a", 0.9)],
                                                 query_terms=["depositum", "maks", "beløp"]))
    assert asked.idf == {"depositum": 5.0, "beløp": 4.0} and asked.coverage == 1.0 and asked.topdoc_coverage == 1.0
    named = measure_evidence(stats, SearchResult(query="Hva koster depositum hos Chelsea?", hits=[hit("a", 0.9)],
                                                 query_terms=["depositum", "chelse"]))
    assert "chelse" in named.idf and named.coverage == pytest.approx(5.0 / 13.6)


def test_missing_entity_is_a_proper_noun_absent_from_the_top_passages():
    stats = FakeTermStats({"bostøtt": 1.0, "tromsø": 5.0}, {"a": {"bostøtt"}})
    result = SearchResult(query="Hva gir bostøtte i Tromsø?", hits=[hit("a", 0.9)], query_terms=["bostøtt", "tromsø"])
    assert measure_evidence(stats, result).missing_entities == ["Tromsø"]


def test_the_top_document_alone_is_measured_apart_from_the_union_of_the_top_passages():
    # the union of the passages covers both terms; the top document (chunks a and c) lacks the rarer "tromsø"
    stats = FakeTermStats({"bostøtt": 1.0, "tromsø": 3.0, "2024": 2.0},
                          {"a": {"bostøtt"}, "b": {"tromsø", "2024"}, "c": {"2024"}})
    result = SearchResult(query="Hva var bostøtten i Tromsø i 2024?",
                          hits=[hit("a", 0.90, bm25=8.0, doc="d1"), hit("b", 0.80, bm25=6.0, doc="d2"),
                                hit("c", 0.84, bm25=7.0, doc="d1")],
                          query_terms=["bostøtt", "tromsø", "2024"])
    evidence = measure_evidence(stats, result)
    assert evidence.coverage == 1.0
    assert evidence.topdoc_coverage == pytest.approx(3.0 / 6.0)  # "bostøtt" and "2024", not "tromsø"
    assert evidence.query_idf == 6.0
    assert evidence.names_in_topdoc == pytest.approx(0.5)  # "2024" is there, "Tromsø" is not
    assert evidence.dense_margin == pytest.approx(0.90 - (0.84 + 0.80) / 2)


def test_top_document_features_with_one_hit_no_bm25_scores_or_no_hits():
    stats = FakeTermStats({"bostøtt": 1.0}, {"a": {"bostøtt"}, "b": {"bostøtt"}})
    alone = measure_evidence(stats, SearchResult(query="Hva er bostøtte?", hits=[hit("a", 0.9)], query_terms=["bostøtt"]))
    assert alone.dense_margin == 0.0  # one dense score
    assert alone.topdoc_coverage == 1.0 and alone.query_idf == 1.0
    assert alone.names_in_topdoc == 1.0  # a question without names or numbers lacks none
    no_bm25 = measure_evidence(stats, SearchResult(query="Hva er bostøtte?", hits=[hit("a", 0.9, bm25=None),
                                                                                   hit("b", 0.8, bm25=None)],
                                                   query_terms=["bostøtt"]))
    assert no_bm25.dense_margin == pytest.approx(0.1)  # hits without a BM25 score still have dense ones
    empty = measure_evidence(stats, SearchResult(query="Hva er bostøtte?", hits=[], query_terms=["bostøtt"]))
    assert empty.topdoc_coverage == 0.0 and empty.names_in_topdoc == 1.0 and empty.dense_margin == 0.0


@pytest.mark.parametrize(("question", "names"), [
    ("Hvem bør følge med, ifølge Ivar Kristensen?", [("ivar", "kristens")]),  # a full name is one name
    ("Hvor mange vannkraftverk hadde Norge i 2012?", [("norg",), ("2012",)]),
    ("Bostøtte er omtalt. Hva sa Husbanken om 73,7 prosent?", [("husbank",), ("73,7",)]),  # a number as one token
    ("Hva er bostøtte i 3 måneder?", []),  # sentence-initial words and one-digit numbers are not names
    ("En 24-åring søker sosialhjelp i 2024. Gjelder det en 67 år gammel mann?", [("2024",)]),  # ages describe a case
])
def test_question_names_are_runs_of_capitalized_words_and_numbers(question, names):
    assert question_names(question) == names


def evidence(coverage: float = 1.0, top_dense: float = 0.9, missing: list[str] | None = None,
             sentences: list[str] | None = None) -> Evidence:
    return Evidence(coverage=coverage, top_dense=top_dense, missing_entities=missing or [], sentence_coverage=coverage,
                    bm25_norm=coverage, arm_agreement=0.5, top_bm25_rank=1, top_dense_rank=1,
                    sentences=sentences or [], idf={"bostøtt": 2.0, "student": 2.0, "klagefrist": 3.0})


SCOPE = CorpusScope.from_documents([{"doc_id": "lov.md", "kind": "lov", "title": "Lov om bustøtte (bustøttelova)",
                                     "short_title": "bustøttelova", "meta": {}}],
                                   LawCatalog.from_documents([{"doc_id": "lov.md", "kind": "lov",
                                                               "title": "Lov om bustøtte (bustøttelova)",
                                                               "short_title": "bustøttelova", "meta": {}}]),
                                   lambda term: True)
POLICY = CalibratedPolicy(LogisticModel(features=["dense_relative"], mean=[0.85], scale=[0.05], coef=[-4.0], intercept=0.0,
                                        threshold=0.5), AbstentionGates(SCOPE))


@pytest.mark.parametrize(("question", "ev", "reason"), [
    ("Kan en student få bostøtte?", evidence(), None),
    ("Har hun rett på det?", evidence(), "vague"),
    ("Hva sier skatteloven om bostøtte for studenter?", evidence(), "out-of-scope"),
    ("Hvor lang klagefrist gjelder for bostøtte?", evidence(sentences=["Klagefristen for bostøtte er omtalt her."]),
     "answer-type"),
    ("Hvor lang klagefrist gjelder for bostøtte?", evidence(sentences=["Klagefristen for bostøtte er tre uker."]), None),
    ("Kan en student få bostøtte?", evidence(top_dense=0.80), "model"),  # weak evidence: the model declines
    ("Hva sier skatteloven?", evidence(top_dense=0.5), "out-of-scope"),  # gates run before the model
    # what a value is now: fixed editions of laws cannot tell, even when a sentence holds a value
    ("Hvor lang klagefrist gjelder for bostøtte akkurat nå?",
     evidence(sentences=["Klagefristen for bostøtte er tre uker."]), "live-data"),
    ("Bostøtten ble stanset i mai. Nå lurer hun: hvor lang klagefrist gjelder for bostøtte?",
     evidence(sentences=["Klagefristen for bostøtte er tre uker."]), None),  # "nå" tells the case, asks no value
])
def test_gates_then_the_model_decide_in_order(question, ev, reason):
    decision = POLICY.decide(question, ev)
    assert decision.abstain is (reason is not None) and decision.reason == reason


def test_gates_can_be_switched_off():
    gates = AbstentionGates(SCOPE, AbstentionConfig(clarify=False, scope_check=False, answer_type_check=False,
                                                    live_data_check=False))
    for question in ("Har hun rett på det?", "Hva sier skatteloven?", "Hvor lang klagefrist gjelder for bostøtte?",
                     "Hva er renten på startlån nå?"):
        assert gates.gate(question, evidence()) is None


def test_present_values_are_only_declined_over_a_corpus_of_fixed_editions():
    """News articles speak of their own present ("Hvem er direktør nå?"): a corpus without acts or regulations
    answers from them."""
    news = CorpusScope.from_documents([{"doc_id": "a.txt", "kind": "tekst", "title": "Ny direktør", "meta": {}}],
                                      LawCatalog.from_documents([]), lambda term: True)
    question = "Hvor lang klagefrist gjelder for bostøtte nå?"
    ev = evidence(sentences=["Klagefristen for bostøtte er tre uker."])
    assert AbstentionGates(SCOPE).gate(question, ev).reason == "live-data"
    assert AbstentionGates(news).gate(question, ev) is None


def test_best_unit_similarity_is_the_best_sentence_of_the_top_hits_by_the_embedder():
    from boligassistent.answering.similarity import EmbedderSimilarity
    from tests.fakes import FakeEmbedder

    def passage(chunk_id: str, text: str) -> ScoredChunk:
        h = hit(chunk_id, 0.9)
        return ScoredChunk(chunk=replace(h.chunk, text=text), score=h.score, arms=h.arms)

    stats = FakeTermStats({"bostøtt": 1.0}, {"a": {"bostøtt"}, "b": set(), "c": set()})
    hits = [passage("a", "Kommunen har mange oppgaver i boligsosialt arbeid. Studenter uten barn får ikke bostøtte."),
            passage("b", "Husleieloven gjelder avtaler om bruk av husrom mot vederlag."),
            passage("c", "Studenter får bostøtte fra Husbanken når de bor med barn i husstanden.")]
    result = SearchResult(query="Får studenter bostøtte?", hits=hits, query_terms=["bostøtt"])
    assert measure_evidence(stats, result).best_unit_similarity == 0.0  # not measured without an embedder
    similarity = EmbedderSimilarity(FakeEmbedder())
    two = measure_evidence(stats, result, EvidenceConfig(similarity_passages=2), similarity).best_unit_similarity
    expected = max(similarity.similarities("Får studenter bostøtte?", [
        "Kommunen har mange oppgaver i boligsosialt arbeid.", "Studenter uten barn får ikke bostøtte.",
        "Husleieloven gjelder avtaler om bruk av husrom mot vederlag."]))
    assert two == pytest.approx(expected) and two > 0.3
    three = measure_evidence(stats, result, EvidenceConfig(similarity_passages=3), similarity).best_unit_similarity
    assert three >= two  # the third passage's sentences are read too


def test_a_named_law_s_words_are_its_name():
    assert named_law_terms("Hva er taket i bostøtteforskriften?") == set(analyze("bostøtteforskriften"))
    assert named_law_terms("Hva er taket for bostøtte?") == set()


def dated_hit(chunk_id: str, text: str, title: str = "Rapport", heading: str = "") -> ScoredChunk:
    chunk = Chunk(chunk_id=chunk_id, doc_id=f"doc-{chunk_id}", section_id="s", ordinal=0, text=text, header="",
                  label=chunk_id, title=title, kind="rapport", heading_path=[heading] if heading else [])
    return ScoredChunk(chunk=chunk, score=0.1, arms={"bm25": ArmHit(rank=1, score=5.0)})


def test_a_year_asked_about_must_be_named_by_a_top_passage():
    other_year = [dated_hit("a", "På møtet i november 2017 ble det besluttet å sette i gang et arbeid."),
                  dated_hit("b", "Samordningsutvalget møtes to ganger i året.")]
    assert missing_years("Hva ble besluttet på møtet i november 2019?", other_year) == ["2019"]
    assert missing_years("Hva ble besluttet på møtet i november 2017?", other_year) == []
    assert missing_years("Hva ble besluttet på møtet i 2019?", [dated_hit("c", "Tekst.", heading="Status 2019")]) == []
    assert missing_years("Hva ble besluttet på møtet?", other_year) == []  # no year asked
    assert missing_years("Kostet det 2019 kroner?", other_year) == []  # a number, not a year
    # a period is found by either end; a document's name dates it
    assert missing_years("Hva var målene i prosjektet 2018–2021?", [dated_hit("d", "Tiltaksplan 2018-2020.")]) == []
    assert missing_years("Hva fant rapporten i 2011?", [dated_hit("e", "Tekst.")]) == ["2011"]
    assert missing_years("Hva fant rapporten i 2011?", [replace(dated_hit("e", "Tekst."), chunk=replace(
        dated_hit("e", "Tekst.").chunk, doc_id="rapporter/2011-ramboll.pdf"))]) == []
    # a year told in the situation is not what is asked about
    assert missing_years("Kontrakten er tidsbestemt til 2028. Kan vi si opp avtalen?", other_year) == []
    # only the first `year_passages` hits count
    stats = FakeTermStats({"møt": 1.0}, {"a": {"møt"}, "b": set(), "c": set()})
    later = [*other_year, dated_hit("c", "I 2019 ble planen vedtatt.")]
    result = SearchResult(query="Hva skjedde på møtet i 2019?", hits=later, query_terms=["møt"])
    assert measure_evidence(stats, result, EvidenceConfig(year_passages=2)).missing_years == ["2019"]
    assert measure_evidence(stats, result, EvidenceConfig(year_passages=3)).missing_years == []


def test_a_question_about_a_year_no_passage_names_is_declined_with_the_year():
    ev = replace(evidence(), missing_years=["2019"])
    decision = POLICY.decide("Hva ble besluttet på møtet i november 2019?", ev)
    assert decision.abstain and decision.reason == "year" and decision.missing == ("2019",)
    text, _ = refusal(decision.reason, [], 0, decision.missing)
    assert "2019" in text
    assert AbstentionGates(SCOPE, AbstentionConfig(year_check=False)).gate("Hva ble endret for bostøtte i 2019?", ev) is None
