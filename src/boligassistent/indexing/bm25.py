"""Okapi BM25 as rank-bm25 defines it: the one BM25 of the system (both index backends and answer evidence).

The statistics (document frequencies, idf with rank-bm25's epsilon floor for very common terms, chunk lengths)
are computed here, once per generation, and kept as postings: each term lists the chunks that contain it with
its frequency there. A query then adds up only its terms' postings, not the whole corpus, with rank-bm25's
arithmetic term by term, so scores are bit-identical to `rank_bm25.BM25Okapi.get_scores` (the test oracle).
The embedded backend persists the postings in each generation (`Postings.save`); the PostgreSQL backend keeps
them in a table and takes its idf from `okapi_idf` below.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IDF_EPSILON = 0.25  # rank-bm25's floor for negative idf, as a share of the mean idf (part of its definition, not tuned)


@dataclass(frozen=True)
class BM25Config:
    k1: float = 1.2  # term-frequency saturation
    b: float = 0.75  # length normalisation (0 = none, 1 = full)


def raw_idf(df: int, n: int) -> float:
    """Okapi idf of a term found in `df` of `n` chunks, before the floor (negative for df > n / 2)."""
    return math.log(n - df + 0.5) - math.log(df + 0.5)


def okapi_idf(document_frequencies: Sequence[int], n: int) -> list[float]:
    """rank-bm25's idf of every term of a corpus of `n` chunks: negative ones are floored at IDF_EPSILON × the mean.

    Give the frequencies in order of the terms' first appearance in the corpus: rank-bm25 sums the idfs for the
    mean in that order, and only the same order gives a bit-identical floor."""
    raw = [raw_idf(df, n) for df in document_frequencies]
    total = 0.0
    for value in raw:  # sequential, like rank-bm25 (sum() or numpy may round differently)
        total += value
    floor = IDF_EPSILON * (total / len(raw)) if raw else 0.0
    return [floor if value < 0 else value for value in raw]


@dataclass
class Postings:
    """A corpus's BM25 statistics, independent of k1 and b.

    Term ids number the vocabulary in order of first appearance. Stored twice over the same entries: chunk-major
    (each chunk's terms, in first-occurrence order, with their frequencies: the forward index) and term-major
    (each term's chunks, ascending: the inverted index), linked by `order`."""

    terms: list[str]  # term id → term
    chunk_bounds: np.ndarray  # int64 [chunks + 1]: chunk c's entries are chunk_bounds[c]:chunk_bounds[c + 1]
    term_ids: np.ndarray  # int32 [entries], chunk-major
    tfs: np.ndarray  # int32 [entries], chunk-major: the term's frequency in the chunk
    lengths: np.ndarray  # int64 [chunks]: chunk length in terms
    order: np.ndarray  # int64 [entries]: chunk-major entry of each term-major entry
    term_bounds: np.ndarray  # int64 [terms + 1]: term t's term-major entries are term_bounds[t]:term_bounds[t + 1]

    FILES = ("bm25_terms.json", "bm25_postings.npz")

    @classmethod
    def from_counts(cls, counts: Iterable[dict[str, int]]) -> Postings:
        """From each chunk's term frequencies (in first-occurrence order, as `Counter(tokens)` keeps them)."""
        ids: dict[str, int] = {}
        assign = ids.setdefault
        term_ids: list[int] = []
        tfs: list[int] = []
        per_chunk: list[int] = []
        lengths: list[int] = []
        for freqs in counts:  # C-level extends: this loop is most of the build time
            term_ids.extend([assign(term, len(ids)) for term in freqs])
            tfs.extend(freqs.values())
            per_chunk.append(len(freqs))
            lengths.append(sum(freqs.values()))
        term = np.asarray(term_ids, dtype=np.int32)
        order = np.argsort(term, kind="stable")  # term-major, chunks ascending within each term
        return cls(terms=list(ids), chunk_bounds=np.concatenate([[0], np.cumsum(per_chunk, dtype=np.int64)]),
                   term_ids=term, tfs=np.asarray(tfs, dtype=np.int32), lengths=np.asarray(lengths, dtype=np.int64),
                   order=order.astype(np.int64),
                   term_bounds=np.searchsorted(term[order], np.arange(len(ids) + 1)).astype(np.int64))

    @classmethod
    def from_tokens(cls, tokens: Iterable[list[str]]) -> Postings:
        return cls.from_counts(Counter(t) for t in tokens)

    @property
    def size(self) -> int:
        return len(self.lengths)

    def document_frequencies(self) -> np.ndarray:
        return np.diff(self.term_bounds)

    def chunk_counts(self, chunk: int) -> dict[str, int]:
        """One chunk's term frequencies, in first-occurrence order."""
        span = slice(self.chunk_bounds[chunk], self.chunk_bounds[chunk + 1])
        return {self.terms[t]: int(f) for t, f in zip(self.term_ids[span], self.tfs[span])}

    def chunk_terms(self, chunks: Iterable[int]) -> set[str]:
        return {self.terms[t] for c in chunks for t in self.term_ids[self.chunk_bounds[c]:self.chunk_bounds[c + 1]]}

    def save(self, directory: Path) -> None:
        (directory / self.FILES[0]).write_text(json.dumps(self.terms, ensure_ascii=False), encoding="utf-8")
        np.savez(directory / self.FILES[1], chunk_bounds=self.chunk_bounds, term_ids=self.term_ids, tfs=self.tfs,
                 lengths=self.lengths, order=self.order, term_bounds=self.term_bounds)

    @classmethod
    def load(cls, directory: Path) -> Postings:
        terms = json.loads((directory / cls.FILES[0]).read_text(encoding="utf-8"))
        with np.load(directory / cls.FILES[1]) as arrays:
            return cls(terms=terms, **{name: arrays[name] for name in arrays.files})


class BM25:
    """Scores queries against `Postings` with the k1/b weights derived once, vectorised, at construction."""

    def __init__(self, postings: Postings, config: BM25Config) -> None:
        if postings.size == 0:
            raise ValueError("BM25 needs at least one chunk")
        self.size = postings.size
        self._postings = postings
        self._term_ids = {term: i for i, term in enumerate(postings.terms)}
        self._idf = np.asarray(okapi_idf(postings.document_frequencies().tolist(), self.size), dtype=np.float64)
        k1, b = config.k1, config.b
        term = np.repeat(np.arange(len(postings.terms)), postings.document_frequencies())
        self._chunks = np.repeat(np.arange(self.size, dtype=np.int32), np.diff(postings.chunk_bounds))[postings.order]
        tf = postings.tfs[postings.order].astype(np.float64)
        length = postings.lengths.astype(np.float64)[self._chunks]
        avgdl = int(postings.lengths.sum()) / self.size  # rank-bm25: total length / chunks, in Python ints
        # rank-bm25's expression, in its order of operations: idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)))
        self._weights = self._idf[term] * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl)))
        self._bounds = postings.term_bounds

    def get_scores(self, query_terms: list[str]) -> np.ndarray:
        """One score per chunk; a term repeated in the query counts once per occurrence, as in rank-bm25."""
        scores = np.zeros(self.size, dtype=np.float64)
        for term in query_terms:  # in query order, like rank-bm25, so the sums are bit-identical to its scores
            i = self._term_ids.get(term)
            if i is not None:
                span = slice(self._bounds[i], self._bounds[i + 1])
                scores[self._chunks[span]] += self._weights[span]
        return scores

    def known_terms(self, terms: list[str]) -> set[str]:
        """The terms that occur in at least one chunk."""
        return {t for t in terms if t in self._term_ids}

    def term_idf(self, terms: list[str]) -> dict[str, float]:
        """The idf BM25 weighs each term with; a term in no chunk gets the Okapi idf of df = 0 (the highest)."""
        return {t: float(self._idf[i]) if (i := self._term_ids.get(t)) is not None else raw_idf(0, self.size)
                for t in terms}
