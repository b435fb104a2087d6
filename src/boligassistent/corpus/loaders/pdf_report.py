"""Evaluation reports in PDF → Document, via pypdf.

Keeps the page number on every block, removes running headers/footers and page numbers, joins
words hyphenated across line ends (and page breaks), and detects headings heuristically so sections follow the
report's structure. Headings nest as the report's outline does: "3.2.1" under "3.2" under "3.", an unnumbered
subheading under the numbered section it stands in, one in capitals above one in mixed case. A numbered line that
does not continue the outline is text: a footnote ("7 NOU 2011:15 …" among "2." chapters) or a numbered list item.
A line that ends in a conjunction or preposition is a sentence going on, never a heading. The heading path is the
context header of every chunk of the section, so a wrong one puts its words into every passage it heads.

Footnote markers lose their superscript in the extracted text and stick to the word before them
("Rehabilitering24", "velferd7."). They are removed: left in, the quoted sentence shows them and the analyzer reads
them as numbers, so a question about a "24-åring" matched every footnote 24.

The footnotes' own text is moved out of the running text into a last section, "Fotnoter", one block per footnote
with its page. Text extraction often puts a page's footnotes where the layout stored them, in the middle of the
page and of a sentence: "… tjenester både fra barnevern, 12 Stortinget vedtok en lovendring … NBBL i 2007). NAV,
kvalifiseringsprogrammet …". Left there, the footnote splits the quoted sentence and its words dilute the passage's
vector and terms. A footnote is a line opening with its number and the gap after the raised figure ("12  Stortinget
…"), the next number of the report's footnotes, or any number followed by a web address ("24 http://…"). It ends
at the next footnote, the page's end, a web address, or a line ending a sentence (not an ordinal: "fra 1." goes on
with "januar").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from boligassistent.corpus.errors import UnreadableDocument
from boligassistent.domain.documents import Block, Document, Section
from boligassistent.text.normalize import collapse_ws

_PAGE_NUMBER = re.compile(r"^(side\s+)?\d{1,4}(\s*(/|av)\s*\d{1,4})?$", re.I)
_BULLET = re.compile(r"^(•|[-–*]|\d{1,2}[.)])\s+")
# A symbol font's bullet glyph that text extraction gives as the letters "yy": a bullet, and quoted as one ("• …")
_GLYPH_BULLET = re.compile(r"^yy\s+")
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(\.\d{1,2}){0,3})\.?\s+[A-ZÆØÅ]")
# A report's front and back matter: always a top-level part, never a subsection of the chapter before it.
_MATTER = re.compile(r"^(vedlegg|bilag|appendiks|appendix|referanser|litteratur|kilder|forord|innhold|sammendrag|summary)\b",
                     re.I)
# How many chapter headings in a row the outline check lets the text extraction have missed (`_continues_outline`).
_MISSED_CHAPTERS = 2
# Words a heading never ends with, a line of a sentence often does: conjunctions, prepositions, articles.
_NO_HEADING_END = frozenset("""og eller samt men i på av for til med om fra ved som at en et ei den det de å mellom mot
under over etter uten hos der når seg sin sitt sine både enn""".split())
_NO_JOIN_AFTER_HYPHEN = {"og", "eller", "til", "som", "samt"}
# A footnote marker: 1–3 digits glued to the end of a word whose last three characters are letters, the last two
# lowercase ("Rehabilitering24", "Barneby17"), before a space or punctuation. Acronyms with numbers ("G20",
# "PUT14") and numbers of their own ("24-åring", "§ 4") are not touched.
_FOOTNOTE_MARKER = re.compile(r"(?<=[^\W\d_][a-zæøå]{2})\d{1,3}(?=[\s,.;:!?)»”\"]|$)")
# A footnote's first line in the extracted text: its number, then the gap a raised figure leaves ("12  Stortinget …"),
# or its number and a web address ("24 http://…", "1https://…").
_FOOTNOTE_TEXT = re.compile(r"\s*(\d{1,3})\s{2,}\S")
_FOOTNOTE_URL = re.compile(r"\s*(\d{1,3})\s*(?:https?://|www\.)")
_FOOTNOTE_BARE = re.compile(r"\s*(\d{1,3})\s*")
# How many footnote numbers in a row the text extraction may have lost (one on a title page, one set as a figure).
_MISSED_FOOTNOTES = 1
# The most lines a footnote runs to (the NTNU report's longest, footnote 12, is 13 extracted lines); past it, the
# sentence-end was missed and the rest is running text again.
_FOOTNOTE_MAX_LINES = 20
_WEB_ADDRESS_END = re.compile(r"(?:https?://|www\.)\S*[\w/]$")
# A line at least this share of the running text's width (the 80th percentile of line lengths) is a full line
_WRAPPED_WIDTH = 0.9
_MIN_TEXT_WIDTH = 60  # … of running text: a document whose lines are mostly shorter (tables, lists) has no such width
_SENTENCE_END = re.compile(r"[.!?][)»”\"]*$")
# A line ending so is no sentence end: an ordinal or date going on ("fra 1." | "januar"), an abbreviation.
_NO_SENTENCE_END = re.compile(r"(?:\s\d{1,2}\.|\b(?:f\.eks|bl\.a|jf|ca|nr|s|kap|pkt|mht|ev|evt)\.)$", re.I)


def _pdf_date(raw: object) -> str | None:
    match = re.match(r"D:(\d{4})(\d{2})?(\d{2})?", str(raw or ""))
    if not match:
        return None
    year, month, day = match.groups()
    return "-".join(p for p in (year, month, day) if p)


def _page_lines(lines: list[str], markers: re.Pattern[str] | None = None) -> list[str]:
    """A page's lines, whitespace collapsed and footnote markers removed: those `_FOOTNOTE_MARKER` recognises, and,
    with `markers`, the numbers of the footnotes on this page or the next one wherever they stick to a word."""
    lines = [_FOOTNOTE_MARKER.sub("", line) for line in lines if line.strip()]
    if markers is not None:
        lines = [markers.sub("", line) for line in lines]
    return [collapse_ws(line) for line in lines]


def _marker_pattern(numbers: set[int]) -> re.Pattern[str] | None:
    """The known footnote numbers, glued to the end of a word or to the quote, bracket or stop after one ("BUP13,",
    "barnefamilier»3", "videre.12", "livet?»21"): markers even where `_FOOTNOTE_MARKER` cannot tell them from an acronym."""
    if not numbers:
        return None
    alternatives = "|".join(str(n) for n in sorted(numbers, reverse=True))
    return re.compile(rf"(?:(?<=[^\W\d_])|(?<=[^\W\d_][.,;:»”)])|(?<=[.!?][»”)]))(?:{alternatives})(?=[\s,.;:!?)»”\"]|$)")


def _footnote_start(line: str, last: int, inside_page: bool) -> int | None:
    """The footnote number `line` opens, or None. `last` is the report's last footnote number so far. A number with
    the raised figure's gap must be the next one (up to `_MISSED_FOOTNOTES` lost, or 1 when numbering starts over);
    a number alone on a line is an empty footnote only then and only `inside_page` (at the page's edge it is the
    page number); any number before a web address is a footnote."""
    if (match := _FOOTNOTE_URL.match(line)) is not None:
        return int(match.group(1))
    match = _FOOTNOTE_TEXT.match(line) or (_FOOTNOTE_BARE.fullmatch(line) if inside_page else None)
    if match is None:
        return None
    number = int(match.group(1))
    return number if last < number <= last + 1 + _MISSED_FOOTNOTES or number == 1 else None


def _ends_footnote(line: str) -> bool:
    """Whether a footnote's text ends with `line`: a web address, or a sentence's end that is no ordinal or
    abbreviation."""
    line = line.rstrip()
    if _WEB_ADDRESS_END.search(line):
        return True
    return _SENTENCE_END.search(line) is not None and _NO_SENTENCE_END.search(line) is None


def _separate_footnotes(pages: list[list[str]]) -> tuple[list[list[str]], list[tuple[int, int, list[str]]]]:
    """The pages' running text without footnotes, and the footnotes as (page number, footnote number, lines); a
    number alone on its line is a footnote without lines. Raw extracted lines in, before whitespace is collapsed: the
    gap after a footnote's number tells it from a numbered line of text."""
    body: list[list[str]] = []
    footnotes: list[tuple[int, int, list[str]]] = []
    last = 0
    for page_no, raw in enumerate(pages, start=1):
        lines = [line for line in raw if line.strip()]
        kept: list[str] = []
        note: list[str] | None = None
        for i, line in enumerate(lines):
            number = _footnote_start(line, last, inside_page=0 < i < len(lines) - 1)
            if number is not None:
                last = number
                bare = _FOOTNOTE_BARE.fullmatch(line) is not None  # a number without its text: nothing goes on
                note = [] if bare else [line]
                footnotes.append((page_no, number, note))
                if bare:
                    note = None
                    continue
            elif note is not None and not (i == len(lines) - 1 and _PAGE_NUMBER.match(line.strip())):
                note.append(line)
            else:
                kept.append(line)
                continue
            if _ends_footnote(line) or len(note) >= _FOOTNOTE_MAX_LINES:
                note = None
        body.append(kept)
    return body, footnotes


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Lines repeated at the top or bottom of many pages (digits ignored) are running heads/feet."""
    if len(pages) < 4:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        edge = {re.sub(r"\d+", "#", line) for line in lines[:2] + lines[-2:]}
        counts.update(edge)
    return {key for key, n in counts.items() if n >= max(3, len(pages) // 2)}


def _is_heading(line: str, prev: str | None, nxt: str | None, full_width: float = 0.0) -> bool:
    if len(line) > 90 or len(line.split()) > 12 or line.endswith((".", ",", ";", ":", "-", "–")):
        return False
    # a line as wide as the running text is a sentence wrapped at the margin ("Kommunen hentet inspirasjon fra Askers
    # velferdslabb, og valgte å utvikle sitt eget" | "Veikart. …"), not a heading, unless it is numbered or asks
    if (full_width >= _MIN_TEXT_WIDTH and len(line) >= _WRAPPED_WIDTH * full_width and not line.endswith("?")
            and not _NUMBERED_HEADING.match(line)):
        return False
    if line.rsplit(" ", 1)[-1].lower() in _NO_HEADING_END:  # a sentence going on in the next line
        return False
    if _BULLET.match(line) and not _NUMBERED_HEADING.match(line):
        return False
    if not (line[0].isupper() or _NUMBERED_HEADING.match(line)):
        return False
    if nxt is None or not (nxt[0].isupper() or nxt[0] in "«\"•"):
        return False
    return prev is None or prev.endswith((".", ":", "!", "?", "»")) or _NUMBERED_HEADING.match(line) is not None


def _outline_number(line: str) -> tuple[int, ...] | None:
    """(3, 2, 1) for a numbered heading "3.2.1 Title" (or "3. TITLE"); None for any other line."""
    match = _NUMBERED_HEADING.match(line)
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def _continues_outline(line: str, number: tuple[int, ...], chapter: int, chapter_style: bool | None) -> bool:
    """Whether a numbered line continues the report's outline. `chapter` is the current chapter's number (0 before
    the first), `chapter_style` whether the report writes its chapter numbers with a dot ("1. Innledning") or
    without ("1 Innledning"), None before the first. A new chapter is the next number, in the report's style; a
    subsection belongs to the current or the next chapter. Up to `_MISSED_CHAPTERS` chapter headings may be skipped:
    the text extraction misses one now and then (a heading whose next line opens with "("). A footnote ("7 NOU
    2011:15 …" in a report of "2. …" chapters) or a numbered list item ("3. Økt aktivitet …" in chapter 1 of a report
    of "1 …" chapters; "2. Samarbeidsavtale …" in chapter 2) does not continue it."""
    if len(number) > 1:
        return chapter <= number[0] <= chapter + 1 + _MISSED_CHAPTERS
    return (chapter < number[0] <= chapter + 1 + _MISSED_CHAPTERS
            and chapter_style in (None, _chapter_style(line)))


def _chapter_style(line: str) -> bool:
    """Whether a chapter heading writes its number with a dot: "1. Innledning" (True), "1 Innledning" (False)."""
    return line.split(" ", 1)[0].endswith(".")


def _is_capitals(line: str) -> bool:
    """A heading in capitals ("SNA - VERKTØY FOR ANALYSE AV NETTVERK"), which ranks above one in mixed case."""
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _heading_paths(headings: list[tuple[str, tuple[int, ...] | None]], numbered: bool,
                   empty: list[bool] | None = None) -> list[list[str]]:
    """Each heading's path below the title. With `numbered`, a numbered heading sits at its number's depth ("3.2.1"
    → 3) and an unnumbered one below the innermost numbered heading above it (a bold subheading inside 3.2.1);
    without, every heading counts as unnumbered. Among unnumbered headings, one in capitals ranks above one in mixed
    case ("IDEALFORMER AV NETTVERK" › "Styrker"). Front and back matter ("Vedlegg 1 …", "Referanser") is a top-level
    part. A heading closes every heading at its level or below. A heading with no text of its own (`empty`) right
    above one that ranks higher is that one's caption, not a part: it opens the next heading's line ("Melhus" over a
    table headed "OMRÅDE STERKE SIDER UTFORDRINGER" → "Melhus – OMRÅDE STERKE SIDER UTFORDRINGER"), so what it
    names stays in the context of the text below. (Above a heading of its own rank it is an empty part.)"""
    levels: list[int] = []
    depth = 0  # the innermost numbered heading's depth
    for line, number in headings:
        if numbered and number is not None:
            depth = level = len(number)
        elif _MATTER.match(line):  # "Vedlegg 1 – spørreskjema" after "7.4 …": a part of its own
            depth, level = 0, 1
        else:
            level = depth + (1 if _is_capitals(line) else 2)
        levels.append(level)
    paths: list[list[str]] = []
    path: list[tuple[int, str]] = []
    caption = ""
    for i, ((line, _), level) in enumerate(zip(headings, levels)):
        line = f"{caption} – {line}" if caption else line
        caption = ""
        if empty and empty[i] and i + 1 < len(headings) and levels[i + 1] < level:
            caption = line
        path = [entry for entry in path if entry[0] < level] + [(level, line)]
        paths.append([heading for _, heading in path])
    return paths


def _hyphen_continues(text: str, following: str) -> bool:
    """Whether `text` ends in a word hyphenated at the line end that `following` finishes ("boligkartleg-" |
    "ging skjer"), not a coordinated compound ("helse-" | "og omsorgstjenester")."""
    return (re.search(r"\w-$", text) is not None and following[:1].islower()
            and following.split(" ", 1)[0] not in _NO_JOIN_AFTER_HYPHEN)


def _join_lines(lines: list[str]) -> str:
    text = ""
    for line in lines:
        if not text:
            text = line
            continue
        if _hyphen_continues(text, line):
            text = text[:-1] + line
        else:
            text = f"{text} {line}"
    return text


def _carry_hyphenated_words(pages: list[list[str]]) -> None:
    """A word hyphenated across a page break ("ut-" | "gjorde …") moves whole to the next page, where it ends: blocks
    never span pages, and a split word would neither match a search nor read well in a quote."""
    for lines, following in zip(pages, pages[1:]):
        if not lines or not following:
            continue
        match = re.search(r"(?:^|\s)(\w+)-$", lines[-1])
        if match and _hyphen_continues(lines[-1], following[0]):
            following[0] = match.group(1) + following[0]
            rest = lines[-1][:match.start()].rstrip()
            if rest:
                lines[-1] = rest
            else:
                lines.pop()


def parse_pdf(path: Path, doc_id: str) -> Document:
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))
            except Exception as exc:  # pypdf raises several types for unsupported encryption
                raise UnreadableDocument(f"encrypted PDF ({exc})") from exc
            if not opened:
                raise UnreadableDocument("encrypted PDF (password required)")
        raw_pages = [page.extract_text() or "" for page in reader.pages]
        info: Mapping[str, Any] = reader.metadata or {}
        meta: Mapping[str, Any] = {key: info[key] for key in info}  # resolved here: pypdf reads them lazily
    except UnreadableDocument:
        raise
    except PdfReadError as exc:
        raise UnreadableDocument(f"corrupt PDF: {exc}") from exc
    except Exception as exc:  # pypdf raises many types on damaged files (NotImplementedError for an unknown filter, …)
        raise UnreadableDocument(f"corrupt PDF: {type(exc).__name__}: {exc}") from exc
    if not any(t.strip() for t in raw_pages):
        raise UnreadableDocument("PDF has no extractable text (scanned image?)")

    body_pages, footnotes = _separate_footnotes([t.splitlines() for t in raw_pages])
    on_page: dict[int, set[int]] = {}
    for note_page, note_number, _ in footnotes:  # its marker stands on its page or, the text run over, the one before
        for marked in (note_page, note_page - 1):
            on_page.setdefault(marked, set()).add(note_number)
    pages = [_page_lines(lines, _marker_pattern(on_page.get(page_no, set())))
             for page_no, lines in enumerate(body_pages, start=1)]
    running = _running_lines(pages)
    cleaned: list[list[str]] = []
    for lines in pages:
        lines = [line for line in lines if re.sub(r"\d+", "#", line) not in running]
        while lines and _PAGE_NUMBER.match(lines[-1]):
            lines.pop()
        while lines and _PAGE_NUMBER.match(lines[0]):
            lines.pop(0)
        cleaned.append([_GLYPH_BULLET.sub("• ", line) for line in lines])
    _carry_hyphenated_words(cleaned)

    title = collapse_ws(str(meta.get("/Title") or "")) or path.stem
    sections: list[Section] = []
    current = Section(section_id="s-1", heading_path=[title], label=title, blocks=[])
    sections.append(current)
    paragraph: list[str] = []

    def flush(page: int) -> None:
        nonlocal paragraph
        if paragraph:
            current.blocks.append(Block(text=_join_lines(paragraph), page=page))
        paragraph = []

    widths = sorted(len(line) for lines in cleaned for line in lines)
    full_width = widths[int(len(widths) * 0.8)] if widths else 80
    prev: str | None = None
    headings: list[tuple[str, tuple[int, ...] | None]] = []  # each section's heading (after the first), its number
    chapter = 0  # the number of the current numbered chapter
    chapter_style: bool | None = None  # whether the report's chapter numbers end with a dot (`_chapter_style`)
    for page_no, lines in enumerate(cleaned, start=1):
        for i, line in enumerate(lines):
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            if _is_heading(line, prev, nxt, full_width):
                flush(page_no)
                prev = line + "."
                number = _outline_number(line)
                if number is not None and not _continues_outline(line, number, chapter, chapter_style):
                    paragraph.append(line)  # a footnote or a numbered list item: text that starts a paragraph
                    continue
                if number is not None:
                    chapter = number[0]
                    if len(number) == 1:
                        chapter_style = _chapter_style(line)
                headings.append((line, number))
                current = Section(section_id=f"s-{len(sections) + 1}", heading_path=[title, line],
                                  label=f"{title} › {line}", blocks=[])
                sections.append(current)
                continue
            if _BULLET.match(line):
                flush(page_no)
            paragraph.append(line)
            if line.endswith((".", "!", "?", ":", "»")) and len(line) < 0.7 * full_width:
                flush(page_no)
            prev = line
        flush(page_no)  # blocks never span pages, so every block has an exact page
    # One numbered heading is no outline ("1. …" of a list among unnumbered parts): then numbers don't nest.
    chapters = {number[0] for _, number in headings if number is not None}
    empty = [not section.blocks for section in sections[1:]]
    for section, heading_path in zip(sections[1:], _heading_paths(headings, numbered=len(chapters) >= 2, empty=empty)):
        section.heading_path = [title, *heading_path]
        section.label = f"{title} › {heading_path[-1]}"
    notes = [Block(text=_join_lines(_page_lines(lines)), page=page) for page, _, lines in footnotes if lines]
    if notes:
        sections.append(Section(section_id=f"s-{len(sections) + 1}", heading_path=[title, "Fotnoter"],
                                label=f"{title} › Fotnoter", blocks=notes))

    return Document(
        doc_id=doc_id,
        title=title,
        kind="rapport",
        sections=[s for s in sections if s.blocks],
        publisher=collapse_ws(str(meta.get("/Author") or "")) or None,
        date=_pdf_date(meta.get("/CreationDate")),
        description=collapse_ws(str(meta.get("/Subject") or "")) or None,
        meta={k.lstrip("/"): collapse_ws(str(v)) for k, v in meta.items() if isinstance(v, str)},
    )
