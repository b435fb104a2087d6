"""summary.json, report.md and a self-contained report.html (plots embedded as PNG data URIs).

summary.json schema::

    {"generated_at": ISO time, "datasets": [names], "index": {"built_at", "chunks", "model_id"},
     "systems": {NAME: {"recall@1|3|5|10", "mrr@10", "doc_recall@5", "n_questions", "n_answerable",
                        "latency_ms": {STAGE: {"p50", "p95"}},
                        # answer systems only:
                        "fact_coverage", "citation_hit_rate", "citation_validity", "abstention_f1",
                        "abstention_precision", "abstention_recall", "false_abstain_rate",
                        "abstention_confusion": {"tp","fp","fn","tn"}, "answer_length_chars",
                        "abstention_reasons": {REASON: {"unanswerable", "answerable"}},   # REASON: scope, live-data, year,
                        "answered": {"unanswerable", "answerable"},                       #   answer-type, vague, model, other
                        "confidently_wrong", "confidently_wrong_unanswerable",
                        "abstention_by_dataset": {DATASET: {the five keys above}}}},
     "breakdowns": {NAME: {"type"|"topic"|"kind": {VALUE: {"recall@5", "n"}}}},
     "compare": {NAME: {METRIC: delta}}   # only with --compare
    }
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

from boligassistent.evals.extra import MissingEvalExtra
from boligassistent.evals.runner import KS, REASONS, QuestionResult

HEADLINE = ("recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "doc_recall@5", "fact_coverage", "citation_hit_rate",
            "citation_validity", "abstention_f1", "false_abstain_rate", "confidently_wrong")


def compare(summary: dict, old: dict) -> dict[str, dict[str, float]]:
    deltas: dict[str, dict[str, float]] = {}
    for system, metrics in summary["systems"].items():
        before = old.get("systems", {}).get(system)
        if not before:
            continue
        deltas[system] = {m: metrics[m] - before[m] for m in HEADLINE if m in metrics and m in before}
    return deltas


def _pyplot():
    """matplotlib's pyplot on the Agg backend; MissingEvalExtra when the `eval` extra is not installed."""
    try:
        import matplotlib
    except ModuleNotFoundError as exc:
        raise MissingEvalExtra("plotting the report", exc) from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> str:
    plt = _pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def plots(summary: dict, results: dict[str, list[QuestionResult]]) -> dict[str, str]:
    plt = _pyplot()
    out: dict[str, str] = {}
    fig, ax = plt.subplots(figsize=(6, 4))
    for system, metrics in summary["systems"].items():
        ax.plot(KS, [metrics[f"recall@{k}"] for k in KS], marker="o", label=system)
    ax.set_xlabel("k")
    ax.set_ylabel("Recall@k (evidence)")
    ax.set_ylim(0, 1)
    ax.set_title("Recall@k per system")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    out["recall"] = _png(fig)

    main = "hybrid" if "hybrid" in summary["breakdowns"] else next(iter(summary["breakdowns"]), None)
    if main:
        topics = summary["breakdowns"][main]["topic"]
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(topics) + 1.2))
        names = list(topics)
        ax.barh(names, [topics[t]["recall@5"] for t in names], color="#2a6f97")
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"Recall@5 ({main})")
        ax.set_title("Recall@5 per topic")
        out["topics"] = _png(fig)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for system, rs in results.items():
        ax.hist([r.latency_ms["total"] for r in rs], bins=20, alpha=0.5, label=system)
    ax.set_xlabel("end-to-end latency (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Latency")
    ax.legend(fontsize=8)
    out["latency"] = _png(fig)

    answer_system = next((s for s, m in summary["systems"].items() if "abstention_confusion" in m), None)
    if answer_system:
        c = summary["systems"][answer_system]["abstention_confusion"]
        fig, ax = plt.subplots(figsize=(3.8, 3.2))
        grid = [[c["tn"], c["fp"]], [c["fn"], c["tp"]]]
        ax.imshow(grid, cmap="Blues")
        for i in range(2):
            for j in range(2):
                ax.text(j, i, str(grid[i][j]), ha="center", va="center", fontsize=14)
        ax.set_xticks([0, 1], ["answered", "abstained"])
        ax.set_yticks([0, 1], ["answerable", "unanswerable"])
        ax.set_title(f"Abstention ({answer_system})")
        out["abstention"] = _png(fig)
    return out


def _fmt(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _system_table(summary: dict) -> tuple[list[str], list[list[str]]]:
    cols = ["system"] + [m for m in HEADLINE if any(m in s for s in summary["systems"].values())] + ["p50 ms", "p95 ms"]
    rows = []
    for system, m in summary["systems"].items():
        rows.append([system] + [_fmt(m[c]) if c in m else "–" for c in cols[1:-2]]
                    + [f"{m['latency_ms']['total']['p50']:.1f}", f"{m['latency_ms']['total']['p95']:.1f}"])
    return cols, rows


def _failures(results: dict[str, list[QuestionResult]]) -> list[QuestionResult]:
    system = "hybrid+answer" if "hybrid+answer" in results else ("hybrid" if "hybrid" in results else next(iter(results)))

    def badness(r: QuestionResult) -> float:
        if not r.question.answerable:
            return 0.0 if r.abstained in (True, None) else 1.0
        return 1.0 - (r.recall.get(5, 0.0) + (r.fact_coverage if r.fact_coverage is not None else r.recall.get(5, 0.0))) / 2

    return sorted(results[system], key=lambda r: -badness(r))


def _reason_rows(name: str, table: dict) -> list[str]:
    reasons = table["abstention_reasons"]
    cells = [f"{reasons[r]['unanswerable']} / {reasons[r]['answerable']}" for r in REASONS]
    answered = table["answered"]
    return [f"| {name} | " + " | ".join(cells) + f" | {answered['unanswerable']} / {answered['answerable']} | "
            f"{table['confidently_wrong']} ({table['confidently_wrong_unanswerable']}) |"]


def abstention_markdown(summary: dict) -> list[str]:
    """Declines per reason and the confidently wrong answers, per answer system and per dataset."""
    md: list[str] = []
    for system, m in summary["systems"].items():
        if "abstention_reasons" not in m:
            continue
        md += [f"\n## Abstention by reason ({system})\n",
               "Each cell: unanswerable questions declined (right) / answerable questions declined (false). "
               "*Answered*: unanswerable answered / answerable answered. *Confidently wrong*: answered with "
               "citations on an unanswerable question or citing no gold document (of which on unanswerable ones).\n",
               "| dataset | " + " | ".join(REASONS) + " | answered | confidently wrong |", "|---" * (len(REASONS) + 3) + "|"]
        md += _reason_rows("all", m)
        for dataset, table in m.get("abstention_by_dataset", {}).items():
            md += _reason_rows(dataset, table)
    return md


def write_reports(out_dir: Path, summary: dict, results: dict[str, list[QuestionResult]]) -> list[str]:
    """Write summary.json, report.md and report.html; returns what was left out and why (the plots without the
    `eval` extra)."""
    skipped: list[str] = []
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    cols, rows = _system_table(summary)
    failures = _failures(results)

    md = ["# Evaluation report\n", f"Generated {summary['generated_at']} on {', '.join(summary['datasets'])} "
          f"({summary['index']['chunks']} chunks, model `{summary['index']['model_id']}`).\n",
          "## Systems\n", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    if summary.get("compare"):
        md += ["\n## Change against the earlier run\n", "| system | metric | delta |", "|---|---|---|"]
        md += [f"| {s} | {m} | {d:+.3f} |" for s, ms in summary["compare"].items() for m, d in ms.items()]
    for system, dims in summary["breakdowns"].items():
        if system != "hybrid":
            continue
        for dim, groups in dims.items():
            md += [f"\n## Recall@5 by {dim} (hybrid)\n", f"| {dim} | n | recall@5 |", "|---|---|---|"]
            md += [f"| {k} | {v['n']} | {v['recall@5']:.3f} |" for k, v in groups.items()]
    md += abstention_markdown(summary)
    md += ["\n## Per question (worst first)\n", "| id | question | expected | retrieved top 3 | recall@5 | answer |",
           "|---|---|---|---|---|---|"]
    for r in failures:
        expected = ", ".join(sorted(r.question.gold_docs)) or "(abstain)"
        got = ", ".join(d for d, _ in r.retrieved[:3])
        answer = "ABSTAINED" if r.abstained else (r.answer or "")[:160].replace("\n", " ")
        md.append(f"| {r.question.id} | {r.question.question} | {expected} | {got} | {r.recall.get(5, float('nan')):.2f} | "
                  f"{answer.replace('|', '/')} |")
    (out_dir / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")

    try:
        images = plots(summary, results)
    except MissingEvalExtra as exc:
        images = {}
        skipped.append(str(exc))
    esc = html.escape
    table = "<table><tr>" + "".join(f"<th>{esc(c)}</th>" for c in cols) + "</tr>" + "".join(
        "<tr>" + "".join(f"<td>{esc(v)}</td>" for v in r) + "</tr>" for r in rows) + "</table>"
    compare_html = ""
    if summary.get("compare"):
        compare_html = ("<h2>Change against the earlier run</h2>"
                        "<table><tr><th>system</th><th>metric</th><th>delta</th></tr>") + "".join(
            f"<tr><td>{esc(s)}</td><td>{esc(m)}</td><td class='{'pos' if d >= 0 else 'neg'}'>{d:+.3f}</td></tr>"
            for s, ms in summary["compare"].items() for m, d in ms.items()) + "</table>"
    fail_rows = "".join(
        f"<tr><td>{esc(r.question.id)}</td><td>{esc(r.question.question)}</td>"
        f"<td>{esc(', '.join(sorted(r.question.gold_docs)) or '(abstain)')}</td>"
        f"<td>{esc(', '.join(d for d, _ in r.retrieved[:3]))}</td><td>{r.recall.get(5, float('nan')):.2f}</td>"
        f"<td>{esc('ABSTAINED' if r.abstained else (r.answer or '')[:400])}</td></tr>" for r in failures)
    imgs = "".join(f"<figure><img alt='{esc(name)}' src='{uri}'><figcaption>{esc(name)}</figcaption></figure>"
                   for name, uri in images.items()) or f"<p>{esc('; '.join(skipped))}</p>"
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Boligassistent – evaluation report</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px;color:#1a1a1a}}
table{{border-collapse:collapse;margin:1rem 0;font-size:.9rem}}
td,th{{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top}}th{{background:#eef3f7}}
figure{{display:inline-block;margin:1rem}}img{{max-width:560px}}.pos{{color:#0a6b2d}}.neg{{color:#a00}}</style></head><body>
<h1>Evaluation report</h1><p>Generated {esc(summary['generated_at'])} on {esc(', '.join(summary['datasets']))};
index with {summary['index']['chunks']} chunks, model <code>{esc(summary['index']['model_id'])}</code>.</p>
<h2>Systems</h2>{table}{compare_html}<h2>Plots</h2>{imgs}
<h2>Per question (worst first)</h2><table>
<tr><th>id</th><th>question</th><th>expected</th><th>retrieved top 3</th><th>recall@5</th><th>answer</th></tr>{fail_rows}</table>
</body></html>"""
    (out_dir / "report.html").write_text(page, encoding="utf-8")
    return skipped
