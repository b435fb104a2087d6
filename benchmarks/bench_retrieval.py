"""Retrieval benchmark: query latency per search mode, with the previous fusion as the baseline, in one run.

Over an index of the reference corpus (built here into a temporary directory with the user's embedding cache, so
the build time is that of a rebuild with a warm cache, unless --index points at an existing one):
- build time, index size on disk (per file), chunks
- search latency p50/p95 over the dev questions (`--repeats` rounds, the first one not counted): bm25 alone,
  dense alone (query embedding included), hybrid with the configured fusion and hybrid with the baseline fusion
  (`--baseline`: RRF k 60, weights bm25 2 / dense 1 / references 1 / legal 5, 50 candidates per arm)
- Recall@5 / MRR@10 of both hybrids on the same questions, as a check that the figures compare like with like

    .venv/bin/python benchmarks/bench_retrieval.py [--corpus ../shared/corpus] [--index DIR] [--repeats 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from bench_backends import SHARED_CORPUS

from boligassistent.evals.dataset import load_questions
from boligassistent.evals.runner import run_system, summarize
from boligassistent.indexing.builder import build_index
from boligassistent.retrieval.fusion import FusionConfig
from boligassistent.retrieval.retriever import HybridRetriever
from boligassistent.runtime import (
    chunker_config,
    embedding_cache,
    eval_subject,
    fusion_config,
    get_embedder,
    index_target,
    open_runtime,
    retrieval_arms,
)
from boligassistent.settings import Settings

BASELINE = FusionConfig(method="rrf", rrf_k=60, candidates=50,
                        weights={"bm25": 2.0, "dense": 1.0, "references": 1.0, "legal": 5.0})


def pct(values: list[float]) -> str:
    return f"p50 {np.percentile(values, 50):6.1f} ms   p95 {np.percentile(values, 95):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=SHARED_CORPUS)
    parser.add_argument("--index", type=Path, help="an existing index (no build is timed)")
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    work = Path(tempfile.mkdtemp(prefix="bolig-bench-retrieval-"))
    settings = Settings(corpus_dir=args.corpus, index_dir=args.index or work / "index", state_db=work / "state.sqlite3",
                        index_watch_s=0)
    embedder = get_embedder(settings)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    if args.index is None:
        t0 = time.perf_counter()
        report = build_index(settings.corpus_dir, index_target(settings), embedder, chunker_config(settings),
                             cache=embedding_cache(settings))
        print(f"build (warm embedding cache): {time.perf_counter() - t0:.1f} s, {report.n_chunks} chunks")
    generation = (settings.index_dir / "current").resolve()
    files = sorted(p for p in generation.iterdir() if p.is_file())
    total = sum(p.stat().st_size for p in files)
    print(f"index on disk: {total / 1e6:.1f} MB (" + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f}" for p in files) + ")")

    runtime = open_runtime(settings, embedder=embedder)
    configured = fusion_config(settings)
    baseline = HybridRetriever(retrieval_arms(runtime.index, embedder, BASELINE, runtime.catalog, runtime.speller), BASELINE)
    datasets = sorted((args.corpus.parent / "evals").glob("dev-*.jsonl"))
    questions = [q for path in datasets for q in load_questions(path)]
    runs = {"bm25": (runtime.retriever, "bm25"), "dense": (runtime.retriever, "dense"),
            "hybrid (baseline fusion)": (baseline, "hybrid"), "hybrid (configured fusion)": (runtime.retriever, "hybrid")}
    timings: dict[str, list[float]] = {name: [] for name in runs}
    for round_no in range(args.repeats + 1):
        for q in questions:
            for name, (retriever, mode) in runs.items():  # interleaved: machine drift hits every mode alike
                t = time.perf_counter()
                retriever.search(q.question, k=10, mode=mode)
                if round_no:  # the first round warms caches and is not counted
                    timings[name].append((time.perf_counter() - t) * 1000)
    print(f"\nsearch latency over {len(questions)} dev questions × {args.repeats} rounds (k=10)")
    for name, values in timings.items():
        print(f"  {name:<28} {pct(values)}")
    print(f"\nconfigured fusion: {configured}")
    for name, retriever in (("baseline", baseline), ("configured", runtime.retriever)):
        subject = replace(eval_subject(runtime), retriever=retriever)
        m = summarize(run_system("hybrid", subject, questions))
        print(f"  hybrid {name:<11} Recall@1 {m['recall@1']:.3f}  Recall@5 {m['recall@5']:.3f}  MRR@10 {m['mrr@10']:.3f}")
    if args.index is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
