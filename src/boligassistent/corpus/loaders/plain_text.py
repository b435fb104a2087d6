"""Fallback for .txt and non-Lovdata .md files: paragraphs under Markdown headings, if any.

The title is the first Markdown heading; without one, a first line that reads as a title (short, no sentence
punctuation at its end, the next line opening a sentence: a news headline, an encyclopedia entry's name); only
then the file name. The title heads every chunk's indexed text, so a passage deep in an article about
"Longyearbyen" still matches a question naming it. The first line stays in the text too (nothing is lost), as a
block of its own: glued to the paragraph below it, a headline would open that paragraph's first sentence.
"""

from __future__ import annotations

import re
from itertools import islice
from pathlib import Path

from boligassistent.domain.documents import Block, Document, Section
from boligassistent.text.normalize import collapse_ws

_HEADING = re.compile(r"^#{1,6}\s+(.*\S)\s*$")
TITLE_MAX_CHARS = 120  # a longer first line is prose, not a title
TITLE_MAX_WORDS = 16
_NOT_A_TITLE_END = (".", "!", "?", ":", ";", ",", "-", "–")  # a sentence, a lead-in or a hard-wrapped line


def first_line_title(lines: list[str]) -> str | None:
    """The first line when it reads as the title of what follows, else None."""
    text = [collapse_ws(line) for line in islice((line for line in lines if line.strip()), 2)]  # the first two
    if len(text) < 2:
        return None
    first, following = text
    if (len(first) > TITLE_MAX_CHARS or len(first.split()) > TITLE_MAX_WORDS or first.endswith(_NOT_A_TITLE_END)
            or not (following[:1].isupper() or following[:1].isdigit() or following[:1] in "«\"(")):
        return None
    return first


def parse_plain_text(text: str, doc_id: str, kind: str = "annet") -> Document:
    lines = text.splitlines()
    heading = next((m.group(1) for line in lines if (m := _HEADING.match(line))), None)
    title_line = None if heading else first_line_title(lines)
    title = heading or title_line or Path(doc_id).stem.replace("-", " ")
    if title_line:  # the title line is a paragraph of its own
        text = re.sub(r"^\s*(.*?)[ \t]*\n", lambda m: m.group(1) + "\n\n", text, count=1)
    sections: list[Section] = []
    current = Section(section_id="s-1", heading_path=[title], label=title, blocks=[])
    sections.append(current)
    for para in re.split(r"\n\s*\n", text):
        marked = _HEADING.match(para.strip())
        if marked:
            name = marked.group(1)
            current = Section(section_id=f"s-{len(sections) + 1}", heading_path=[title, name] if name != title else [title],
                              label=f"{title} › {name}" if name != title else title, blocks=[])
            sections.append(current)
            continue
        body = collapse_ws(para)
        if body:
            current.blocks.append(Block(text=body))
    return Document(doc_id=doc_id, title=title, kind=kind, sections=[s for s in sections if s.blocks])  # type: ignore[arg-type]
