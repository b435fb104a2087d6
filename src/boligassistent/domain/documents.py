"""The one document model shared by every loader, the chunker and the citation layer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

DocKind = Literal["rapport", "veiledning", "lov", "forskrift", "annet"]
LEGAL_KINDS: frozenset[str] = frozenset({"lov", "forskrift"})  # cited by § and ledd, not by page


def is_legal(kind: str) -> bool:
    """Acts and regulations (as opposed to reports, guidance and other text)."""
    return kind in LEGAL_KINDS


HEADER_SEPARATOR = " › "  # between the document name and the headings of a chunk's context header


@dataclass
class Block:
    """A paragraph-level unit of text: a ledd in a law, a paragraph in a page or HTML section."""

    text: str
    page: int | None = None  # 1-based PDF page
    ledd: int | None = None  # 1-based ledd number within a §


@dataclass
class Section:
    """A citable unit: one § of a law, one heading section of a guidance note or report."""

    section_id: str  # stable within the document, e.g. "§4" or "h-3"
    heading_path: list[str]
    label: str  # short citation label, e.g. "bustøttelova § 4"
    blocks: list[Block]
    url: str | None = None

    @property
    def title(self) -> str:
        return self.heading_path[-1] if self.heading_path else ""

    @property
    def pages(self) -> tuple[int, int] | None:
        nums = [b.page for b in self.blocks if b.page is not None]
        return (min(nums), max(nums)) if nums else None

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)


@dataclass
class Document:
    doc_id: str  # path relative to the corpus root, POSIX style
    title: str
    kind: DocKind
    sections: list[Section]
    short_title: str | None = None
    publisher: str | None = None
    date: str | None = None  # ISO date or year
    url: str | None = None
    description: str | None = None
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """What the document is known by: its title, with its publisher for a document known by who wrote it (a
        report, guidance): a question asking what "Møreforsking" or "the NTNU report" found names the source, and
        every chunk of that source is its text, not only the title page and foreword that name it. Acts and
        regulations are known by their titles (their publisher is a ministry). It opens every chunk's context
        header (`Chunk.document_name`)."""
        publisher = (self.publisher or "").strip()
        if is_legal(self.kind) or not publisher or publisher.lower() in self.title.lower():
            return self.title
        return f"{self.title} ({publisher})"

    def to_dict(self, with_sections: bool = False) -> dict:
        data = asdict(self)
        if not with_sections:
            data.pop("sections")
        data["n_sections"] = len(self.sections)
        return data


@dataclass
class Chunk:
    """What is indexed and cited: a piece of one section, never crossing a section boundary."""

    chunk_id: str
    doc_id: str
    section_id: str
    ordinal: int  # position of the chunk within the document
    text: str  # body text, verbatim from the source (whitespace-normalized)
    header: str  # context header: document title + heading path / § title
    label: str  # citation label
    title: str  # document title
    kind: str
    heading_path: list[str]
    pages: tuple[int, int] | None = None
    ledd: tuple[int, int] | None = None
    url: str | None = None

    @property
    def document_name(self) -> str:
        """The first part of the context header: the document's title, with its publisher (`Document.name`)."""
        return self.header.partition(HEADER_SEPARATOR)[0]

    @property
    def indexed_text(self) -> str:
        return f"{self.header}\n{self.text}"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["pages"] = list(self.pages) if self.pages else None
        data["ledd"] = list(self.ledd) if self.ledd else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Chunk:
        data = dict(data)
        data["pages"] = tuple(data["pages"]) if data.get("pages") else None
        data["ledd"] = tuple(data["ledd"]) if data.get("ledd") else None
        return cls(**data)

    @property
    def is_legal(self) -> bool:
        return is_legal(self.kind)

    def ledd_label(self) -> str | None:
        """'2. ledd' or '2.–3. ledd' for a law or regulation chunk; None otherwise."""
        return ledd_span(self.ledd) if self.is_legal else None

    def citation(self) -> str:
        """Human-readable citation: 'Bustøttelova § 4, 2. ledd' or 'Rapport X, s. 12–13'."""
        return ", ".join(p for p in (self.label, page_span(self.pages), self.ledd_label()) if p)


def page_span(pages: tuple[int, int] | list[int] | None) -> str | None:
    """'s. 12' or 's. 12–13'."""
    if not pages:
        return None
    a, b = pages
    return f"s. {a}" if a == b else f"s. {a}–{b}"


def ledd_span(ledd: tuple[int, int] | None) -> str | None:
    """'2. ledd' or '2.–3. ledd'."""
    if not ledd:
        return None
    a, b = ledd
    return f"{a}. ledd" if a == b else f"{a}.–{b}. ledd"
