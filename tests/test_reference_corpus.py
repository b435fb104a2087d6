"""Integration over ../shared/corpus: loaders on the real files, retrieval, cited answers via the HTTP API,
and the evaluation quality floors (the CI guard). Skips cleanly when the corpus is absent."""

from __future__ import annotations

import json

import httpx
import pytest

from boligassistent.evals.harness import FLOORS_FILE, check_floors, run_evaluation
from boligassistent.runtime import eval_subject
from tests.conftest import SHARED_EVALS, start_server

ADMIN = "ref-admin-key-0123456789abcdef"


def _labels(result, n=3):
    return [h.chunk.label for h in result.hits[:n]]


def test_reference_index_covers_every_file(reference_runtime):
    index = reference_runtime.index
    counts = index.manifest["counts"]["documents_per_kind"]
    assert counts["lov"] >= 15 and counts["forskrift"] >= 9 and counts["rapport"] >= 5 and counts["veiledning"] >= 21
    assert not index.manifest["skipped"]
    husleie = index.document("lovdata-xml/nl-19990326-017.xml")
    assert any(s["label"] == "husleieloven § 9-3a" for s in husleie["sections"])
    report = next(c for c in index.chunks if c.kind == "rapport")
    assert report.pages is not None


def test_report_footnotes_are_out_of_the_running_text(reference_runtime):
    """The NTNU report's extracted text sets its footnotes mid-page, inside sentences; they are a section of their
    own, so the sentence about the family with nine helpers reads on from «barnevern,» to «NAV»."""
    doc_id = "rapporter/2017-ntnu-samfunnsforskning-bolig-for-velferd-laeringsprosjekter-midt-norge.pdf"
    chunks = [c for c in reference_runtime.index.chunks if c.doc_id == doc_id]
    body = " ".join(c.text for c in chunks if c.heading_path[-1] != "Fotnoter")
    notes = " ".join(c.text for c in chunks if c.heading_path[-1] == "Fotnoter")
    assert "kontakt med ni ulike aktører og ha tjenester både fra barnevern, NAV" in body
    assert "Stortinget vedtok en lovendring" not in body and "Stortinget vedtok en lovendring" in notes
    assert "BUP13" not in body and "BUP, PUT og" in body


def test_student_question_finds_the_student_rules(any_reference_runtime):
    """The rule on students is in bustøttelova § 4 and in Husbanken's guidance on it; either answers."""
    result = any_reference_runtime.retriever.search("Kan studenter få bostøtte?", k=3)
    assert "bustøttelova § 4" in _labels(result, 3) or any(
        "student" in h.chunk.text.lower() and "bostotte" in h.chunk.doc_id for h in result.hits[:3])


def test_backends_rank_the_dev_questions_alike(reference_runtime, reference_pg_runtime):
    """BM25 is the same terms and formula in both backends; the dense arm the same vectors (pgvector's HNSW
    against FAISS's exact search, so allow an occasional swap of neighbours far down the list)."""
    from boligassistent.evals.dataset import load_questions

    datasets = sorted(SHARED_EVALS.glob("*.jsonl"))
    if not datasets:
        pytest.skip(f"no dev question sets in {SHARED_EVALS}")
    questions = [q.question for path in datasets for q in load_questions(path)]
    same_hybrid_top5 = 0
    for question in questions:
        ranked = {}
        for name, runtime in (("embedded", reference_runtime), ("postgres", reference_pg_runtime)):
            hits = runtime.retriever.search(question, k=10, mode="bm25").hits
            ranked[name] = ([h.chunk.chunk_id for h in hits], [h.arm_score("bm25") for h in hits],
                            [h.chunk.chunk_id for h in runtime.retriever.search(question, k=5).hits])
        assert ranked["postgres"][0] == ranked["embedded"][0], question
        assert ranked["postgres"][1] == pytest.approx(ranked["embedded"][1], rel=1e-9), question
        same_hybrid_top5 += ranked["postgres"][2] == ranked["embedded"][2]
    assert same_hybrid_top5 >= 0.95 * len(questions)


def test_prison_question_finds_institution_guidance(any_reference_runtime):
    result = any_reference_runtime.retriever.search("soning lenger enn seks måneder bostøtte", k=3)
    assert any(h.chunk.doc_id == "veiledning/bostotte-institusjon-fengsel.html" for h in result.hits)


def test_nynorsk_variants_reach_the_same_law(any_reference_runtime):
    result = any_reference_runtime.retriever.search("Kva seier lova om teieplikt for sosialtenesta?", k=5)
    assert any("taushetsplikt" in h.chunk.text.lower() for h in result.hits)


@pytest.fixture(scope="module")
def reference_api(tmp_path_factory, reference_settings, reference_runtime):
    tmp = tmp_path_factory.mktemp("ref-api")
    settings = reference_settings.model_copy(update={"state_db": tmp / "state.sqlite3", "admin_key": ADMIN,
                                                     "rate_limit_per_minute": 0})
    server, _ = start_server(settings, reference_runtime)
    with server:
        yield server.url


def _ask(url: str, question: str) -> dict:
    r = httpx.post(url + "/v1/ask", json={"question": question}, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_answer_student_cites_bustottelova_4(reference_api):
    body = _ask(reference_api, "Kan en student få bostøtte?")
    assert not body["abstained"]
    # the rule on students: bustøttelova § 4 or Husbanken's guidance on students
    assert any((c["section"] == "bustøttelova § 4" and c["url"].startswith("https://lovdata.no/lov/2012-08-24-64"))
               or c["doc_id"] == "veiledning/bostotte-studenter.html" for c in body["citations"])
    assert "student" in body["answer"].lower()


def test_answer_prison_six_months_individual_assessment(reference_api):
    body = _ask(reference_api, "Hva skjer med bostøtten hvis brukeren soner mer enn seks måneder?")
    assert not body["abstained"]
    assert any(c["doc_id"] == "veiledning/bostotte-institusjon-fengsel.html" for c in body["citations"])
    assert "individuell" in body["answer"].lower() or "seks måneder" in body["answer"].lower()


def test_answer_information_sharing_cites_confidentiality_sources(reference_api):
    body = _ask(reference_api, "Kan NAV dele opplysninger med kommunen uten samtykke?")
    assert not body["abstained"]
    assert any("taushetsplikt" in (c["title"] + c["quote"]).lower() for c in body["citations"])


# Every word of the weather question is in the corpus ("været", "Tromsø" and "morgen" each in some chunk of one long
# report), so no gate fires and the model decides from the top document's hits. It answered while that report's chunks
# filled most of the top eight (P(decline) .58, a strict xfail here). Since analyzer v9 (compound parts spelt alike)
# moved the BM25 terms, that report's hits cover two of the three words and the model declines (P .87 against .79):
# a near-threshold case, kept as a plain test now that it holds.
_WEATHER = "Hva blir været i Tromsø i morgen?"


@pytest.mark.parametrize("question", ["Har du en god oppskrift på fiskesuppe?", _WEATHER,
                                      "Hvordan beregnes selskapsskatt for et aksjeselskap?"])
def test_out_of_domain_questions_abstain(reference_api, question):
    body = _ask(reference_api, question)
    assert body["abstained"] and body["citations"] == []


def test_follow_up_in_conversation(reference_api):
    h = {"Authorization": f"Bearer {ADMIN}"}
    first = httpx.post(reference_api + "/v1/chat", json={"message": "Hva skjer med bostøtten når brukeren soner i fengsel?"},
                       headers=h).json()
    second = httpx.post(reference_api + "/v1/chat", json={"conversation_id": first["conversation_id"],
                                                          "message": "gjelder det også varetekt?"}, headers=h).json()
    assert "fengsel" in second["resolved_query"]
    assert not second["abstained"]
    assert any("varetekt" in c["quote"].lower() or c["doc_id"] == "veiledning/bostotte-institusjon-fengsel.html"
               for c in second["citations"])


def test_eval_quality_floors(any_reference_runtime, tmp_path):
    """CI guard, on both backends: hybrid Recall@5, fact coverage and abstention F1 must not fall below the
    committed floors, and hybrid must beat each single arm."""
    datasets = sorted(SHARED_EVALS.glob("*.jsonl"))
    if not datasets:
        pytest.skip(f"no dev question sets in {SHARED_EVALS}")
    summary = run_evaluation(eval_subject(any_reference_runtime), datasets, tmp_path,
                             ("bm25-norwegian", "dense", "hybrid", "hybrid+answer"))
    floors = json.loads(FLOORS_FILE.read_text())
    assert check_floors(summary, floors) == []
    hybrid = summary["systems"]["hybrid"]["recall@5"]
    assert hybrid > summary["systems"]["bm25-norwegian"]["recall@5"] and hybrid > summary["systems"]["dense"]["recall@5"]
    assert (tmp_path / "report.html").stat().st_size > 10_000
