"""Lovdata's official XHTML/XML (e.g. husleieloven) → Document.

§ numbers come from ``article.legalArticle[data-name]`` (the element ids are positional), ledd from
``article.legalP``, metadata from ``dl.data-document-key-info``. Amendment notes and footnotes are
not body text.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree, html

from boligassistent.corpus.errors import UnreadableDocument
from boligassistent.corpus.loaders.lovdata_markdown import law_short_name, lovdata_document, lovdata_url
from boligassistent.domain.documents import Block, Document, Section
from boligassistent.text.normalize import collapse_ws

_NON_BODY = ("changesToParent", "footnote", "footnotes", "footnotereference", "legalArticleHeader")
_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml\b[^>]*?\?>")
_DECLARED_ENCODING = re.compile(rb"""\bencoding\s*=\s*["']([A-Za-z][\w.:-]*)["']""")


def decode_xml(data: bytes) -> str:
    """The file's text: decoded by the encoding its XML declaration names (UTF-8 without one), with the
    declaration itself removed (lxml refuses a str that still declares an encoding)."""
    declaration = _DECLARATION.match(data)
    encoding = "utf-8"
    if declaration:
        named = _DECLARED_ENCODING.search(declaration.group(0))
        encoding = named.group(1).decode("ascii") if named else encoding
        data = data[declaration.end():]
    try:
        return data.decode("utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding)
    except LookupError as exc:
        raise UnreadableDocument(f"unknown encoding '{encoding}' in the XML declaration") from exc
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(f"not valid {encoding} text ({exc.reason} at byte {exc.start})") from exc


def _classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


def _text(el: etree._Element) -> str:
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if _classes(node) & set(_NON_BODY):
            if node.tail:
                parts.append(node.tail)
            return
        if node.tag == "li" and node.get("data-name"):
            parts.append(f"\n{node.get('data-name')} ")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
        if node.tail and node is not el:
            parts.append(node.tail)

    walk(el)
    lines = [collapse_ws(line) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def parse_lovdata_xml(markup: str | bytes, doc_id: str) -> Document:
    if isinstance(markup, bytes):
        markup = decode_xml(markup)
    markup = re.sub(r"^\ufeff?\s*(<\?xml\b[^>]*\?>)?\s*(<!DOCTYPE[^>]*>)?", "", markup, flags=re.I)
    root = html.fromstring(markup)
    meta: dict[str, str] = {}
    for dd in root.xpath("//dl[contains(@class,'data-document-key-info')]/dd"):
        key = (dd.get("class") or "").split()[0] if dd.get("class") else None
        if key and key != "table-of-contents":
            meta[key] = collapse_ws(dd.text_content())
    title = meta.get("title") or collapse_ws("".join(root.xpath("//title//text()"))) or doc_id
    refid = meta.get("refid")
    name = law_short_name({"korttittel": meta.get("titleShort", "")}, title)

    sections: list[Section] = []
    taken: set[str] = set()
    for article in root.xpath("//article[contains(concat(' ',@class,' '),' legalArticle ')]"):
        number_raw = article.get("data-name") or ""
        number = re.sub(r"^§\s*", "§ ", number_raw) if number_raw.startswith("§") else number_raw
        header_title = article.xpath("./h3//span[contains(@class,'legalArticleTitle')]//text()")
        unit_title = collapse_ws("".join(header_title))
        chapter = article.xpath("ancestor::section[contains(@class,'section')][1]/h2")
        path = [collapse_ws(chapter[0].text_content())] if chapter else []
        path.append(f"{number}. {unit_title}" if unit_title else number)
        blocks: list[Block] = []
        for child in article:
            classes = _classes(child)
            if "legalP" in classes:
                text = _text(child)
                if text:
                    blocks.append(Block(text=text, ledd=len(blocks) + 1))
            elif child.tag in ("ol", "ul") and blocks:
                blocks[-1].text += "\n" + _text(child)
        if not blocks:
            continue
        section_id = number.replace(" ", "") or f"art-{len(sections) + 1}"
        if section_id in taken:  # the same § twice (e.g. a repeated article): ids stay unique, as chunk ids must
            section_id = f"{section_id}~{len(sections) + 1}"
        taken.add(section_id)
        sections.append(Section(
            section_id=section_id,
            heading_path=path,
            label=f"{name} {number}".strip(),
            blocks=blocks,
            url=lovdata_url(refid, number) if number.startswith("§") else lovdata_url(refid),
        ))
    return lovdata_document(doc_id, title, name, refid, sections, publisher=meta.get("ministry"),
                            date=meta.get("dateInForce"), meta=meta)


def load_lovdata_xml(path: Path, doc_id: str) -> Document:
    return parse_lovdata_xml(path.read_bytes(), doc_id)
