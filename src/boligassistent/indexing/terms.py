"""The terms BM25 indexes for a chunk: its context header's and its text's, as the analyzer gives them.

One exception. A report or guidance page names its publisher in every chunk's context header ("… (Møreforsking)",
`Document.name`), so a question that names the publisher ("Hva fant Møreforsking om …", "ifølge NTNU-rapporten")
finds all of the source's chunks alike. Where the text names the publisher again (the foreword, the project's
description, the title page) those words are not counted a second time: otherwise the passages that talk about the
publisher outrank the one that answers, for every question that says whose report it asks about. The publisher
selects the source; the rest of the question selects the passage. Titles and acts are not touched: a title's words
are the subject of the source's passages ("bostøtte", "læringsprosjekter"), not only its name.
"""

from __future__ import annotations

from boligassistent.domain.documents import Chunk
from boligassistent.text.analyzer import analyze


def publisher_terms(chunk: Chunk) -> set[str]:
    """The analyzer terms of the publisher named in the chunk's context header and not in its document's title
    (none for acts and regulations, and for a document whose title holds its publisher's name)."""
    return set(analyze(chunk.document_name)) - set(analyze(chunk.title))


def indexed_terms(chunk: Chunk) -> list[str]:
    """The chunk's BM25 terms: its header's, then its text's without the publisher's name (`publisher_terms`)."""
    named = publisher_terms(chunk)
    if not named:
        return analyze(chunk.indexed_text)
    return analyze(chunk.header) + [term for term in analyze(chunk.text) if term not in named]
