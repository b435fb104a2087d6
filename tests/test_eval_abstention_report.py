"""The eval report's abstention confusion per reason and its count of confidently wrong answers."""

from __future__ import annotations

import pytest

from boligassistent.evals.dataset import GoldSource, Question
from boligassistent.evals.report import abstention_markdown
from boligassistent.evals.runner import QuestionResult, abstention_breakdown, confidently_wrong

pytestmark = pytest.mark.unit


def result(qid: str, answerable: bool, abstained: bool, reason: str | None = None, cited: list[str] | None = None,
           dataset: str = "dev-a") -> QuestionResult:
    sources = [GoldSource("gold.md", "span")] if answerable else []
    question = Question(qid, "?", answerable, sources, [], dataset=dataset)
    return QuestionResult(question, "hybrid+answer", [], {}, 0.0, 0.0, {}, answer="svar", abstained=abstained,
                          cited_docs=cited or [], reason=reason)


RESULTS = [
    result("u1", False, True, "out-of-scope"), result("u2", False, True, "model"), result("u3", False, False, cited=["x.md"]),
    result("u4", False, True, "vague", dataset="dev-b"), result("a1", True, True, "answer-type"),
    result("a2", True, False, cited=["gold.md"]), result("a3", True, False, cited=["other.md"], dataset="dev-b"),
    result("a4", True, True, "question-too-long", dataset="dev-b"), result("u5", False, True, "live-data"),
    result("u6", False, True, "year"),
]


def test_declines_per_reason_and_confidently_wrong():
    table = abstention_breakdown(RESULTS)
    reasons = table["abstention_reasons"]
    assert reasons["scope"] == {"unanswerable": 1, "answerable": 0} and reasons["model"] == {"unanswerable": 1, "answerable": 0}
    assert reasons["vague"]["unanswerable"] == 1 and reasons["answer-type"] == {"unanswerable": 0, "answerable": 1}
    assert reasons["other"] == {"unanswerable": 0, "answerable": 1}
    assert reasons["live-data"] == {"unanswerable": 1, "answerable": 0}
    assert reasons["year"] == {"unanswerable": 1, "answerable": 0}
    assert table["answered"] == {"unanswerable": 1, "answerable": 2}
    assert [r.question.id for r in RESULTS if confidently_wrong(r)] == ["u3", "a3"]  # cited, but wrong to answer / no gold
    assert table["confidently_wrong"] == 2 and table["confidently_wrong_unanswerable"] == 1
    assert table["abstention_by_dataset"]["dev-b"]["confidently_wrong"] == 1


def test_the_report_has_a_row_per_dataset():
    summary = {"systems": {"hybrid+answer": abstention_breakdown(RESULTS)}}
    md = "\n".join(abstention_markdown(summary))
    assert "| all | 1 / 0 | 1 / 0 | 1 / 0 | 0 / 1 | 1 / 0 | 1 / 0 | 0 / 1 | 1 / 2 | 2 (1) |" in md
    assert "| dev-b |" in md
