"""The loader registry: each loader says which files it accepts and turns one into a `Document`.

A new format is one module with a loader plus one entry in `LOADERS` (order matters: the first loader that
accepts a file parses it, so specific formats come before the plain-text fallback).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

from boligassistent.corpus.errors import UnreadableDocument
from boligassistent.corpus.loaders.html_guidance import parse_html_guidance
from boligassistent.corpus.loaders.lovdata_markdown import parse_lovdata_markdown
from boligassistent.corpus.loaders.lovdata_xml import parse_lovdata_xml
from boligassistent.corpus.loaders.pdf_report import parse_pdf
from boligassistent.corpus.loaders.plain_text import parse_plain_text
from boligassistent.domain.documents import Document

# Bump when a loader's output for an unchanged file changes: the builder's config fingerprint includes it, so
# the next incremental build parses every file again (2: only http(s) links, unique Lovdata XML section ids;
# 3: a PDF word hyphenated across a page break joined on the next page; 4: a plain text's title line;
# 5: PDF footnote markers glued to words removed, a plain text's title line a block of its own; 6: PDF headings
# nested by their outline numbers, a footnote or numbered list item no heading; 7: an appendix a top-level part;
# 8: PDF footnotes moved out of the running text into a last section; 9: a symbol font's bullet extracted as "yy"
# is "•"; 10: a PDF heading with no text that the next heading closes at once is that heading's caption,
# "Melhus – OMRÅDE STERKE SIDER UTFORDRINGER"; 11: a repealed § of a Lovdata Markdown law keeps its repeal note as
# text; 12: a PDF line as wide as the running text is a sentence wrapped at the margin, not a heading).
LOADER_VERSION = 12
MAX_REASON_CHARS = 300  # a skip reason longer than this is cut (parser messages may quote a damaged file)
_FOLDER_KIND = {"rapporter": "rapport", "veiledning": "veiledning", "lover": "lov", "forskrifter": "forskrift"}


@dataclass
class SourceText:
    """One file to load: its path, its id in the corpus, and its text decoded on first use."""

    path: Path
    doc_id: str
    _suffix: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self._suffix = self.path.suffix.lower()

    @property
    def suffix(self) -> str:
        return self._suffix

    @cached_property
    def text(self) -> str:
        try:
            text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableDocument(f"not valid UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        if not text.strip():
            raise UnreadableDocument("empty file")
        return text


class Loader(Protocol):
    suffixes: frozenset[str]

    def accepts(self, source: SourceText) -> bool: ...

    def load(self, source: SourceText) -> Document: ...


class _BySuffix:
    """A loader that takes every file with one of its suffixes."""

    suffixes: frozenset[str] = frozenset()

    def accepts(self, source: SourceText) -> bool:
        return source.suffix in self.suffixes


class PdfReportLoader(_BySuffix):
    suffixes = frozenset({".pdf"})

    def load(self, source: SourceText) -> Document:
        return parse_pdf(source.path, source.doc_id)


class HtmlGuidanceLoader(_BySuffix):
    suffixes = frozenset({".html", ".htm"})

    def load(self, source: SourceText) -> Document:
        return parse_html_guidance(source.text, source.doc_id)


class LovdataXmlLoader(_BySuffix):
    suffixes = frozenset({".xml"})

    def load(self, source: SourceText) -> Document:
        return parse_lovdata_xml(source.path.read_bytes(), source.doc_id)  # bytes: the XML declaration names the encoding


class LovdataMarkdownLoader:
    """Lovdata-derived Markdown: YAML front matter with a `tittel`."""

    suffixes = frozenset({".md", ".markdown"})

    def accepts(self, source: SourceText) -> bool:
        return (source.suffix in self.suffixes and source.text.lstrip().startswith("---")
                and "tittel:" in source.text[:2000])

    def load(self, source: SourceText) -> Document:
        return parse_lovdata_markdown(source.text, source.doc_id)


class PlainTextLoader(_BySuffix):
    """Fallback for text and other Markdown: paragraphs under headings; the kind follows the top folder."""

    suffixes = frozenset({".txt", ".md", ".markdown"})

    def load(self, source: SourceText) -> Document:
        folder = source.doc_id.split("/", 1)[0]
        return parse_plain_text(source.text, source.doc_id, kind=_FOLDER_KIND.get(folder, "annet"))


LOADERS: list[Loader] = [PdfReportLoader(), HtmlGuidanceLoader(), LovdataXmlLoader(), LovdataMarkdownLoader(),
                         PlainTextLoader()]
SUPPORTED_SUFFIXES: frozenset[str] = frozenset().union(*(loader.suffixes for loader in LOADERS))


def load_file(path: Path, doc_id: str) -> Document:
    """Parse one file with the first loader that accepts it. Raises UnreadableDocument with a clear reason on
    bad input; a parser bug on one file becomes UnreadableDocument too, so it never aborts a whole build."""
    source = SourceText(path, doc_id)
    try:
        loader = next((loader for loader in LOADERS if loader.accepts(source)), None)
        if loader is None:
            raise UnreadableDocument(f"unsupported file type '{source.suffix or '(none)'}'")
        doc = loader.load(source)
    except UnreadableDocument as exc:
        raise UnreadableDocument(_printable(str(exc))) from exc
    except Exception as exc:
        raise UnreadableDocument(_printable(f"could not parse: {type(exc).__name__}: {exc}")) from exc
    if not doc.sections:
        raise UnreadableDocument("no text found")
    ids = [section.section_id for section in doc.sections]
    if len(set(ids)) != len(ids):  # a loader bug: chunk ids derive from section ids and must be unique
        raise UnreadableDocument(f"duplicate section id '{next(i for i in ids if ids.count(i) > 1)}'")
    return doc


def _printable(reason: str) -> str:
    """A skip reason fit for a log line and the manifest: a damaged file's bytes can end up in parser messages."""
    text = "".join(ch if ch.isprintable() else " " for ch in reason)
    return " ".join(text.split())[:MAX_REASON_CHARS]
