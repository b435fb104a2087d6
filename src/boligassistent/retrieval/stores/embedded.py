"""The persisted hybrid index: chunks, BM25 postings, FAISS vectors and a manifest.

Layout of an index directory::

    INDEX_DIR/current -> gen-20261123T101500-ab12   (symlink, switched atomically)
    INDEX_DIR/previous -> gen-…                      (symlink: the generation current before, the fallback)
    INDEX_DIR/.build.lock                            held by the one running build (holds its pid)
    INDEX_DIR/gen-…/manifest.json                    files, hashes, model, config, counts, versions, artifacts
    INDEX_DIR/gen-…/documents.json                   document metadata and sections
    INDEX_DIR/gen-…/chunks.jsonl                     one Chunk per line
    INDEX_DIR/gen-…/bm25_terms.json + bm25_postings.npz   BM25 statistics (`indexing.bm25.Postings`)
    INDEX_DIR/gen-…/faiss.index                      dense vectors, searched in memory
    INDEX_DIR/gen-…/vectors.npy                      the same vectors, read only by the next build

Loading reads the postings and the FAISS index as they are: only the k1/b-dependent BM25 weights are derived,
and the vectors are held once (inside FAISS).

Safety of builds: a build holds `INDEX_DIR/.build.lock` (`fcntl.flock`) from reading the previous manifest to
the switch, so a second builder waits (up to `EmbeddedTarget.lock_timeout_s`) instead of deleting the first
one's work; it writes into its own `.building-<stamp>-<random>` folder (removed in `finally` if the build
fails), fsyncs every file and the folder, renames it to `gen-…`, fsyncs the index directory and only then
switches `current`. `INDEX_DIR/previous` points at the generation that was current before; it is kept on
disk, and `load_index` serves it (with a warning) when the current generation fails to load. The manifest
records each file's size and SHA-256: loading compares the sizes (a truncated or missing file is found before
it is parsed), a build compares the checksums before it carries anything over from the current generation.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from boligassistent.corpus.discovery import file_hash
from boligassistent.domain.documents import Chunk
from boligassistent.indexing.bm25 import BM25, BM25Config, Postings
from boligassistent.indexing.generation import (
    INDEX_FORMAT,
    GenerationPlan,
    IndexBuildLocked,
    IndexCorrupt,
    IndexError_,
    IndexMismatch,
    IndexNotFound,
)
from boligassistent.retrieval.store import Candidate, SearchFilters, in_citation_order
from boligassistent.text.legal_refs import in_chapter

__all__ = ["EmbeddedTarget", "FaissConfig", "HybridIndex", "IndexError_", "IndexMismatch", "IndexNotFound", "load_index",
           "current_generation", "serving_generation"]

log = logging.getLogger(__name__)

CURRENT = "current"
PREVIOUS = "previous"  # the generation that was current before: kept on disk as the fallback
LOCK_FILE = ".build.lock"
_LOCK_POLL_S = 0.2  # how often a waiting builder retries the lock
# Generations that failed to load in this process. Generations are immutable (a new build is a new folder), so
# one that failed once is not tried again: the hot-swap watcher keeps serving the fallback instead of reloading.
_UNLOADABLE: set[Path] = set()


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

    def term_frequencies(self) -> dict[str, int]:
        return dict(zip(self.postings.terms, self.postings.document_frequencies().tolist()))

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


def _fsync(path: Path) -> None:
    """Flush a file's or a directory's data and metadata to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_generation(target: Path, manifest: dict, documents: dict[str, dict], chunks: list[Chunk],
                     postings: Postings, vectors: np.ndarray, faiss_index: faiss.Index) -> None:
    """Write a complete generation into the new folder `target` and fsync it (files, then the folder)."""
    target.mkdir(parents=True)
    with (target / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for chunk in chunks:
            fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    (target / "documents.json").write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    postings.save(target)
    np.save(target / "vectors.npy", vectors)
    faiss.write_index(faiss_index, str(target / "faiss.index"))
    artifacts = {path.name: {"bytes": path.stat().st_size, "sha256": file_hash(path)} for path in sorted(target.iterdir())}
    # the manifest is written last: a generation without one is incomplete and never activated
    (target / "manifest.json").write_text(json.dumps({**manifest, "artifacts": artifacts}, ensure_ascii=False, indent=2),
                                          encoding="utf-8")
    for path in target.iterdir():
        _fsync(path)
    _fsync(target)


def _point(index_dir: Path, name: str, generation: Path) -> None:
    """Switch the symlink INDEX_DIR/`name` to `generation` atomically (a uniquely named link, then rename)."""
    link_tmp = index_dir / f".{name}.tmp-{uuid.uuid4().hex}"
    os.symlink(generation.name, link_tmp)
    try:
        os.replace(link_tmp, index_dir / name)
    finally:
        if link_tmp.is_symlink():
            link_tmp.unlink()


def _linked(index_dir: Path, name: str) -> Path | None:
    """The generation folder the symlink INDEX_DIR/`name` points at, if it exists."""
    link = index_dir / name
    if not link.exists():  # also a dangling link
        return None
    target = link.resolve()
    return target if target.is_dir() else None


def activate_generation(index_dir: Path, generation: Path, previous: Path | None = None) -> None:
    """Point INDEX_DIR/previous at `previous` (when given) and INDEX_DIR/current at `generation`, each atomically
    and durably, then remove every other generation. Call it holding the build lock."""
    if previous is not None and previous != generation:
        _point(index_dir, PREVIOUS, previous)
    _point(index_dir, CURRENT, generation)
    _fsync(index_dir)
    keep = {generation.name} | {p.name for p in (_linked(index_dir, PREVIOUS),) if p is not None}
    for old in index_dir.glob("gen-*"):
        if old.is_dir() and old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def current_generation(index_dir: Path) -> Path | None:
    target = _linked(index_dir, CURRENT)
    return target if target is not None and (target / "manifest.json").exists() else None


def previous_generation(index_dir: Path) -> Path | None:
    target = _linked(index_dir, PREVIOUS)
    return target if target is not None and (target / "manifest.json").exists() else None


def serving_generation(index_dir: Path) -> Path | None:
    """The generation `load_index` serves now: the current one, or the previous one once the current one has
    failed to load in this process (what the hot-swap watcher compares with the loaded generation)."""
    current = current_generation(index_dir)
    if current is not None and current not in _UNLOADABLE:
        return current
    return previous_generation(index_dir) or current


def _manifest(generation: Path) -> dict:
    try:
        manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"index generation {generation.name} has an unreadable manifest: {exc}") from exc
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"index generation {generation.name} has an unreadable manifest")
    return manifest


def verify_generation(generation: Path, *, hashes: bool = False) -> dict:
    """The generation's manifest, after checking that every file it records is there with its recorded size (a
    cheap check that finds truncated and missing files: loading does it) and, with `hashes`, its recorded
    SHA-256 (reads every file: a build does it before carrying anything over). Raises IndexCorrupt."""
    manifest = _manifest(generation)
    for name, recorded in (manifest.get("artifacts") or {}).items():
        path = generation / name
        actual = path.stat().st_size if path.is_file() else None
        if actual != recorded["bytes"]:
            found = "missing" if actual is None else f"{actual} bytes"
            raise IndexCorrupt(f"index generation {generation.name}: {name} is {found}, "
                               f"the manifest records {recorded['bytes']} bytes")
        if hashes and file_hash(path) != recorded["sha256"]:
            raise IndexCorrupt(f"index generation {generation.name}: {name} does not match the checksum in its manifest")
    return manifest


def read_manifest(index_dir: Path) -> dict | None:
    generation = current_generation(index_dir)
    return None if generation is None else _manifest(generation)


def _load_generation(index_dir: Path, generation: Path, bm25: BM25Config | None, faiss_config: FaissConfig | None,
                     expected_model_id: str | None) -> HybridIndex:
    manifest = verify_generation(generation)
    if manifest.get("format") != INDEX_FORMAT:
        raise IndexMismatch(f"Index in {index_dir} has format {manifest.get('format')}, this version reads {INDEX_FORMAT}. "
                            "Rebuild it with: boligassistent index --rebuild")
    model_id = (manifest.get("embedding") or {}).get("model_id")
    if expected_model_id and model_id != expected_model_id:
        raise IndexMismatch(
            f"Index in {index_dir} was built with embedding model '{model_id}', "
            f"but the configured model is '{expected_model_id}'. Rebuild it with: boligassistent index --rebuild")
    try:
        postings = Postings.load(generation)
        faiss_index = faiss.read_index(str(generation / "faiss.index"))
        if isinstance(faiss_index, faiss.IndexHNSW):
            faiss_index.hnsw.efSearch = (faiss_config or FaissConfig()).hnsw_ef_search
        index = HybridIndex(path=generation, manifest=manifest, documents_by_id=_read_documents(generation),
                            chunks=_read_chunks(generation), postings=postings, faiss_index=faiss_index,
                            bm25=BM25(postings, bm25 or BM25Config()) if postings.size else None)
    except Exception as exc:  # numpy, FAISS, JSON and zip errors on a damaged file
        raise IndexCorrupt(f"index generation {generation.name} is damaged: {type(exc).__name__}: {exc}") from exc
    counts = {len(index.chunks), index.postings.size, index.faiss_index.ntotal,
              (manifest.get("counts") or {}).get("chunks", len(index.chunks))}
    if len(counts) != 1:
        raise IndexCorrupt(f"index generation {generation.name} is damaged: its files disagree on the number of chunks")
    return index


def load_index(index_dir: Path, bm25: BM25Config | None = None, faiss_config: FaissConfig | None = None,
               expected_model_id: str | None = None) -> HybridIndex:
    """The current generation; if it is damaged, the previous one (with a warning). Raises IndexNotFound,
    IndexMismatch (rebuild needed) or IndexCorrupt (no generation loads)."""
    generation = _linked(index_dir, CURRENT)
    if generation is None:
        raise IndexNotFound(f"No index found in {index_dir}. Build one with: boligassistent index --index {index_dir}")
    try:
        return _load_generation(index_dir, generation, bm25, faiss_config, expected_model_id)
    except IndexCorrupt as exc:
        fallback = previous_generation(index_dir)
        if fallback is None or fallback == generation:
            raise IndexCorrupt(f"{exc}; no previous generation to fall back to. "
                               f"Rebuild it with: boligassistent index --rebuild --index {index_dir}") from exc
        _UNLOADABLE.add(generation)
        log.warning("current index generation failed to load; serving the previous one",
                    extra={"generation": generation.name, "fallback": fallback.name, "error": str(exc)})
        return _load_generation(index_dir, fallback, bm25, faiss_config, expected_model_id)


Row = tuple[Chunk, dict[str, int], np.ndarray]  # a chunk, its analyzer term frequencies, its vector


def read_generation_rows(generation: Path) -> tuple[dict[str, dict], dict[str, list[Row]]]:
    """Documents and per-document rows of a generation on disk (what a build carries over)."""
    postings = Postings.load(generation)
    vectors = np.load(generation / "vectors.npy", mmap_mode="r")
    rows: dict[str, list[Row]] = {}
    for i, chunk in enumerate(_read_chunks(generation)):
        rows.setdefault(chunk.doc_id, []).append((chunk, postings.chunk_counts(i), vectors[i]))
    return _read_documents(generation), rows


@contextmanager
def build_lock(index_dir: Path, timeout_s: float) -> Iterator[None]:
    """Hold INDEX_DIR/.build.lock exclusively (`fcntl.flock`, released by the kernel if the process dies);
    wait up to `timeout_s` for another holder, then raise IndexBuildLocked."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        waiting = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = path.read_text(encoding="utf-8", errors="replace").strip() or "unknown"
                if time.monotonic() >= deadline:
                    raise IndexBuildLocked(
                        f"Another build of the index in {index_dir} is still running (process {holder}, lock file {path}); "
                        f"waited {timeout_s:g} s. Let it finish, or stop it, then build again.") from None
                if not waiting:
                    log.warning("another build of this index is running; waiting for it",
                                extra={"index": str(index_dir), "holder_pid": holder, "timeout_s": timeout_s})
                    waiting = True
                time.sleep(_LOCK_POLL_S)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock


@dataclass
class EmbeddedTarget:
    """Publishes generations as directories under `index_dir`, switched by the `current` symlink."""

    index_dir: Path
    faiss: FaissConfig = field(default_factory=FaissConfig)
    lock_timeout_s: float = 3600.0  # how long a second builder of the same index waits for the first one

    @property
    def location(self) -> str:
        return str(self.index_dir)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """The build lock; on taking it, remove what builders that died left behind (only the holder builds)."""
        with build_lock(self.index_dir, self.lock_timeout_s):
            for leftover in self.index_dir.glob(".building-*"):
                log.info("removing an interrupted build", extra={"path": str(leftover)})
                shutil.rmtree(leftover, ignore_errors=True)
            yield

    def _base(self) -> Path | None:
        """The generation a build continues from: the current one if it is intact, else none (a full build;
        the embedding cache makes it cheap), so a damaged generation is never carried over."""
        generation = current_generation(self.index_dir)
        if generation is None:
            return None
        try:
            verify_generation(generation, hashes=True)
        except IndexCorrupt as exc:
            log.warning("current index generation is damaged; building every file again", extra={"error": str(exc)})
            return None
        return generation

    def previous_manifest(self) -> dict | None:
        base = self._base()
        return None if base is None else _manifest(base)

    def publish(self, plan: GenerationPlan) -> str:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        old_documents: dict[str, dict] = {}
        old_rows: dict[str, list[Row]] = {}
        previous = self._base()
        if plan.kept:
            if previous is None:
                raise IndexCorrupt(f"the index generation this build continues from is gone from {self.index_dir}; "
                                   "build again")
            try:
                old_documents, old_rows = read_generation_rows(previous)
            except Exception as exc:
                raise IndexCorrupt(f"index generation {previous.name} is damaged ({type(exc).__name__}: {exc}); "
                                   f"rebuild it with: boligassistent index --rebuild --index {self.index_dir}") from exc
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
        token = uuid.uuid4().hex[:12]
        building = self.index_dir / f".building-{stamp}-{token}"
        final = self.index_dir / f"gen-{stamp}-{token}"
        try:
            write_generation(building, plan.manifest, documents, [r[0] for r in rows],
                             Postings.from_counts(r[1] for r in rows), vectors, build_faiss(vectors, self.faiss))
            os.rename(building, final)
            _fsync(self.index_dir)
        finally:
            if building.exists():
                shutil.rmtree(building, ignore_errors=True)
        activate_generation(self.index_dir, final, previous=previous)
        return final.name
