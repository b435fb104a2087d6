"""Build or incrementally update the persisted hybrid index from a corpus directory.

Only added/changed files are parsed and only chunks whose text was never embedded by this model are
embedded. The new generation is written beside the old one and activated by an atomic symlink swap,
so a crash mid-build leaves the previous index untouched and readable.
"""

from __future__ import annotations

import json
import logging
import platform
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from boligassistent import __version__
from corpus.loader import SourceFile, discover, load_document
from corpus.models import Chunk, Document
from corpus.pdf_report import UnreadableDocument
from indexing.analyzer import analyze
from indexing.chunker import ChunkerConfig, chunk_document
from indexing.embedder import Embedder, EmbeddingCache, embed_with_cache
from indexing.store import INDEX_FORMAT, activate_generation, build_faiss, current_generation, write_generation

log = logging.getLogger(__name__)

ANALYZER_VERSION = "no-snowball+variants+stop-v1"


@dataclass
class BuildCallbacks:
    on_files: Callable[[int], None] = lambda total: None
    on_file: Callable[[str, str], None] = lambda doc_id, status: None
    on_embed_total: Callable[[int], None] = lambda total: None
    on_embed_progress: Callable[[int], None] = lambda n: None


@dataclass
class BuildReport:
    index_path: Path | None
    changed: bool
    documents_per_kind: dict[str, int] = field(default_factory=dict)
    n_documents: int = 0
    n_chunks: int = 0
    parsed_files: list[str] = field(default_factory=list)
    reused_files: list[str] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    embedded_chunks: int = 0
    reused_vectors: int = 0
    seconds: float = 0.0


def _document_outline(doc: Document, source: SourceFile) -> dict:
    data = doc.to_dict()
    data["sha256"] = source.sha256
    data["sections"] = [
        {"section_id": s.section_id, "label": s.label, "heading_path": s.heading_path, "pages": list(s.pages) if s.pages else None,
         "url": s.url}
        for s in doc.sections
    ]
    return data


def _config_fingerprint(chunker: ChunkerConfig, model_id: str) -> dict:
    return {"chunker": {"max_chars": chunker.max_chars, "overlap_chars": chunker.overlap_chars},
            "analyzer": ANALYZER_VERSION, "model_id": model_id}


def build_index(corpus_dir: Path, index_dir: Path, embedder: Embedder, chunker: ChunkerConfig, *,
                cache: EmbeddingCache | None = None, rebuild: bool = False, batch_size: int = 32,
                hnsw_above: int = 200_000, callbacks: BuildCallbacks | None = None) -> BuildReport:
    started = time.perf_counter()
    cb = callbacks or BuildCallbacks()
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"Corpus directory not found: {corpus_dir}")
    index_dir.mkdir(parents=True, exist_ok=True)
    sources, skipped = discover(corpus_dir)
    cb.on_files(len(sources))

    fingerprint = _config_fingerprint(chunker, embedder.model_id)
    old_gen = None if rebuild else current_generation(index_dir)
    old_manifest = json.loads((old_gen / "manifest.json").read_text()) if old_gen else None
    compatible = bool(old_manifest and old_manifest.get("format") == INDEX_FORMAT and old_manifest.get("config") == fingerprint)
    old_files: dict[str, dict] = old_manifest["files"] if compatible else {}
    if old_manifest and not compatible:
        log.info("index config changed; re-chunking every file", extra={"old": old_manifest.get("config"), "new": fingerprint})

    # Unchanged corpus and config: nothing to do (the fast path behind the ≤ 5 s no-change rebuild).
    current_files = {s.doc_id: s.sha256 for s in sources}
    old_skipped: dict[str, dict] = old_manifest.get("skipped", {}) if compatible else {}
    old_state = {k: v["sha256"] for k, v in (old_files | old_skipped).items()}
    if compatible and old_state == current_files:
        for doc_id in old_files:
            cb.on_file(doc_id, "unchanged")
        counts = old_manifest["counts"]
        return BuildReport(index_path=old_gen, changed=False, documents_per_kind=counts["documents_per_kind"],
                           n_documents=counts["documents"], n_chunks=counts["chunks"], reused_files=sorted(old_files),
                           skipped=skipped + [(k, v["reason"]) for k, v in old_skipped.items()],
                           seconds=time.perf_counter() - started)

    old_chunks: dict[str, list[tuple[Chunk, list[str], np.ndarray]]] = {}
    old_documents: dict[str, dict] = {}
    if compatible and old_gen is not None:
        chunks = [Chunk.from_dict(json.loads(l)) for l in (old_gen / "chunks.jsonl").open(encoding="utf-8")]
        tokens = json.loads((old_gen / "tokens.json").read_text(encoding="utf-8"))
        vectors = np.load(old_gen / "vectors.npy")
        for chunk, toks, vec in zip(chunks, tokens, vectors):
            old_chunks.setdefault(chunk.doc_id, []).append((chunk, toks, vec))
        old_documents = json.loads((old_gen / "documents.json").read_text(encoding="utf-8"))

    report = BuildReport(index_path=None, changed=True)
    new_chunks: list[Chunk] = []
    new_tokens: list[list[str]] = []
    vector_rows: list[np.ndarray | None] = []
    documents: dict[str, dict] = {}
    files_manifest: dict[str, dict] = {}
    skipped_manifest: dict[str, dict] = {}
    for source in sources:
        previous = old_files.get(source.doc_id)
        if previous and previous["sha256"] == source.sha256 and source.doc_id in old_documents:
            for chunk, toks, vec in old_chunks.get(source.doc_id, []):
                new_chunks.append(chunk)
                new_tokens.append(toks)
                vector_rows.append(vec)
            documents[source.doc_id] = old_documents[source.doc_id]
            files_manifest[source.doc_id] = previous
            report.reused_files.append(source.doc_id)
            cb.on_file(source.doc_id, "unchanged")
            continue
        known_bad = old_skipped.get(source.doc_id)
        if known_bad and known_bad["sha256"] == source.sha256:  # unchanged since it failed: do not parse again
            skipped.append((source.doc_id, known_bad["reason"]))
            skipped_manifest[source.doc_id] = known_bad
            continue
        try:
            doc = load_document(source)
        except UnreadableDocument as exc:
            log.warning("skipping unreadable file", extra={"doc_id": source.doc_id, "reason": str(exc)})
            skipped.append((source.doc_id, str(exc)))
            skipped_manifest[source.doc_id] = {"sha256": source.sha256, "reason": str(exc)}
            cb.on_file(source.doc_id, f"skipped: {exc}")
            continue
        doc_chunks = chunk_document(doc, chunker)
        for chunk in doc_chunks:
            new_chunks.append(chunk)
            new_tokens.append(analyze(chunk.indexed_text))
            vector_rows.append(None)
        documents[doc.doc_id] = _document_outline(doc, source)
        files_manifest[doc.doc_id] = {"sha256": source.sha256, "kind": doc.kind, "chunks": len(doc_chunks)}
        report.parsed_files.append(doc.doc_id)
        cb.on_file(doc.doc_id, f"parsed ({len(doc_chunks)} chunks)")
    report.removed_files = sorted(set(old_files) - set(current_files))

    todo = [i for i, row in enumerate(vector_rows) if row is None]
    report.reused_vectors = len(vector_rows) - len(todo)
    cb.on_embed_total(len(todo))
    if todo:
        matrix, embedded = embed_with_cache(embedder, [new_chunks[i].indexed_text for i in todo], cache, batch_size,
                                            progress=cb.on_embed_progress)
        report.embedded_chunks = embedded
        for j, i in enumerate(todo):
            vector_rows[i] = matrix[j]
    vectors = np.vstack(vector_rows).astype(np.float32) if vector_rows else np.zeros((0, embedder.dim), np.float32)

    kinds = Counter(d["kind"] for d in documents.values())
    report.documents_per_kind = dict(sorted(kinds.items()))
    report.n_documents = len(documents)
    report.n_chunks = len(new_chunks)
    report.skipped = skipped
    manifest = {
        "format": INDEX_FORMAT,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus_dir": str(corpus_dir.resolve()),
        "config": fingerprint,
        "embedding": {"model_id": embedder.model_id, "dim": embedder.dim},
        "files": files_manifest,
        "skipped": skipped_manifest,
        "counts": {"documents": len(documents), "chunks": len(new_chunks), "documents_per_kind": report.documents_per_kind},
        "versions": {"boligassistent": __version__, "python": platform.python_version()},
    }
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    building = index_dir / f".building-{stamp}-{uuid.uuid4().hex[:6]}"
    write_generation(building, manifest, documents, new_chunks, new_tokens, vectors, build_faiss(vectors, hnsw_above))
    final = index_dir / f"gen-{stamp}-{uuid.uuid4().hex[:6]}"
    building.rename(final)
    activate_generation(index_dir, final)
    report.index_path = final
    report.seconds = time.perf_counter() - started
    log.info("index built", extra={"chunks": report.n_chunks, "embedded": report.embedded_chunks, "seconds": round(report.seconds, 2)})
    return report
