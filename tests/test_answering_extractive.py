"""Unit tier: the extractive backend's selection and its configuration."""

from __future__ import annotations

import pytest

from boligassistent.answering.backends.extractive import ExtractiveBackend, ExtractiveConfig, score_sentences
from boligassistent.answering.evidence import Evidence
from boligassistent.domain.documents import Chunk
from boligassistent.retrieval.types import ScoredChunk

pytestmark = pytest.mark.unit

EVIDENCE = Evidence(coverage=1.0, top_dense=0.9, missing_entities=[])


def hit(n: int, kind: str, text: str, heading: str = "Bostøtte") -> ScoredChunk:
    chunk = Chunk(chunk_id=f"c{n}", doc_id=f"d{n}", section_id="s", ordinal=0, text=text, header="",
                  label=f"testlova § {n}" if kind == "lov" else heading, title=f"Dokument {n}", kind=kind,
                  heading_path=[heading])
    return ScoredChunk(chunk=chunk, score=1.0 / n)


HITS = [
    hit(1, "veiledning", "Studenter uten barn har ikke rett til bostøtte fra Husbanken. Kort."),
    hit(2, "rapport", "Bostøtte til studenter er omtalt i mange rapporter om bostøtte.", heading="Kilder"),
    hit(3, "lov", "Studentar som ikkje har barn i husstanden, har ikkje rett til bustøtte etter lova."),
]


def test_quotes_verbatim_with_numbered_citations_and_complements_guidance_with_the_law():
    draft = ExtractiveBackend().compose("Kan studenter få bostøtte?", "Kan studenter få bostøtte?", HITS, EVIDENCE, [])
    assert [c.chunk_id for c in draft.citations] == ["c1", "c3"]  # the source list (c2) is never quoted
    assert draft.sentences[0] == ("Studenter uten barn har ikke rett til bostøtte fra Husbanken.", [1])
    assert all("Kort." not in s for s, _ in draft.sentences)  # fragments are skipped
    assert draft.text.startswith("«Studenter uten barn har ikke rett til bostøtte fra Husbanken.» [1]\n\n– «")
    assert draft.text.endswith("[2]") and draft.citations[1].section == "testlova § 3"


def test_configured_limits_apply():
    strict = ExtractiveConfig(max_sentences=1, complement_ratio=10.0)  # no complement can qualify
    draft = ExtractiveBackend(strict).compose("Kan studenter få bostøtte?", "Kan studenter få bostøtte?", HITS, EVIDENCE, [])
    assert len(draft.sentences) == 1


def test_a_question_naming_the_source_is_answered_by_what_the_source_found_not_by_its_name():
    def report_hit(n: int, heading: str, text: str) -> ScoredChunk:
        chunk = Chunk(chunk_id=f"r{n}", doc_id="rapporter/r.pdf", section_id=f"s{n}", ordinal=n, text=text,
                      header=f"Samarbeid om bolig (Testforskning) › {heading}", label=heading,
                      title="Samarbeid om bolig", kind="rapport", heading_path=["Samarbeid om bolig", heading])
        return ScoredChunk(chunk=chunk, score=1.0 / n)

    hits = [report_hit(1, "Forord", "Testforskning takker kommunene for et godt samarbeid i prosjektet."),
            report_hit(2, "Funn", "Utfordringene som ble pekt på, gjaldt tjenester som konkurrerte om brukerne.")]
    question = "Hvilke utfordringer pekte Testforskning på for kommunene?"
    draft = ExtractiveBackend().compose(question, question, hits, EVIDENCE, [])
    assert draft.sentences[0][0].startswith("Utfordringene som ble pekt på"), draft.sentences


def test_a_unit_saying_a_question_terms_synonym_holds_that_term():
    """The thesaurus retrieval searched with also chooses the sentence: a unit that says "økonomisk stønad"
    answers a question about "sosialhjelp", one that only says "stønad" does not."""
    hits = [hit(1, "veiledning", "Kommunen kan gi stønad til husleie i særlige tilfeller, etter en konkret vurdering."),
            hit(2, "veiledning", "Kommunen kan gi økonomisk stønad til husleie når inntekten ikke strekker til.")]
    question = "Kan kommunen gi sosialhjelp til husleie?"
    scores = {c.hit_rank: c.score for c in score_sentences(question, hits, {})}
    assert scores[1] > scores[0]
    draft = ExtractiveBackend().compose(question, question, hits, EVIDENCE, [])
    assert draft.sentences[0][0].startswith("Kommunen kan gi økonomisk stønad"), draft.sentences
