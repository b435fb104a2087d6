"""One command: evaluate all systems on the datasets, write reports, compare, enforce floors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from boligassistent.evals.dataset import load_questions
from boligassistent.evals.extra import MissingEvalExtra
from boligassistent.evals.report import HEADLINE, compare, write_reports
from boligassistent.evals.runner import QuestionResult, breakdowns, run_system, summarize
from boligassistent.evals.subject import EvalSubject
from boligassistent.evals.systems import ALL_SYSTEMS

FLOORS_FILE = Path(__file__).parent / "floors.json"


class FloorViolation(Exception):
    pass


def check_floors(summary: dict, floors: dict) -> list[str]:
    """floors: {system: {metric: minimum}}; metrics named *_rate are maxima instead."""
    problems = []
    for system, metrics in floors.items():
        got = summary["systems"].get(system)
        if got is None:
            problems.append(f"{system}: not evaluated")
            continue
        for metric, bound in metrics.items():
            value = got.get(metric)
            if value is None:
                problems.append(f"{system}.{metric}: missing")
            elif metric.endswith("_rate") and metric != "citation_hit_rate" and value > bound:
                problems.append(f"{system}.{metric} = {value:.3f} > maximum {bound}")
            elif not (metric.endswith("_rate") and metric != "citation_hit_rate") and value < bound:
                problems.append(f"{system}.{metric} = {value:.3f} < floor {bound}")
    return problems


def run_evaluation(subject: EvalSubject, datasets: list[Path], out_dir: Path, systems: tuple[str, ...], *,
                   compare_to: Path | None = None, floors: Path | None = None, console: Console | None = None) -> dict:
    """Systems whose optional dependencies are missing (the llamaindex baseline without the `eval` extra) are
    skipped with a message; a run where no system could run is a ValueError."""
    console = console or Console(stderr=True)
    unknown = [s for s in systems if s not in ALL_SYSTEMS]
    if unknown:
        raise ValueError(f"unknown system(s) {unknown}; choose from {', '.join(ALL_SYSTEMS)}")
    questions = [q for path in datasets for q in load_questions(path)]
    results: dict[str, list[QuestionResult]] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        for system in systems:
            task = progress.add_task(f"{system:>15}", total=len(questions))
            try:
                results[system] = run_system(system, subject, questions, progress=partial(progress.advance, task))
            except MissingEvalExtra as exc:
                progress.remove_task(task)
                console.print(f"[yellow]skipping {system}:[/yellow] {escape(str(exc))}")
    if not results:
        raise ValueError(f"none of the systems {', '.join(systems)} could run")
    summary: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "datasets": [p.name for p in datasets],
        "index": {"built_at": subject.index.manifest.get("built_at"), "chunks": subject.index.chunk_count,
                  "model_id": subject.index.model_id, "backend": subject.backend},
        "systems": {name: summarize(rs) for name, rs in results.items()},
        "breakdowns": {name: breakdowns(rs) for name, rs in results.items()},
    }
    if compare_to is not None:
        summary["compare"] = compare(summary, json.loads(compare_to.read_text(encoding="utf-8")))
    for skipped in write_reports(out_dir, summary, results):
        console.print(f"[yellow]report without plots:[/yellow] {escape(skipped)}")

    table = Table(title="Evaluation")
    cols = ["system"] + [m for m in HEADLINE if any(m in s for s in summary["systems"].values())]
    for col in cols + ["p95 ms"]:
        table.add_column(col)
    for name, m in summary["systems"].items():
        row = [name] + [f"{m[c]:.3f}" if c in m else "–" for c in cols[1:]] + [f"{m['latency_ms']['total']['p95']:.0f}"]
        table.add_row(*row)
    console.print(table)
    for system, deltas in summary.get("compare", {}).items():
        console.print(f"{system}: " + ", ".join(f"{m} {d:+.3f}" for m, d in deltas.items()))
    if floors is not None:
        problems = check_floors(summary, json.loads(floors.read_text(encoding="utf-8")))
        if problems:
            raise FloorViolation("; ".join(problems))
        console.print("[green]all quality floors met[/green]")
    return summary
