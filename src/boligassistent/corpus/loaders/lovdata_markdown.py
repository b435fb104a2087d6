"""Lovdata-derived Markdown (YAML front matter, '## Kapittel', '#### § N. Tittel') → Document."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from boligassistent.corpus.errors import UnreadableDocument
from boligassistent.corpus.urls import http_url
from boligassistent.domain.documents import Block, Document, Section
from boligassistent.text.normalize import collapse_ws

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_PARAGRAPH_HEADING = re.compile(r"^(§\s*[\w\s-]*?\w)\s*\.\s*(.*)$")
_ARTICLE_HEADING = re.compile(r"^(Artikkel\s+\d+\s*\w?)\s*\.\s*(.*)$")
_REPEALED = "(Opphevet)"  # the heading of a repealed § ("§ 3-7. (Opphevet)"), whose text is its amendment note
_AMENDMENT_LINE = re.compile(r"^(\*.*\*|(Overskrift|Kapitlet|Kapittelet)\s+(tilføyd|endret|opphevet)\b.*)$", re.I)
_NAME_IN_TITLE = re.compile(r"[(\[]([^()\[\]]+)[)\]]\s*$")
# Front matter is a handful of key: value pairs. Aliases are allowed, but not a document that expands to more
# values than this (the "billion laughs": nine nested aliases of nine items are 387 million strings).
MAX_FRONT_MATTER_VALUES = 10_000


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """How many nodes `root` has with every alias expanded, counting no further than `limit` + 1."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in open_nodes:  # an alias to an enclosing node: infinitely large
            return limit + 1
        open_nodes.add(id(node))
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        total = 1
        for child in children:
            total = min(limit + 1, total + size(child))
            if total > limit:
                break
        open_nodes.discard(id(node))
        sizes[id(node)] = total
        return total

    return size(root)


def front_matter(block: str) -> dict:
    """The YAML front matter as a mapping. Raises UnreadableDocument for invalid YAML, a value that is not a
    mapping, or aliases that expand beyond MAX_FRONT_MATTER_VALUES (checked on the composed node graph,
    where each alias is one shared node, before anything is expanded)."""
    try:
        root = yaml.compose(block, Loader=yaml.SafeLoader)
        if root is None:
            return {}
        if _expanded_size(root, MAX_FRONT_MATTER_VALUES) > MAX_FRONT_MATTER_VALUES:
            raise UnreadableDocument(f"YAML front matter expands to more than {MAX_FRONT_MATTER_VALUES} values "
                                     "through aliases (an alias bomb?)")
        meta = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        raise UnreadableDocument(f"invalid YAML front matter: {' '.join(str(exc).split())}") from exc
    if not isinstance(meta, dict):
        raise UnreadableDocument(f"YAML front matter is a {type(meta).__name__}, not a mapping of keys to values")
    return meta


def law_short_name(meta: dict, title: str) -> str:
    """Citation name, e.g. 'bustøttelova', 'sosialtjenesteloven', 'Forskrift om bustøtte'."""
    match = _NAME_IN_TITLE.search(title)
    if match and not title.lower().startswith("forskrift"):
        return match.group(1).strip()
    short = str(meta.get("korttittel") or "").split(" – ")[0].strip()
    name = short or title
    if re.fullmatch(r"[\wæøåÆØÅ-]+(loven|lova|lov)", name):
        name = name[0].lower() + name[1:]
    return name


def lovdata_url(refid: str | None, paragraph: str | None = None) -> str | None:
    if not refid:
        return None
    url = f"https://lovdata.no/{refid}"
    if paragraph:
        url += "/" + paragraph.replace(" ", "")
    return http_url(url)  # a refid with spaces, quotes or control characters gives no link


def kind_for(refid: str | None, rel_path: str) -> str:
    if (refid or "").startswith("forskrift") or rel_path.startswith("forskrifter/"):
        return "forskrift"
    return "lov"


def lovdata_document(doc_id: str, title: str, name: str, refid: str | None, sections: list[Section], *,
                     publisher: str | None, date: str | None, meta: dict[str, str]) -> Document:
    """The Document of an act or regulation from Lovdata (Markdown or XML)."""
    return Document(doc_id=doc_id, title=title, short_title=name, kind=kind_for(refid, doc_id),  # type: ignore[arg-type]
                    sections=sections, publisher=publisher, date=date, url=lovdata_url(refid), meta=meta)


def parse_lovdata_markdown(text: str, doc_id: str) -> Document:
    match = _FRONT_MATTER.match(text)
    meta: dict = {}
    if match:
        meta = front_matter(match.group(1))
        text = text[match.end():]
    title = str(meta.get("tittel") or "").strip()
    refid = meta.get("refid")
    body_lines = text.splitlines()
    if not title:
        title = next((m.group(2) for line in body_lines if (m := _HEADING.match(line)) and len(m.group(1)) == 1), doc_id)
    name = law_short_name(meta, title)

    sections: list[Section] = []
    context: dict[int, str] = {}  # heading level → chapter title
    current: Section | None = None
    paragraph_lines: list[str] = []
    counter = 0

    def flush_paragraph() -> None:
        nonlocal paragraph_lines
        if current is None or not paragraph_lines:
            paragraph_lines = []
            return
        raw = " ".join(paragraph_lines)
        paragraph_lines = []
        is_list_item = raw.startswith("- ")
        text_ = collapse_ws(raw)
        if is_list_item and current.blocks:
            current.blocks[-1].text += "\n" + text_
        else:
            current.blocks.append(Block(text=text_, ledd=len(current.blocks) + 1))

    def open_section(section_id: str, heading: str, label: str, url: str | None) -> Section:
        path = [context[k] for k in sorted(context)] + [heading]
        section = Section(section_id=section_id, heading_path=path, label=label, blocks=[], url=url)
        sections.append(section)
        return section

    for line in body_lines:
        heading = _HEADING.match(line)
        if heading:
            flush_paragraph()
            level, content = len(heading.group(1)), heading.group(2).strip()
            if level == 1:
                continue
            par = _PARAGRAPH_HEADING.match(content)
            unit = par or _ARTICLE_HEADING.match(content)
            if unit:
                number = collapse_ws(unit.group(1))
                unit_title = unit.group(2).strip()
                section_id = number.replace(" ", "")
                if any(s.section_id == section_id for s in sections):  # e.g. GDPR articles after §§
                    counter += 1
                    section_id = f"{section_id}~{counter}"
                heading_text = f"{number}. {unit_title}" if unit_title else number
                current = open_section(section_id, heading_text, f"{name} {number}",
                                       lovdata_url(refid, number) if par else lovdata_url(refid))
            else:
                for deeper in [k for k in context if k >= level]:
                    del context[deeper]
                context[level] = content
                current = None
            continue
        stripped = line.strip()
        if not stripped:
            flush_paragraph()
            continue
        if _AMENDMENT_LINE.match(stripped):
            flush_paragraph()
            if current is not None and not current.blocks and current.heading_path[-1].endswith(_REPEALED):
                # a repealed § keeps its note as its text ("Opphevet ved lov 20 des 2022 nr. 121 (i kraft 1 juli
                # 2023 …)"): "Gjelder hol. § 3-7 fortsatt?" is answered by it, and the § is not unknown to the corpus
                current.blocks.append(Block(text=collapse_ws(stripped.strip("*").strip()), ledd=1))
            continue
        if current is None:
            counter += 1
            current = open_section(f"innledning-{counter}", title if not context else list(context.values())[-1], name,
                                   lovdata_url(refid))
        if stripped.startswith("- ") and paragraph_lines:
            flush_paragraph()
        paragraph_lines.append(stripped)
    flush_paragraph()

    sections = [s for s in sections if s.blocks]
    date = str(meta.get("ikrafttredelse") or "") or None
    return lovdata_document(doc_id, title, name, refid, sections, publisher=str(meta.get("departement") or "") or None,
                            date=date, meta={k: str(v) for k, v in meta.items() if v is not None})


def load_lovdata_markdown(path: Path, doc_id: str) -> Document:
    return parse_lovdata_markdown(path.read_text(encoding="utf-8"), doc_id)
