"""The persisted hybrid index: chunks, BM25 postings, FAISS vectors and a manifest.

Layout of an index directory::

    INDEX_DIR/current -> gen-20261123T101500-ab12   (symlink, switched atomically)
    INDEX_DIR/gen-…/manifest.json                    files, hashes, model, config, counts, versions
    INDEX_DIR/gen-…/documents.json                   document metadata and sections
    INDEX_DIR/gen-…/chunks.jsonl                     one Chunk per line
    INDEX_DIR/gen-…/bm25_terms.json + bm25_postings.npz   BM25 statistics (`indexing.bm25.Postings`)
    INDEX_DIR/gen-…/faiss.index                      dense vectors, searched in memory
    INDEX_DIR/gen-…/vectors.npy                      the same vectors, read only by the next build

Loading reads the postings and the FAISS index as they are: only the k1/b-dependent BM25 weights are derived,
and the vectors are held once (inside FAISS).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from boligassistent.domain.documents import Chunk
from boligassistent.indexing.bm25 import BM25, BM25Config, Postings
from boligassistent.indexing.generation import (
    INDEX_FORMAT,
    GenerationPlan,
    IndexError_,
    IndexMismatch,
    IndexNotFound,
)
from boligassistent.retrieval.store import Candidate, SearchFilters, in_citation_order
from boligassistent.text.legal_refs import in_chapter

__all__ = ["EmbeddedTarget", "FaissConfig", "HybridIndex", "IndexError_", "IndexMismatch", "IndexNotFound", "load_index",
           "current_generation"]

CURRENT = "current"


@dataclass(frozen=True)
class FaissConfig:
    hnsw_above: int = 200_000  # exact (flat inner-product) search up to this many chunks, HNSW above
    hnsw_m: int = 32  # HNSW graph degree (build time)
    hnsw_ef_construction: int = 40  # HNSW build breadth (build time; FAISS's default)
    hnsw_ef_search: int = 128  # HNSW search breadth (≥ candidates per arm; applied when an index is loaded)


def build_faiss(vectors: np.ndarray, config: FaissConfig) -> faiss.Index:
    dim = vectors.shape[1]
    index: faiss.Index
    if len(vectors) > config.hnsw_above:
        index = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = config.hnsw_ef_construction
        index.hnsw.efSearch = config.hnsw_ef_search
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
    postings: Postings
    faiss_index: faiss.Index
    bm25: BM25 | None = None  # None for an empty index (BM25 divides by the corpus size)
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

    def bm25_search(self, terms: list[str], n: int, filters: SearchFilters) -> list[Candidate]:
        if not terms or self.bm25 is None:
            return []
        scores = self.bm25.get_scores(terms)
        if filters.active:
            scores = np.where(np.array([filters.allows(c) for c in self.chunks]), scores, -np.inf)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        ranked = sorted((i for i in top if scores[i] > 0), key=lambda i: (-scores[i], self.chunks[i].chunk_id))
        return [Candidate(self.chunks[i], float(scores[i])) for i in ranked]

    def vector_search(self, vector: np.ndarray, n: int, filters: SearchFilters) -> list[Candidate]:
        total = self.faiss_index.ntotal
        if total == 0:
            return []
        want = total if filters.active else min(n, total)
        scores, ids = self.faiss_index.search(vector.reshape(1, -1).astype(np.float32), want)
        out: list[Candidate] = []
        for score, idx in zip(scores[0], ids[0]):
            if idx >= 0 and filters.allows(self.chunks[idx]):
                out.append(Candidate(self.chunks[idx], float(score)))
                if len(out) >= n:
                    break
        return out

    def known_terms(self, terms: list[str]) -> set[str]:
        return self.bm25.known_terms(terms) if self.bm25 else set()

    def term_idf(self, terms: list[str]) -> dict[str, float]:
        return self.bm25.term_idf(terms) if self.bm25 else {}

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

    def legal_sections(self, doc_id: str, section_ids: list[str] | None, chapter: str | None, n: int) -> list[Candidate]:
        chunks = [c for c in self.chunks if c.doc_id == doc_id and c.is_legal]
        if section_ids:
            found = in_citation_order(chunks, section_ids)
        elif chapter is not None:
            found = [c for c in chunks if in_chapter(c.heading_path, chapter)]
        else:
            found = []
        return [Candidate(c, 1.0) for c in found[:n]]

    def neighbours(self, chunk: Chunk) -> list[Chunk]:
        pos = self._by_id.get(chunk.chunk_id)
        if pos is None:
            return []
        return [self.chunks[i] for i in (pos - 1, pos + 1) if 0 <= i < len(self.chunks)
                and self.chunks[i].doc_id == chunk.doc_id and self.chunks[i].section_id == chunk.section_id]

    def iter_chunks(self) -> Iterator[Chunk]:
        return iter(self.chunks)

    def chunk_terms(self, chunk_ids: list[str]) -> set[str]:
        return self.postings.chunk_terms(pos for chunk_id in chunk_ids if (pos := self._by_id.get(chunk_id)) is not None)

    def close(self) -> None:
        """Nothing to release: the index lives in this process's memory."""


def _read_chunks(generation: Path) -> list[Chunk]:
    with (generation / "chunks.jsonl").open(encoding="utf-8") as fh:
        return [Chunk.from_dict(json.loads(line)) for line in fh]


def _read_documents(generation: Path) -> dict[str, dict]:
    return json.loads((generation / "documents.json").read_text(encoding="utf-8"))


def write_generation(target: Path, manifest: dict, documents: dict[str, dict], chunks: list[Chunk],
                     postings: Postings, vectors: np.ndarray, faiss_index: faiss.Index) -> None:
    target.mkdir(parents=True)
    with (target / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for chunk in chunks:
            fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    (target / "documents.json").write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    postings.save(target)
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


def load_index(index_dir: Path, bm25: BM25Config | None = None, faiss_config: FaissConfig | None = None,
               expected_model_id: str | None = None) -> HybridIndex:
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
    postings = Postings.load(generation)
    faiss_index = faiss.read_index(str(generation / "faiss.index"))
    if isinstance(faiss_index, faiss.IndexHNSW):
        faiss_index.hnsw.efSearch = (faiss_config or FaissConfig()).hnsw_ef_search
    return HybridIndex(path=generation, manifest=manifest, documents_by_id=_read_documents(generation),
                       chunks=_read_chunks(generation), postings=postings, faiss_index=faiss_index,
                       bm25=BM25(postings, bm25 or BM25Config()) if postings.size else None)


Row = tuple[Chunk, dict[str, int], np.ndarray]  # a chunk, its analyzer term frequencies, its vector


def read_generation_rows(generation: Path) -> tuple[dict[str, dict], dict[str, list[Row]]]:
    """Documents and per-document rows of a generation on disk (what a build carries over)."""
    postings = Postings.load(generation)
    vectors = np.load(generation / "vectors.npy", mmap_mode="r")
    rows: dict[str, list[Row]] = {}
    for i, chunk in enumerate(_read_chunks(generation)):
        rows.setdefault(chunk.doc_id, []).append((chunk, postings.chunk_counts(i), vectors[i]))
    return _read_documents(generation), rows


@dataclass
class EmbeddedTarget:
    """Publishes generations as directories under `index_dir`, switched by the `current` symlink."""

    index_dir: Path
    faiss: FaissConfig = field(default_factory=FaissConfig)

    @property
    def location(self) -> str:
        return str(self.index_dir)

    def previous_manifest(self) -> dict | None:
        return read_manifest(self.index_dir)

    def publish(self, plan: GenerationPlan) -> str:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        old_documents: dict[str, dict] = {}
        old_rows: dict[str, list[Row]] = {}
        previous = current_generation(self.index_dir)
        if plan.kept and previous is not None:
            old_documents, old_rows = read_generation_rows(previous)
        new_rows: dict[str, list[Row]] = {}
        for chunk, toks, vec in zip(plan.chunks, plan.tokens, plan.vectors):
            new_rows.setdefault(chunk.doc_id, []).append((chunk, Counter(toks), vec))
        documents: dict[str, dict] = {}
        rows: list[Row] = []
        for doc_id in plan.order:
            if doc_id in plan.kept:
                documents[doc_id] = old_documents[doc_id]
                rows.extend(old_rows.get(doc_id, []))
            else:
                documents[doc_id] = plan.documents[doc_id]
                rows.extend(new_rows.get(doc_id, []))
        dim = plan.manifest["embedding"]["dim"]
        vectors = np.vstack([r[2] for r in rows]).astype(np.float32) if rows else np.zeros((0, dim), np.float32)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        building = self.index_dir / f".building-{stamp}-{uuid.uuid4().hex[:6]}"
        write_generation(building, plan.manifest, documents, [r[0] for r in rows], Postings.from_counts(r[1] for r in rows),
                         vectors, build_faiss(vectors, self.faiss))
        final = self.index_dir / f"gen-{stamp}-{uuid.uuid4().hex[:6]}"
        building.rename(final)
        activate_generation(self.index_dir, final)
        return final.name
