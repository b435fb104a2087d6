"""Fallback for .txt and non-Lovdata .md files: paragraphs under Markdown headings, if any."""

from __future__ import annotations

import re
from pathlib import Path

from boligassistent.domain.documents import Block, Document, Section
from boligassistent.text.normalize import collapse_ws

_HEADING = re.compile(r"^#{1,6}\s+(.*\S)\s*$")


def parse_plain_text(text: str, doc_id: str, kind: str = "annet") -> Document:
    lines = text.splitlines()
    title = next((m.group(1) for line in lines if (m := _HEADING.match(line))), None) or Path(doc_id).stem.replace("-", " ")
    sections: list[Section] = []
    current = Section(section_id="s-1", heading_path=[title], label=title, blocks=[])
    sections.append(current)
    for para in re.split(r"\n\s*\n", text):
        heading = _HEADING.match(para.strip())
        if heading:
            name = heading.group(1)
            current = Section(section_id=f"s-{len(sections) + 1}", heading_path=[title, name] if name != title else [title],
                              label=f"{title} › {name}" if name != title else title, blocks=[])
            sections.append(current)
            continue
        body = collapse_ws(para)
        if body:
            current.blocks.append(Block(text=body))
    return Document(doc_id=doc_id, title=title, kind=kind, sections=[s for s in sections if s.blocks])  # type: ignore[arg-type]
