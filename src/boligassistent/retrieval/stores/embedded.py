"""The persisted hybrid index: chunks, BM25 token lists, FAISS vectors and a manifest.

Layout of an index directory::

    INDEX_DIR/current -> gen-20261123T101500-ab12   (symlink, switched atomically)
    INDEX_DIR/gen-…/manifest.json                    files, hashes, model, config, counts, versions
    INDEX_DIR/gen-…/documents.json                   document metadata and sections
    INDEX_DIR/gen-…/chunks.jsonl                     one Chunk per line
    INDEX_DIR/gen-…/tokens.json                      analyzed tokens per chunk (BM25 arm)
    INDEX_DIR/gen-…/vectors.npy + faiss.index        dense arm
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import faiss
import numpy as np

from boligassistent.domain.documents import Chunk
from boligassistent.indexing.bm25 import BM25Postings
from boligassistent.indexing.generation import (
    INDEX_FORMAT,
    GenerationPlan,
    IndexError_,
    IndexMismatch,
    IndexNotFound,
)
from boligassistent.retrieval.store import ArmCandidates, Candidate, SearchFilters

__all__ = ["EmbeddedTarget", "HybridIndex", "IndexError_", "IndexMismatch", "IndexNotFound", "load_index", "current_generation"]

CURRENT = "current"


def build_faiss(vectors: np.ndarray, hnsw_above: int) -> faiss.Index:
    dim = vectors.shape[1]
    if len(vectors) > hnsw_above:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = 128
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


@dataclass
class HybridIndex:
    """The embedded backend of `IndexStore`: one generation's files loaded into this process."""

    path: Path
    manifest: dict
    documents_by_id: dict[str, dict]
    chunks: list[Chunk]
    tokens: list[list[str]]
    vectors: np.ndarray
    faiss_index: faiss.Index
    bm25: BM25Postings | None = None
    _by_id: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_id = {c.chunk_id: i for i, c in enumerate(self.chunks)}

    # --- IndexStore ----------------------------------------------------------------------------
    @property
    def generation(self) -> str:
        return self.path.name

    @property
    def model_id(self) -> str:
        return self.manifest["embedding"]["model_id"]

    @property
    def chunk_count(self) -> int:
        return len(self.chunks)

    @property
    def document_count(self) -> int:
        return len(self.documents_by_id)

    def candidates(self, query: str, terms: list[str], query_vector: np.ndarray | None, n: int,
                   filters: SearchFilters, lexical: bool = True) -> ArmCandidates:
        return ArmCandidates(lexical=self._bm25_arm(terms, n, filters) if lexical else [],
                             dense=self._dense_arm(query_vector, n, filters) if query_vector is not None else [])

    def _bm25_arm(self, terms: list[str], n: int, filters: SearchFilters) -> list[Candidate]:
        if not terms or self.bm25 is None:
            return []
        scores = self.bm25.get_scores(terms)
        if filters.active:
            scores = np.where(np.array([filters.allows(c) for c in self.chunks]), scores, -np.inf)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        ranked = sorted((i for i in top if scores[i] > 0), key=lambda i: (-scores[i], self.chunks[i].chunk_id))
        return [Candidate(self.chunks[i], float(scores[i])) for i in ranked]

    def _dense_arm(self, query_vector: np.ndarray, n: int, filters: SearchFilters) -> list[Candidate]:
        total = self.faiss_index.ntotal
        if total == 0:
            return []
        want = total if filters.active else min(n, total)
        scores, ids = self.faiss_index.search(query_vector.reshape(1, -1).astype(np.float32), want)
        out: list[Candidate] = []
        for score, idx in zip(scores[0], ids[0]):
            if idx >= 0 and filters.allows(self.chunks[idx]):
                out.append(Candidate(self.chunks[idx], float(score)))
                if len(out) >= n:
                    break
        return out

    def documents(self) -> list[dict]:
        counts: dict[str, int] = {}
        for chunk in self.chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        return [{**{k: v for k, v in d.items() if k != "sections"}, "chunks": counts.get(doc_id, 0)}
                for doc_id, d in self.documents_by_id.items()]

    def document(self, doc_id: str) -> dict | None:
        return self.documents_by_id.get(doc_id)

    def chunk(self, chunk_id: str) -> Chunk | None:
        pos = self._by_id.get(chunk_id)
        return self.chunks[pos] if pos is not None else None

    def neighbours(self, chunk: Chunk) -> list[Chunk]:
        pos = self._by_id.get(chunk.chunk_id)
        if pos is None:
            return []
        return [self.chunks[i] for i in (pos - 1, pos + 1) if 0 <= i < len(self.chunks)
                and self.chunks[i].doc_id == chunk.doc_id and self.chunks[i].section_id == chunk.section_id]

    def iter_chunks(self) -> Iterator[Chunk]:
        return iter(self.chunks)

    def document_frequency(self, terms: list[str]) -> dict[str, int]:
        return {t: self.bm25.document_frequency(t) if self.bm25 else 0 for t in terms}

    def chunk_terms(self, chunk_ids: list[str]) -> set[str]:
        out: set[str] = set()
        for chunk_id in chunk_ids:
            pos = self._by_id.get(chunk_id)
            if pos is not None:
                out.update(self.tokens[pos])
        return out

    def close(self) -> None:
        """Nothing to release: the index lives in this process's memory."""


def make_bm25(tokens: list[list[str]], k1: float, b: float) -> BM25Postings | None:
    # BM25 divides by the corpus size; an empty index simply has no lexical arm
    return BM25Postings(tokens, k1=k1, b=b) if tokens else None


def write_generation(target: Path, manifest: dict, documents: dict[str, dict], chunks: list[Chunk],
                     tokens: list[list[str]], vectors: np.ndarray, faiss_index: faiss.Index) -> None:
    target.mkdir(parents=True)
    with (target / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for chunk in chunks:
            fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    (target / "tokens.json").write_text(json.dumps(tokens, ensure_ascii=False), encoding="utf-8")
    (target / "documents.json").write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    np.save(target / "vectors.npy", vectors)
    faiss.write_index(faiss_index, str(target / "faiss.index"))
    # the manifest is written last: a generation without one is incomplete and never activated
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def activate_generation(index_dir: Path, generation: Path, keep: int = 2) -> None:
    """Point INDEX_DIR/current at `generation` atomically, then prune all but the newest `keep`."""
    link_tmp = index_dir / f".{CURRENT}.tmp"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(generation.name, link_tmp)
    os.replace(link_tmp, index_dir / CURRENT)
    gens = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.name)
    for old in gens[:-keep]:
        if old.name != generation.name:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in index_dir.glob(".building-*"):
        shutil.rmtree(tmp, ignore_errors=True)


def current_generation(index_dir: Path) -> Path | None:
    link = index_dir / CURRENT
    if not link.exists():
        return None
    target = link.resolve()
    return target if (target / "manifest.json").exists() else None


def read_manifest(index_dir: Path) -> dict | None:
    generation = current_generation(index_dir)
    if generation is None:
        return None
    return json.loads((generation / "manifest.json").read_text(encoding="utf-8"))


def load_index(index_dir: Path, bm25_k1: float = 1.2, bm25_b: float = 0.75, expected_model_id: str | None = None) -> HybridIndex:
    generation = current_generation(index_dir)
    if generation is None:
        raise IndexNotFound(f"No index found in {index_dir}. Build one with: boligassistent index --index {index_dir}")
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != INDEX_FORMAT:
        raise IndexMismatch(f"Index in {index_dir} has format {manifest.get('format')}, this version reads {INDEX_FORMAT}. "
                            "Rebuild it with: boligassistent index --rebuild")
    if expected_model_id and manifest["embedding"]["model_id"] != expected_model_id:
        raise IndexMismatch(
            f"Index in {index_dir} was built with embedding model '{manifest['embedding']['model_id']}', "
            f"but the configured model is '{expected_model_id}'. Rebuild it with: boligassistent index --rebuild")
    chunks = [Chunk.from_dict(json.loads(line)) for line in (generation / "chunks.jsonl").open(encoding="utf-8")]
    tokens = json.loads((generation / "tokens.json").read_text(encoding="utf-8"))
    documents = json.loads((generation / "documents.json").read_text(encoding="utf-8"))
    vectors = np.load(generation / "vectors.npy")
    faiss_index = faiss.read_index(str(generation / "faiss.index"))
    return HybridIndex(path=generation, manifest=manifest, documents_by_id=documents, chunks=chunks, tokens=tokens,
                       vectors=vectors, faiss_index=faiss_index, bm25=make_bm25(tokens, bm25_k1, bm25_b))


def read_generation_rows(generation: Path) -> tuple[dict[str, dict], dict[str, list[tuple[Chunk, list[str], np.ndarray]]]]:
    """Documents and per-document (chunk, tokens, vector) rows of a generation on disk."""
    chunks = [Chunk.from_dict(json.loads(line)) for line in (generation / "chunks.jsonl").open(encoding="utf-8")]
    tokens = json.loads((generation / "tokens.json").read_text(encoding="utf-8"))
    vectors = np.load(generation / "vectors.npy")
    rows: dict[str, list[tuple[Chunk, list[str], np.ndarray]]] = {}
    for chunk, toks, vec in zip(chunks, tokens, vectors):
        rows.setdefault(chunk.doc_id, []).append((chunk, toks, vec))
    return json.loads((generation / "documents.json").read_text(encoding="utf-8")), rows


@dataclass
class EmbeddedTarget:
    """Publishes generations as directories under `index_dir`, switched by the `current` symlink."""

    index_dir: Path
    hnsw_above: int = 200_000

    @property
    def location(self) -> str:
        return str(self.index_dir)

    def previous_manifest(self) -> dict | None:
        return read_manifest(self.index_dir)

    def publish(self, plan: GenerationPlan) -> str:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        old_documents: dict[str, dict] = {}
        old_rows: dict[str, list[tuple[Chunk, list[str], np.ndarray]]] = {}
        previous = current_generation(self.index_dir)
        if plan.kept and previous is not None:
            old_documents, old_rows = read_generation_rows(previous)
        new_rows: dict[str, list[tuple[Chunk, list[str], np.ndarray]]] = {}
        for chunk, toks, vec in zip(plan.chunks, plan.tokens, plan.vectors):
            new_rows.setdefault(chunk.doc_id, []).append((chunk, toks, vec))
        documents: dict[str, dict] = {}
        rows: list[tuple[Chunk, list[str], np.ndarray]] = []
        for doc_id in plan.order:
            if doc_id in plan.kept:
                documents[doc_id] = old_documents[doc_id]
                rows.extend(old_rows.get(doc_id, []))
            else:
                documents[doc_id] = plan.documents[doc_id]
                rows.extend(new_rows.get(doc_id, []))
        dim = plan.manifest["embedding"]["dim"]
        vectors = np.vstack([r[2] for r in rows]).astype(np.float32) if rows else np.zeros((0, dim), np.float32)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        building = self.index_dir / f".building-{stamp}-{uuid.uuid4().hex[:6]}"
        write_generation(building, plan.manifest, documents, [r[0] for r in rows], [r[1] for r in rows], vectors,
                         build_faiss(vectors, self.hnsw_above))
        final = self.index_dir / f"gen-{stamp}-{uuid.uuid4().hex[:6]}"
        building.rename(final)
        activate_generation(self.index_dir, final)
        return final.name
