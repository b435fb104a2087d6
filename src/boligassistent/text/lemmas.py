"""Lemmas from simplemma's bokmål and nynorsk dictionaries (no model, no network).

A token is looked up as bokmål first, then as nynorsk; an unknown token is returned unchanged, so numbers,
§ labels and names pass through.
"""

from __future__ import annotations

from functools import lru_cache

import simplemma

LANGUAGES: tuple[str, ...] = ("nb", "nn")


@lru_cache(maxsize=200_000)
def lemma(token: str) -> str:
    for language in LANGUAGES:
        if simplemma.is_known(token, lang=language):
            return str(simplemma.lemmatize(token, lang=language)).lower()
    return token


@lru_cache(maxsize=200_000)
def is_word(token: str) -> bool:
    """A dictionary word in either written standard (any inflected form)."""
    return any(simplemma.is_known(token, lang=language) for language in LANGUAGES)
