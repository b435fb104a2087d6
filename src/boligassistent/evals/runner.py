"""Run every system over the question sets in one go and compute all metrics."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from boligassistent.evals.dataset import Question
from boligassistent.evals.metrics import (
    abstention_scores,
    doc_recall,
    fact_coverage,
    percentiles,
    reciprocal_rank,
    span_recall,
)
from boligassistent.evals.normalize import citation_valid
from boligassistent.evals.subject import EvalSubject
from boligassistent.evals.systems import make_retriever

KS = (1, 3, 5, 10)


@dataclass
class QuestionResult:
    question: Question
    system: str
    retrieved: list[tuple[str, str]]
    recall: dict[int, float]
    mrr: float
    doc_recall5: float
    latency_ms: dict[str, float]
    answer: str | None = None
    abstained: bool | None = None
    fact_coverage: float | None = None
    citation_hit: float | None = None
    citation_validity: float | None = None
    cited_docs: list[str] = field(default_factory=list)
    reason: str | None = None  # why the assistant declined (its Decision reason)


def _retrieval_metrics(q: Question, retrieved: list[tuple[str, str]]) -> tuple[dict[int, float], float, float]:
    if not q.answerable:
        return {}, 0.0, 0.0
    return {k: span_recall(q, retrieved, k) for k in KS}, reciprocal_rank(q, retrieved, 10), doc_recall(q, retrieved, 5)


def _citation_validity(subject: EvalSubject, sentences: list[tuple[str, list[int]]], cited: dict[int, str]) -> float:
    """Share of the answer's cited sentences that their cited passages support (the evals' own check)."""
    passages = {chunk_id: chunk.indexed_text for chunk_id in set(cited.values()) if (chunk := subject.index.chunk(chunk_id))}
    checks = [citation_valid(text, [passages[cited[n]] for n in ns if n in cited and cited[n] in passages])
              for text, ns in sentences if ns]
    return sum(checks) / len(checks) if checks else 0.0


def run_system(name: str, subject: EvalSubject, questions: list[Question],
               progress: Callable[[], None] | None = None) -> list[QuestionResult]:
    retrieve = make_retriever(name, subject)
    assistant = subject.new_assistant() if name == "hybrid+answer" else None
    results: list[QuestionResult] = []
    for q in questions:
        t0 = time.perf_counter()
        retrieved = retrieve(q.question, 10)
        t1 = time.perf_counter()
        recall, mrr, drec = _retrieval_metrics(q, retrieved)
        result = QuestionResult(question=q, system=name, retrieved=retrieved, recall=recall, mrr=mrr, doc_recall5=drec,
                                latency_ms={"retrieve": (t1 - t0) * 1000, "total": (t1 - t0) * 1000})
        if assistant is not None:
            answer = assistant.answer(q.question)
            result.latency_ms = {"retrieve": answer.timings_ms["retrieve"], "answer": answer.timings_ms["answer"],
                                 "total": answer.timings_ms["total"]}
            result.answer = answer.text
            result.abstained = answer.abstained
            result.reason = answer.reason if answer.abstained else None
            result.cited_docs = [c.doc_id for c in answer.citations]
            if q.answerable and not answer.abstained:
                result.fact_coverage = fact_coverage(answer.text, q.answer_facts)
                result.citation_hit = 1.0 if q.gold_docs & set(result.cited_docs) else 0.0
                # every cited passage was retrieved by construction; check each sentence is supported by what it cites
                result.citation_validity = _citation_validity(subject, answer.sentences,
                                                              {c.n: c.chunk_id for c in answer.citations})
            elif q.answerable:
                result.fact_coverage, result.citation_hit, result.citation_validity = 0.0, 0.0, 0.0
        results.append(result)
        if progress:
            progress()
    return results


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def summarize(results: list[QuestionResult]) -> dict:
    answerable = [r for r in results if r.question.answerable]
    summary: dict = {f"recall@{k}": _mean([r.recall[k] for r in answerable]) for k in KS}
    summary["mrr@10"] = _mean([r.mrr for r in answerable])
    summary["doc_recall@5"] = _mean([r.doc_recall5 for r in answerable])
    summary["n_questions"] = len(results)
    summary["n_answerable"] = len(answerable)
    stages = sorted({s for r in results for s in r.latency_ms})
    summary["latency_ms"] = {stage: percentiles([r.latency_ms[stage] for r in results if stage in r.latency_ms])
                             for stage in stages}
    if results and results[0].abstained is not None:
        summary["fact_coverage"] = _mean([r.fact_coverage or 0.0 for r in answerable])
        summary["citation_hit_rate"] = _mean([r.citation_hit or 0.0 for r in answerable])
        summary["citation_validity"] = _mean([r.citation_validity for r in answerable
                                              if r.citation_validity is not None and not r.abstained])
        abst = abstention_scores([not r.question.answerable for r in results], [bool(r.abstained) for r in results])
        summary["abstention_f1"] = abst["f1"]
        summary["abstention_precision"] = abst["precision"]
        summary["abstention_recall"] = abst["recall"]
        summary["false_abstain_rate"] = abst["false_abstain_rate"]
        summary["abstention_confusion"] = {k: abst[k] for k in ("tp", "fp", "fn", "tn")}
        summary["answer_length_chars"] = _mean([len(r.answer or "") for r in results if not r.abstained])
        summary |= abstention_breakdown(results)
    return summary


REASONS = ("scope", "live-data", "year", "answer-type", "vague", "model", "other")  # the report's columns
_REASON_OF = {"out-of-scope": "scope", "live-data": "live-data", "year": "year", "answer-type": "answer-type",
              "vague": "vague", "model": "model"}


def confidently_wrong(r: QuestionResult) -> bool:
    """Answered with citations, but on an unanswerable question or citing none of the gold documents."""
    if r.abstained or not r.cited_docs:
        return False
    return not r.question.answerable or not (r.question.gold_docs & set(r.cited_docs))


def abstention_breakdown(results: list[QuestionResult]) -> dict:
    """Declines per reason (scope, live data, answer type, vague, model, other), split by whether the question was
    answerable (a false decline) or not (a right one), and the confidently wrong answers; per dataset too."""

    def table(rs: list[QuestionResult]) -> dict:
        reasons = {reason: {"unanswerable": 0, "answerable": 0} for reason in REASONS}
        for r in rs:
            if r.abstained:
                reasons[_REASON_OF.get(r.reason or "", "other")]["answerable" if r.question.answerable else "unanswerable"] += 1
        return {"abstention_reasons": reasons,
                "answered": {"unanswerable": sum(not r.abstained and not r.question.answerable for r in rs),
                             "answerable": sum(not r.abstained and r.question.answerable for r in rs)},
                "confidently_wrong": sum(confidently_wrong(r) for r in rs),
                "confidently_wrong_unanswerable": sum(confidently_wrong(r) and not r.question.answerable for r in rs)}

    out = table(results)
    datasets = sorted({r.question.dataset for r in results})
    out["abstention_by_dataset"] = {d: table([r for r in results if r.question.dataset == d]) for d in datasets}
    return out


def breakdowns(results: list[QuestionResult]) -> dict[str, dict[str, dict[str, float]]]:
    """Recall@5 per type, topic, and gold document kind (answerable questions only)."""
    out: dict[str, dict[str, list[float]]] = {"type": defaultdict(list), "topic": defaultdict(list), "kind": defaultdict(list)}
    for r in results:
        if not r.question.answerable:
            continue
        out["type"][r.question.type or "?"].append(r.recall[5])
        out["topic"][r.question.topic or "?"].append(r.recall[5])
        for kind in {s.source.split("/", 1)[0] for s in r.question.sources}:
            out["kind"][kind].append(r.recall[5])
    return {dim: {k: {"recall@5": _mean(v), "n": len(v)} for k, v in sorted(groups.items())} for dim, groups in out.items()}
