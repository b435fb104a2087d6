"""Discover corpus files and turn each into a Document with the right loader."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from boligassistent.corpus.loaders import SUPPORTED_SUFFIXES, load_file
from boligassistent.domain.documents import Document

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class SourceFile:
    path: Path
    doc_id: str  # path relative to the corpus root
    sha256: str


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(corpus_dir: Path) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """All indexable files below corpus_dir, plus (doc_id, reason) for files that are skipped."""
    found: list[SourceFile] = []
    skipped: list[tuple[str, str]] = []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(corpus_dir).as_posix()
        if any(part.startswith(".") for part in Path(rel).parts):
            continue
        if rel.lower() in ("readme.md", "license", "license.md"):
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            skipped.append((rel, f"unsupported file type '{path.suffix or '(none)'}'"))
            continue
        if path.stat().st_size == 0:
            skipped.append((rel, "empty file"))
            continue
        found.append(SourceFile(path=path, doc_id=rel, sha256=file_hash(path)))
    return found, skipped


def load_document(source: SourceFile) -> Document:
    """Parse one file with the loader registry. Raises UnreadableDocument with a clear reason on bad input."""
    return load_file(source.path, source.doc_id)
