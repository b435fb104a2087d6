"""Unit tier: evidence measured with the index's BM25 idf, and the abstention policy's rules."""

from __future__ import annotations

import pytest

from boligassistent.answering.abstention import AbstentionConfig, Decision, RulePolicy
from boligassistent.answering.evidence import Evidence, EvidenceConfig, measure_evidence
from boligassistent.domain.documents import Chunk
from boligassistent.retrieval.types import ArmHit, ScoredChunk, SearchResult

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


def hit(chunk_id: str, dense: float | None) -> ScoredChunk:
    chunk = Chunk(chunk_id=chunk_id, doc_id=f"doc-{chunk_id}", section_id="s", ordinal=0, text="tekst", header="",
                  label=chunk_id, title=chunk_id, kind="veiledning", heading_path=[])
    arms = {"bm25": ArmHit(rank=1, score=7.5)} | ({"dense": ArmHit(rank=1, score=dense)} if dense is not None else {})
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


def test_missing_entity_is_a_proper_noun_absent_from_the_top_passages():
    stats = FakeTermStats({"bostøtt": 1.0, "tromsø": 5.0}, {"a": {"bostøtt"}})
    result = SearchResult(query="Hva gir bostøtte i Tromsø?", hits=[hit("a", 0.9)], query_terms=["bostøtt", "tromsø"])
    assert measure_evidence(stats, result).missing_entities == ["Tromsø"]


def evidence(coverage: float = 1.0, top_dense: float = 0.9, missing: list[str] | None = None) -> Evidence:
    return Evidence(coverage=coverage, top_dense=top_dense, missing_entities=missing or [])


POLICY = RulePolicy.from_config(AbstentionConfig(min_dense=0.8, min_coverage=0.4, confident_dense=0.9))


@pytest.mark.parametrize(("question", "ev", "decision"), [
    ("Kan en student få bostøtte?", evidence(), Decision(False)),
    ("Hva er renta i dag?", evidence(), Decision(True, "live-data")),
    ("Hva er dagens satser?", evidence(), Decision(True, "live-data")),
    ("Hvem vant cupfinalen?", evidence(top_dense=0.79), Decision(True, "out-of-domain")),
    ("Hva gir bostøtte i Tromsø?", evidence(missing=["Tromsø"]), Decision(True, "missing-entity")),
    ("Kan en student få bostøtte?", evidence(coverage=0.39, top_dense=0.89), Decision(True, "low-coverage")),
    ("Kan en student få bostøtte?", evidence(coverage=0.39, top_dense=0.9), Decision(False)),  # confidently on topic
    ("Hva er renta i dag?", evidence(top_dense=0.5, missing=["X"]), Decision(True, "live-data")),  # first rule wins
])
def test_rules_decide_in_order(question, ev, decision):
    assert POLICY.decide(question, ev) == decision


def test_the_shipped_thresholds():
    policy = RulePolicy.from_config(AbstentionConfig())
    assert policy.decide("Kan en student få bostøtte?", evidence(top_dense=0.834)).reason == "out-of-domain"
    assert policy.decide("Kan en student få bostøtte?", evidence(coverage=0.34, top_dense=0.86)).reason == "low-coverage"
    assert not policy.decide("Kan en student få bostøtte?", evidence(coverage=0.35, top_dense=0.836)).abstain
    assert not policy.decide("Kan en student få bostøtte?", evidence(coverage=0.1, top_dense=0.87)).abstain
