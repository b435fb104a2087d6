"""Structure-aware chunking: never across a § or section; long units split on sentences with overlap."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from boligassistent.domain.documents import Block, Chunk, Document, Section
from boligassistent.text.sentences import split_sentences


@dataclass(frozen=True)
class ChunkerConfig:
    max_chars: int = 1200
    overlap_chars: int = 200


@dataclass
class _Piece:
    text: str
    page: int | None
    ledd: int | None


def _pieces(blocks: list[Block], max_chars: int) -> list[_Piece]:
    """Blocks, with over-long blocks cut into sentence groups (and over-long sentences into words)."""
    out: list[_Piece] = []
    for block in blocks:
        if len(block.text) <= max_chars:
            out.append(_Piece(block.text, block.page, block.ledd))
            continue
        for sentence in split_sentences(block.text):
            while len(sentence) > max_chars:
                cut = sentence.rfind(" ", 0, max_chars)
                cut = cut if cut > max_chars // 2 else max_chars
                out.append(_Piece(sentence[:cut], block.page, block.ledd))
                sentence = sentence[cut:].lstrip()
            if sentence:
                out.append(_Piece(sentence, block.page, block.ledd))
    return out


def _span(values: list[int | None]) -> tuple[int, int] | None:
    nums = [v for v in values if v is not None]
    return (min(nums), max(nums)) if nums else None


def _header(doc: Document, section: Section) -> str:
    path = [p for p in section.heading_path if p != doc.title]
    return " › ".join([doc.title, *path])


def chunk_section(doc: Document, section: Section, config: ChunkerConfig, start_ordinal: int) -> list[Chunk]:
    pieces = _pieces(section.blocks, config.max_chars)
    groups: list[list[_Piece]] = []
    current: list[_Piece] = []
    size = 0
    for piece in pieces:
        if current and size + len(piece.text) + 1 > config.max_chars:
            groups.append(current)
            overlap: list[_Piece] = []
            kept = 0
            for prev in reversed(current):
                if kept + len(prev.text) > config.overlap_chars:
                    break
                overlap.insert(0, prev)
                kept += len(prev.text) + 1
            current, size = overlap, kept
        current.append(piece)
        size += len(piece.text) + 1
    if current:
        groups.append(current)

    chunks: list[Chunk] = []
    header = _header(doc, section)
    for i, group in enumerate(groups):
        text = "\n".join(p.text for p in group)
        digest = hashlib.sha1(f"{doc.doc_id}\x00{section.section_id}\x00{i}\x00{text}".encode()).hexdigest()[:16]
        chunks.append(Chunk(
            chunk_id=digest,
            doc_id=doc.doc_id,
            section_id=section.section_id,
            ordinal=start_ordinal + i,
            text=text,
            header=header,
            label=section.label,
            title=doc.title,
            kind=doc.kind,
            heading_path=section.heading_path,
            pages=_span([p.page for p in group]),
            ledd=_span([p.ledd for p in group]),
            url=section.url or doc.url,
        ))
    return chunks


def chunk_document(doc: Document, config: ChunkerConfig) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in doc.sections:
        chunks.extend(chunk_section(doc, section, config, start_ordinal=len(chunks)))
    return chunks
