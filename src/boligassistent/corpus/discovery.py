"""Discover corpus files and turn each into a Document with the right loader."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from boligassistent.corpus.errors import UnreadableDocument
from boligassistent.corpus.loaders.html_guidance import parse_html_guidance
from boligassistent.corpus.loaders.lovdata_markdown import parse_lovdata_markdown
from boligassistent.corpus.loaders.lovdata_xml import parse_lovdata_xml
from boligassistent.corpus.loaders.pdf_report import parse_pdf
from boligassistent.corpus.loaders.plain_text import parse_plain_text
from boligassistent.domain.documents import Document

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = {".pdf", ".html", ".htm", ".md", ".markdown", ".txt", ".xml"}
_FOLDER_KIND = {"rapporter": "rapport", "veiledning": "veiledning", "lover": "lov", "forskrifter": "forskrift"}


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
    """Parse one file. Raises UnreadableDocument with a clear reason on bad input."""
    suffix = source.path.suffix.lower()
    if suffix == ".pdf":
        doc = parse_pdf(source.path, source.doc_id)
    else:
        try:
            text = source.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableDocument(f"not valid UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        if not text.strip():
            raise UnreadableDocument("empty file")
        try:
            if suffix in (".html", ".htm"):
                doc = parse_html_guidance(text, source.doc_id)
            elif suffix == ".xml":
                doc = parse_lovdata_xml(text, source.doc_id)
            elif suffix in (".md", ".markdown") and text.lstrip().startswith("---") and "tittel:" in text[:2000]:
                doc = parse_lovdata_markdown(text, source.doc_id)
            else:
                folder = source.doc_id.split("/", 1)[0]
                doc = parse_plain_text(text, source.doc_id, kind=_FOLDER_KIND.get(folder, "annet"))
        except UnreadableDocument:
            raise
        except Exception as exc:  # a parser bug on one file must never abort the whole build
            raise UnreadableDocument(f"could not parse: {type(exc).__name__}: {exc}") from exc
    if not doc.sections:
        raise UnreadableDocument("no text found")
    return doc
