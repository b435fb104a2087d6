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
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np
from rank_bm25 import BM25Okapi

from corpus.models import Chunk

INDEX_FORMAT = 1
CURRENT = "current"


class IndexError_(RuntimeError):
    """Base error for a missing or incompatible index (named to avoid the builtin IndexError)."""


class IndexNotFound(IndexError_):
    pass


class IndexMismatch(IndexError_):
    pass


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
    path: Path
    manifest: dict
    documents: dict[str, dict]
    chunks: list[Chunk]
    tokens: list[list[str]]
    vectors: np.ndarray
    faiss_index: faiss.Index
    bm25: BM25Okapi | None = None
    _by_id: dict[str, int] = field(default_factory=dict)
    _labels: dict[str, list[int]] | None = None
    _df: dict[str, int] | None = None

    def __post_init__(self) -> None:
        self._by_id = {c.chunk_id: i for i, c in enumerate(self.chunks)}

    def chunk_position(self, chunk_id: str) -> int | None:
        return self._by_id.get(chunk_id)

    def label_positions(self) -> dict[str, list[int]]:
        """Lowercased citation label (e.g. 'bustøttelova § 4') → chunk positions; built on first use."""
        if self._labels is None:
            labels: dict[str, list[int]] = {}
            for i, chunk in enumerate(self.chunks):
                if chunk.kind in ("lov", "forskrift"):
                    labels.setdefault(" ".join(chunk.label.lower().split()), []).append(i)
            self._labels = labels
        return self._labels

    def document_frequency(self) -> dict[str, int]:
        """Analyzed term → number of chunks containing it; built on first use."""
        if self._df is None:
            df: dict[str, int] = {}
            for tokens in self.tokens:
                for term in set(tokens):
                    df[term] = df.get(term, 0) + 1
            self._df = df
        return self._df

    def chunk(self, chunk_id: str) -> Chunk | None:
        pos = self._by_id.get(chunk_id)
        return self.chunks[pos] if pos is not None else None

    @property
    def model_id(self) -> str:
        return self.manifest["embedding"]["model_id"]


def make_bm25(tokens: list[list[str]], k1: float, b: float) -> BM25Okapi | None:
    # rank-bm25 divides by the corpus size; an empty index simply has no lexical arm
    return BM25Okapi(tokens, k1=k1, b=b) if tokens else None


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
    return HybridIndex(path=generation, manifest=manifest, documents=documents, chunks=chunks, tokens=tokens,
                       vectors=vectors, faiss_index=faiss_index, bm25=make_bm25(tokens, bm25_k1, bm25_b))
