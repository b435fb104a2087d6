"""Evaluation harness: metric functions on hand-made cases, dataset validation, a tiny end-to-end eval."""

from __future__ import annotations

import io
import json
import sys

import pytest
from typer.testing import CliRunner

from boligassistent.evals.dataset import (
    DatasetError,
    GoldSource,
    Question,
    load_questions,
    validate_dataset,
)
from boligassistent.evals.harness import check_floors, run_evaluation
from boligassistent.evals.metrics import (
    abstention_scores,
    doc_recall,
    evidence_matches,
    fact_coverage,
    reciprocal_rank,
    span_recall,
)
from boligassistent.evals.normalize import citation_valid, contains_phrase, normalize, words
from boligassistent.runtime import eval_subject


def _q(sources, facts=(), answerable=True):
    return Question(id="q", question="?", answerable=answerable, sources=[GoldSource(*s) for s in sources],
                    answer_facts=list(facts))


def test_evidence_matching_is_whitespace_and_case_insensitive():
    assert evidence_matches("Studentar som ikkje har\n barn i husstanden,  har ikkje rett",
                            "studentar som ikkje har barn i husstanden")
    assert not evidence_matches("Noe helt annet om husleie.", "studentar som ikkje har barn i husstanden")


def test_span_recall_counts_fraction_of_spans_in_best_document():
    q = _q([("a.pdf", "første funn om bolig"), ("a.pdf", "andre funn om gjeld"), ("b.md", "en regel")])
    retrieved = [("a.pdf", "tekst med første funn om bolig her"), ("c.html", "støy"), ("a.pdf", "andre funn om gjeld")]
    assert span_recall(q, retrieved, 1) == 0.5
    assert span_recall(q, retrieved, 3) == 1.0
    assert span_recall(q, [("b.md", "En regel.")], 1) == 1.0  # any one source document answering counts
    assert reciprocal_rank(q, [("c.html", "x"), ("b.md", "en regel")]) == 0.5
    assert doc_recall(q, [("c.html", "x")], 5) == 0.0


def test_fact_coverage_ignores_case_and_punctuation_but_not_spelling_variants():
    assert fact_coverage("Utbetalt BUSTØTTE er 73,7 prosent av differansen.", ["73,7 prosent", "bustøtte"]) == 1.0
    assert fact_coverage("Utbetalt bustøtte er 73,7 prosent.", ["bostøtte"]) == 0.0  # the ruler does not fold nynorsk
    assert fact_coverage("Ingenting relevant.", ["73,7 prosent", "koordinator"]) == 0.0
    assert fact_coverage("En koordinator.", ["73,7 prosent", "koordinator"]) == 0.5
    assert fact_coverage("Koordinatoren hjelper.", ["koordinator"]) == 0.0  # whole words only


def test_eval_normalization_is_its_own():
    assert normalize("  «Bustøtte» – § 4,\nførste ledd. ") == "bustøtte 4 første ledd"
    assert words("ﬁre STUDENTAR") == ["fire", "studentar"]  # NFKC ligature, casefold
    assert contains_phrase("Det gjeld 73,7 prosent [1].", "73,7 prosent") and not contains_phrase("73 prosent", "")


def test_citation_validity_accepts_quotes_and_well_supported_sentences_only():
    passage = "Studentar som ikkje har barn i husstanden, har ikkje rett til bustøtte. Andre kan søkje."
    assert citation_valid("Studentar som ikkje har barn i husstanden, har ikkje rett til bustøtte [1].", [passage])
    assert citation_valid("Andre kan søkje.", ["Noe annet.", passage])  # a short verbatim quote
    assert citation_valid("Husstanden med studentar har ikkje bustøtte.", [passage])  # 4 of 4 long words occur
    assert not citation_valid("Studentar med barn får alltid bustøtte fra kommunen.", [passage])  # 3 of 6
    assert not citation_valid("Andre kan søkje.", [])


def test_abstention_scores_exact():
    scores = abstention_scores([True, True, False, False, False], [True, False, True, False, False])
    assert scores["precision"] == 0.5 and scores["recall"] == 0.5 and scores["f1"] == 0.5
    assert scores["false_abstain_rate"] == pytest.approx(1 / 3)


def test_dataset_validation_reports_bad_lines(tmp_path, fixture_corpus):
    path = tmp_path / "set.jsonl"
    lines = [
        {"id": "a", "question": "Kan studenter få bostøtte?", "answerable": True,
         "sources": [{"source": "lover/lov-2099-01-01-1.md", "evidence": "Studentar som ikkje har barn i husstanden"}],
         "answer_facts": ["ikkje rett"]},
        {"id": "a", "question": "Duplikat", "answerable": False, "sources": [], "answer_facts": []},
        {"id": "c", "question": "Feil sitat", "answerable": True,
         "sources": [{"source": "lover/lov-2099-01-01-1.md", "evidence": "Dette står ikke i loven"}], "answer_facts": []},
        {"id": "d", "question": "Ukjent kilde", "answerable": True,
         "sources": [{"source": "lover/finnes-ikke.md", "evidence": "x"}]},
        {"id": "e", "answerable": True},
    ]
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n{ikke json\n", encoding="utf-8")
    report = validate_dataset(path, fixture_corpus)
    text = "\n".join(report.errors)
    assert not report.ok and len(report.errors) == 5
    assert "duplicate id 'a'" in text and "evidence not found" in text and "source not in corpus" in text
    assert "field 'question' missing" in text and "invalid JSON" in text
    with pytest.raises(DatasetError, match="set.jsonl:5"):
        load_questions(path)


FIXTURE_QUESTIONS = [
    {"id": "f1", "question": "Kan en student få bostøtte?", "answerable": True, "type": "rule", "topic": "bostøtte",
     "sources": [{"source": "lover/lov-2099-01-01-1.md",
                  "evidence": "Studentar som ikkje har barn i husstanden, har ikkje rett til bustøtte."}],
     "answer_facts": ["ikkje rett"]},
    {"id": "f2", "question": "Kan NAV gi politiet kontaktopplysninger?", "answerable": True, "type": "case",
     "topic": "taushetsplikt",
     "sources": [{"source": "veiledning/taushetsplikt.html",
                  "evidence": "NAV-kontoret kan etter forespørsel gi politiet kontaktopplysninger."}],
     "answer_facts": ["etter forespørsel"]},
    {"id": "f3", "question": "Har du en god oppskrift på fiskesuppe?", "answerable": False, "type": "out-of-domain",
     "topic": "annet",
     "sources": [], "answer_facts": []},
]


def test_tiny_end_to_end_eval_writes_reports(tmp_path, fixture_runtime, fixture_corpus):
    dataset = tmp_path / "fixture.jsonl"
    dataset.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in FIXTURE_QUESTIONS), encoding="utf-8")
    assert validate_dataset(dataset, fixture_corpus).ok
    out = tmp_path / "out"
    subject = eval_subject(fixture_runtime)
    summary = run_evaluation(subject, [dataset], out, ("bm25-plain", "bm25-norwegian", "dense", "hybrid", "hybrid+answer"))
    hybrid = summary["systems"]["hybrid"]
    assert hybrid["recall@5"] == 1.0 and hybrid["n_answerable"] == 2
    answer = summary["systems"]["hybrid+answer"]
    assert answer["abstention_f1"] == 1.0 and answer["fact_coverage"] == 1.0 and answer["citation_hit_rate"] == 1.0
    assert set(summary["breakdowns"]["hybrid"]["topic"]) == {"bostøtte", "taushetsplikt"}
    saved = json.loads((out / "summary.json").read_text())
    assert saved["systems"]["hybrid"]["recall@5"] == 1.0
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 4 and "f1" in html
    assert "| hybrid |" in (out / "report.md").read_text()
    # --compare: deltas against the earlier summary
    again = run_evaluation(subject, [dataset], tmp_path / "out2", ("hybrid",), compare_to=out / "summary.json")
    assert again["compare"]["hybrid"]["recall@5"] == 0.0
    assert check_floors(summary, {"hybrid": {"recall@5": 1.01}}) == ["hybrid.recall@5 = 1.000 < floor 1.01"]
    assert check_floors(summary, {"hybrid+answer": {"false_abstain_rate": 0.1}}) == []


def test_eval_cli_validate(tmp_path, fixture_corpus):
    from boligassistent.cli import app

    dataset = tmp_path / "ok.jsonl"
    dataset.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in FIXTURE_QUESTIONS), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "validate", str(dataset), "--corpus", str(fixture_corpus)])
    assert result.exit_code == 0 and "3 questions" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "validate", str(bad), "--corpus", str(fixture_corpus)])
    assert result.exit_code == 1 and "problem" in result.output


def test_without_the_eval_extra_the_baseline_and_plots_are_skipped_with_the_install_command(tmp_path, unit_runtime,
                                                                                           monkeypatch):
    from rich.console import Console

    for module in ("llama_index.core", "llama_index.retrievers.bm25", "matplotlib", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, module, None)  # import fails with ModuleNotFoundError, as when not installed
    dataset = tmp_path / "fixture.jsonl"
    dataset.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in FIXTURE_QUESTIONS), encoding="utf-8")
    console = Console(file=io.StringIO(), width=300)
    summary = run_evaluation(eval_subject(unit_runtime), [dataset], tmp_path / "out", ("hybrid", "llamaindex"), console=console)
    output = console.file.getvalue()
    assert "skipping llamaindex: the llamaindex baseline needs the 'eval' extra" in output
    assert "report without plots: plotting the report needs the 'eval' extra" in output
    assert output.count("pip install 'boligassistent[eval]'") == 2
    assert set(summary["systems"]) == {"hybrid"}
    html = (tmp_path / "out" / "report.html").read_text()
    assert "data:image/png" not in html and "pip install &#x27;boligassistent[eval]&#x27;" in html
    with pytest.raises(ValueError, match="none of the systems llamaindex could run"):
        run_evaluation(eval_subject(unit_runtime), [dataset], tmp_path / "out2", ("llamaindex",), console=console)
