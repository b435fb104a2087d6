"""Structure-aware chunking: never across a § or section; long units split on sentences with overlap.

Two guards against hub chunks (chunks that rank high for unrelated queries; `evals/hubness.py` finds them):
- A context header is repeated on every chunk of its section, so one very long heading (an EU regulation's full
  title as a chapter heading, a sentence taken for a heading) would dominate the indexed text of hundreds of
  chunks. Each heading in the header is cut to `max_heading_chars` at a word boundary.
- A section that is only a list of sources or contents (a "Kilder" list of link titles, a table of contents) has
  no content of its own but many topic words; it is not indexed. A table of contents is known by its heading or by
  its entries: a title, a dot leader and a page number ("Mål for arbeidet ........ 10"), whatever the heading.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from boligassistent.domain.documents import HEADER_SEPARATOR, Block, Chunk, Document, Section, is_legal
from boligassistent.text.sentences import split_sentences

# Bumped when the chunks of the same text change (the index fingerprint holds it, so indexes re-chunk):
# v2: abbreviations matched as whole words by the sentence splitter ('treffes.' ends a sentence).
# v3: a table of contents is known by its entries' dot leaders too, whatever its heading.
# v4: a report's publisher is part of its chunks' context header.
# v5: the numbers of a numbered list run into the text open their items (sentence splitter).
# v6: "kr." before an amount ends no sentence ("kr. 200.000,-").
CHUNKER_VERSION = 6

# Headings of sections that only list sources, links or contents (bokmål and nynorsk).
LISTING_HEADING = re.compile(
    r"^(kilder|kjelder|kildeliste|kjeldeliste|referanser|litteratur|litteraturliste|lenker|nyttige lenker|"
    r"les mer|les meir|se også|sjå også|innhold|innhald|innholdsfortegnelse|innhaldsliste)\s*:?$", re.I)
_SENTENCE_END = re.compile(r"[.!?»:;]\s*$")
# The dot leader of a table-of-contents entry: "Innledning ....... 9", ". . . . ." or "………" (PDF text often puts
# the page number at the start of the next line).
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}|…{2,}")


@dataclass(frozen=True)
class ChunkerConfig:
    max_chars: int = 1200
    overlap_chars: int = 200
    max_heading_chars: int = 100  # each heading of the context header is cut to this (word boundary, "…")
    listing_max_item_chars: int = 160  # a listing section's items are at most this long and are no sentences…
    listing_min_share: float = 0.8  # …for at least this share of its blocks


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


def _shorten(heading: str, max_chars: int) -> str:
    if len(heading) <= max_chars:
        return heading
    cut = heading.rfind(" ", 0, max_chars)
    return heading[: cut if cut > max_chars // 2 else max_chars].rstrip(" ,;:–-") + " …"


def _header(doc: Document, section: Section, max_heading_chars: int) -> str:
    path = [_shorten(p, max_heading_chars) for p in section.heading_path if p != doc.title]
    return HEADER_SEPARATOR.join([doc.name, *path])


def _is_contents_block(block: Block) -> bool:
    """A block whose every line is a table-of-contents entry (a title followed by a dot leader)."""
    lines = [line for line in block.text.split("\n") if line.strip()]
    return bool(lines) and all(_DOT_LEADER.search(line) for line in lines)


def is_listing(section: Section, config: ChunkerConfig) -> bool:
    """A section that only lists sources or contents. Either its heading says so and its blocks are short items
    that are not sentences, or its blocks are table-of-contents entries (dot leaders), whatever its heading.
    Never a § of a law (a list of services in a § is content)."""
    if not section.blocks:
        return False
    share = config.listing_min_share * len(section.blocks)
    if sum(_is_contents_block(b) for b in section.blocks) >= share:
        return True
    if not section.heading_path or not LISTING_HEADING.match(section.heading_path[-1].strip()):
        return False
    items = [b for b in section.blocks
             if len(b.text) <= config.listing_max_item_chars and not _SENTENCE_END.search(b.text)]
    return len(items) >= share


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
    header = _header(doc, section, config.max_heading_chars)
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
        if not is_legal(doc.kind) and is_listing(section, config):
            continue
        chunks.extend(chunk_section(doc, section, config, start_ordinal=len(chunks)))
    return chunks
