"""Guidance notes in HTML (Husbanken/Veiviseren style) → Document, one Section per h1/h2/h3."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup, Tag

from boligassistent.corpus.urls import http_url
from boligassistent.domain.documents import Block, Document, Section
from boligassistent.text.normalize import collapse_ws

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3}
_BLOCKS = ("p", "li", "tr", "blockquote", "dd", "dt", "pre")


def _meta(soup: BeautifulSoup, name: str) -> str | None:
    tag = soup.find("meta", attrs={"name": name})
    value = tag.get("content") if isinstance(tag, Tag) else None
    return collapse_ws(str(value)) if value else None


def _slug(text: str, taken: set[str]) -> str:
    base = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:60] or "seksjon"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def parse_html_guidance(markup: str, doc_id: str) -> Document:
    soup = BeautifulSoup(markup, "html.parser")
    for junk in soup(["script", "style", "nav", "footer", "noscript"]):
        junk.decompose()
    h1 = soup.find("h1")
    title = collapse_ws(h1.get_text(" ")) if h1 else collapse_ws(soup.title.get_text(" ")) if soup.title else doc_id
    sources = [url for part in (_meta(soup, "source") or "").split(";") if (url := http_url(part))]
    first_url = sources[0] if sources else None  # only http(s) URLs become links

    sections: list[Section] = []
    taken: set[str] = set()
    path: dict[int, str] = {}
    current: Section | None = None
    body = soup.body or soup
    for el in body.find_all(list(_HEADINGS) + list(_BLOCKS)):
        if el.name in _HEADINGS:
            level = _HEADINGS[el.name]
            heading = collapse_ws(el.get_text(" "))
            for deeper in [k for k in path if k >= level]:
                del path[deeper]
            path[level] = heading
            heading_path = [path[k] for k in sorted(path)]
            current = Section(section_id=_slug(heading, taken), heading_path=heading_path,
                              label=" › ".join(heading_path[1:] or heading_path), blocks=[], url=first_url)
            sections.append(current)
            continue
        if el.find_parent(list(_BLOCKS)) is not None:  # nested (p inside li, li inside li): parent owns it
            continue
        if el.name == "tr":
            text = " | ".join(collapse_ws(c.get_text(" ")) for c in el.find_all(["th", "td"]))
        else:
            text = collapse_ws(el.get_text(" "))
        if not text:
            continue
        if el.name == "li":
            text = f"- {text}"
        if current is None:
            current = Section(section_id=_slug("innledning", taken), heading_path=[title], label=title, blocks=[], url=first_url)
            sections.append(current)
        current.blocks.append(Block(text=text))
    return Document(
        doc_id=doc_id,
        title=title,
        kind="veiledning",
        sections=[s for s in sections if s.blocks],
        publisher=None,
        date=_meta(soup, "updated"),
        url=first_url,
        description=_meta(soup, "description"),
        meta={**{k: v for k in ("updated", "description", "audience") if (v := _meta(soup, k))},
              **({"source": "; ".join(sources)} if sources else {})},
    )


def load_html_guidance(path: Path, doc_id: str) -> Document:
    return parse_html_guidance(path.read_text(encoding="utf-8"), doc_id)
