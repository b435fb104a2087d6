"""Whitespace and Unicode normalization shared by the loaders, the chunker and the evidence matcher."""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")


def collapse_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


def normalize_for_match(text: str) -> str:
    """Normalization used to compare evidence spans with chunk text: NFKC, one space, lowercase."""
    return collapse_ws(unicodedata.normalize("NFKC", text)).lower()
