"""Build or incrementally update the persisted hybrid index from a corpus directory.

Only added/changed files are parsed and only chunks whose text was never embedded by this model are
embedded; unchanged files are carried over from the previous generation by the target. The target
(embedded files or PostgreSQL) writes the new generation beside the old one and switches atomically,
so a crash mid-build leaves the previous index untouched and readable.
"""

from __future__ import annotations

import logging
import platform
import time
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from boligassistent.corpus.discovery import SourceFile, discover, load_document
from boligassistent.corpus.errors import UnreadableDocument
from boligassistent.corpus.loaders import LOADER_VERSION
from boligassistent.domain.documents import Chunk, Document
from boligassistent.indexing.chunker import CHUNKER_VERSION, ChunkerConfig, chunk_document
from boligassistent.indexing.embedder import Embedder, EmbeddingCache, embed_with_cache
from boligassistent.indexing.generation import (
    INDEX_FORMAT,
    ExclusiveTarget,
    GenerationPlan,
    IndexTarget,
)
from boligassistent.indexing.terms import indexed_terms

log = logging.getLogger(__name__)

ANALYZER_VERSION = "no-lemma+variants+compounds+snowball-v13"  # v3: accents folded; v4: nynorsk -bod → -bud;
# v5: nynorsk gj/kj before a (kartleggjast, søkja) and after g (leggje); v6: function words typed without æ/ø/å
# ("pa", "nar") are stopwords; v7: a report's publisher counted once per chunk, in its context header
# (`indexing.terms`); v8: nynorsk -skot → -skudd (tilskot, forskot); v9: a compound's parts take the one spelling too
# (bustadtiltak → boligtiltak); v10: nynorsk "teneste" → "tjeneste" inside a word too (sosialtenester, helsetenesta);
# v11: "ifølge" (according to) is a function word; v12: nynorsk "bu" (buande, budde) is "bo"; v13: everyday nynorsk
# words a bokmål text says otherwise (haust → høst, straum → strøm, gøyme → gjemme, månad → måned)


@dataclass
class BuildCallbacks:
    on_files: Callable[[int], None] = lambda total: None
    on_file: Callable[[str, str], None] = lambda doc_id, status: None
    on_embed_plan: Callable[[int, int], None] = lambda to_embed, cached: None  # once, before embedding
    on_embed_progress: Callable[[int], None] = lambda n: None  # after each embedded batch


@dataclass
class BuildReport:
    location: str
    changed: bool
    generation: str | None = None
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


def _package_version() -> str:
    try:
        return version("boligassistent")
    except PackageNotFoundError:
        return "0+unknown"


def _document_outline(doc: Document, source: SourceFile) -> dict:
    data = doc.to_dict()
    data["sha256"] = source.sha256
    data["sections"] = [
        {"section_id": s.section_id, "label": s.label, "heading_path": s.heading_path,
         "pages": list(s.pages) if s.pages else None, "url": s.url}
        for s in doc.sections
    ]
    return data


def _config_fingerprint(chunker: ChunkerConfig, model_id: str) -> dict:
    return {"chunker": asdict(chunker), "chunker_version": CHUNKER_VERSION,
            "analyzer": ANALYZER_VERSION, "loaders": LOADER_VERSION, "model_id": model_id}


def build_index(corpus_dir: Path, target: IndexTarget, embedder: Embedder, chunker: ChunkerConfig, *,
                cache: EmbeddingCache | None = None, rebuild: bool = False, batch_size: int = 32,
                callbacks: BuildCallbacks | None = None) -> BuildReport:
    """Build or update the index in `target` (the embedded files or PostgreSQL, chosen by the runtime).

    A target that needs it (`ExclusiveTarget`) is held exclusively for the whole build, so a second builder
    of the same index waits for the first one (or fails with a clear message) instead of racing it."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"Corpus directory not found: {corpus_dir}")
    with target.exclusive() if isinstance(target, ExclusiveTarget) else nullcontext():
        return _build(corpus_dir, target, embedder, chunker, cache=cache, rebuild=rebuild, batch_size=batch_size,
                      callbacks=callbacks or BuildCallbacks())


def _parse(source: SourceFile, chunker: ChunkerConfig) -> tuple[Document, list[Chunk]]:
    """One file's document and chunks; any failure (a loader's or the chunker's) is an UnreadableDocument."""
    doc = load_document(source)
    try:
        return doc, chunk_document(doc, chunker)
    except Exception as exc:
        log.exception("chunking failed", extra={"doc_id": source.doc_id})
        raise UnreadableDocument(f"could not chunk: {type(exc).__name__}: {exc}") from exc


def _build(corpus_dir: Path, target: IndexTarget, embedder: Embedder, chunker: ChunkerConfig, *,
           cache: EmbeddingCache | None, rebuild: bool, batch_size: int, callbacks: BuildCallbacks) -> BuildReport:
    started = time.perf_counter()
    cb = callbacks
    sources, skipped = discover(corpus_dir)
    cb.on_files(len(sources))

    fingerprint = _config_fingerprint(chunker, embedder.model_id)
    old_manifest: dict = ({} if rebuild else target.previous_manifest()) or {}
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
        return BuildReport(location=target.location, generation=old_manifest.get("generation"), changed=False,
                           documents_per_kind=counts["documents_per_kind"], n_documents=counts["documents"],
                           n_chunks=counts["chunks"], reused_files=sorted(old_files),
                           skipped=skipped + [(k, v["reason"]) for k, v in old_skipped.items()],
                           seconds=time.perf_counter() - started)

    report = BuildReport(location=target.location, changed=True)
    order: list[str] = []
    kept: set[str] = set()
    kinds: Counter = Counter()
    n_chunks = 0
    new_chunks: list[Chunk] = []
    new_tokens: list[list[str]] = []
    documents: dict[str, dict] = {}
    files_manifest: dict[str, dict] = {}
    skipped_manifest: dict[str, dict] = {}
    for source in sources:
        previous = old_files.get(source.doc_id)
        if previous and previous["sha256"] == source.sha256:
            order.append(source.doc_id)
            kept.add(source.doc_id)
            kinds[previous["kind"]] += 1
            n_chunks += previous["chunks"]
            report.reused_vectors += previous["chunks"]
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
            doc, doc_chunks = _parse(source, chunker)
        except UnreadableDocument as exc:
            log.warning("skipping unreadable file", extra={"doc_id": source.doc_id, "reason": str(exc)})
            skipped.append((source.doc_id, str(exc)))
            skipped_manifest[source.doc_id] = {"sha256": source.sha256, "reason": str(exc)}
            cb.on_file(source.doc_id, f"skipped: {exc}")
            continue
        new_chunks.extend(doc_chunks)
        new_tokens.extend(indexed_terms(chunk) for chunk in doc_chunks)
        order.append(doc.doc_id)
        kinds[doc.kind] += 1
        n_chunks += len(doc_chunks)
        documents[doc.doc_id] = _document_outline(doc, source)
        files_manifest[doc.doc_id] = {"sha256": source.sha256, "kind": doc.kind, "chunks": len(doc_chunks)}
        report.parsed_files.append(doc.doc_id)
        cb.on_file(doc.doc_id, f"parsed ({len(doc_chunks)} chunks)")
    report.removed_files = sorted(set(old_files) - set(current_files))

    vectors = np.zeros((0, embedder.dim), np.float32)
    if new_chunks:
        vectors, report.embedded_chunks = embed_with_cache(embedder, [c.indexed_text for c in new_chunks], cache, batch_size,
                                                           progress=cb.on_embed_progress, on_plan=cb.on_embed_plan)
        report.reused_vectors += len(new_chunks) - report.embedded_chunks

    report.documents_per_kind = dict(sorted(kinds.items()))
    report.n_documents = len(order)
    report.n_chunks = n_chunks
    report.skipped = skipped
    manifest = {
        "format": INDEX_FORMAT,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus_dir": str(corpus_dir.resolve()),
        "config": fingerprint,
        "embedding": {"model_id": embedder.model_id, "dim": embedder.dim},
        "files": files_manifest,
        "skipped": skipped_manifest,
        "counts": {"documents": len(order), "chunks": n_chunks, "documents_per_kind": report.documents_per_kind},
        "versions": {"boligassistent": _package_version(), "python": platform.python_version()},
    }
    plan = GenerationPlan(manifest=manifest, order=order, kept=kept, documents=documents, chunks=new_chunks,
                          tokens=new_tokens, vectors=np.asarray(vectors, dtype=np.float32))
    report.generation = target.publish(plan)
    report.seconds = time.perf_counter() - started
    log.info("index built", extra={"target": target.location, "generation": report.generation, "chunks": report.n_chunks,
                                   "embedded": report.embedded_chunks, "seconds": round(report.seconds, 2)})
    return report
