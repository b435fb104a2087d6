"""Index and retrieval benchmark over the reference corpus (prints figures; not a test).

- full build time and chunks/s (cold: empty embedding cache, fresh index dir; skip with --no-cold)
- no-change rebuild time, index size on disk, index load time and the resident memory it adds
- query latency p50/p95 per arm (bm25, dense, hybrid), measured in the same run
- Recall@5 / MRR@10 for bm25-plain, bm25-norwegian, dense, hybrid on ../shared/evals/*.jsonl
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_backends import SHARED_CORPUS, resident_mb

from boligassistent.evals.dataset import load_questions
from boligassistent.evals.runner import run_system, summarize
from boligassistent.indexing.builder import build_index
from boligassistent.indexing.embedder import EmbeddingCache
from boligassistent.retrieval.stores.embedded import EmbeddedTarget
from boligassistent.runtime import (
    chunker_config,
    embedding_cache,
    eval_subject,
    get_embedder,
    open_index,
    open_runtime,
)
from boligassistent.settings import Settings


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=SHARED_CORPUS)
    parser.add_argument("--no-cold", action="store_true", help="skip the cold full build (uses the shared cache instead)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bolig-bench-"))
    settings = Settings(corpus_dir=args.corpus, index_dir=work / "index", state_db=work / "state.sqlite3")
    embedder = get_embedder(settings)
    cache = EmbeddingCache(work / "cold-cache.sqlite3") if not args.no_cold else embedding_cache(settings)

    t0 = time.perf_counter()
    report = build_index(settings.corpus_dir, EmbeddedTarget(settings.index_dir), embedder, chunker_config(settings), cache=cache)
    full = time.perf_counter() - t0
    print(f"full build{' (cold cache)' if not args.no_cold else ' (warm cache)'}: {full:.1f} s, {report.n_chunks} chunks, "
          f"{report.embedded_chunks} embedded, {report.n_chunks / full:.1f} chunks/s")
    t0 = time.perf_counter()
    again = build_index(settings.corpus_dir, EmbeddedTarget(settings.index_dir), embedder, chunker_config(settings), cache=cache)
    print(f"no-change rebuild: {time.perf_counter() - t0:.2f} s (changed={again.changed}); ratio to full build: "
          f"{(time.perf_counter() - t0) / full:.4f}")
    print(f"index size: {dir_size(settings.index_dir) / 1e6:.1f} MB on disk")
    rss0 = resident_mb()
    t0 = time.perf_counter()
    loaded = open_index(settings, expected_model_id=embedder.model_id)
    print(f"index load: {time.perf_counter() - t0:.2f} s, resident memory +{resident_mb() - rss0:.0f} MB")
    del loaded

    runtime = open_runtime(settings)
    datasets = sorted((args.corpus.parent / "evals").glob("*.jsonl"))
    questions = [q for path in datasets for q in load_questions(path)]
    for mode in ("bm25", "dense", "hybrid"):
        times = []
        for _ in range(args.repeats):
            for q in questions:
                t = time.perf_counter()
                runtime.retriever.search(q.question, k=10, mode=mode)
                times.append((time.perf_counter() - t) * 1000)
        print(f"query latency {mode:>6}: p50 {np.percentile(times, 50):6.1f} ms  p95 {np.percentile(times, 95):6.1f} ms "
              f"(n={len(times)}, mean {statistics.mean(times):.1f})")
    print("\nsystem           recall@5  mrr@10")
    for name in ("bm25-plain", "bm25-norwegian", "dense", "hybrid"):
        s = summarize(run_system(name, eval_subject(runtime), questions))
        print(f"{name:<16} {s['recall@5']:8.3f} {s['mrr@10']:7.3f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
