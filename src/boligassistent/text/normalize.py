"""Whitespace normalization shared by the loaders and the chunker."""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")


def collapse_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()
