"""Hubness diagnostic: chunks that rank in the top k for an abnormal share of unrelated queries.

A *hub* is a chunk near everything: a keyword list, a table of contents, a repeated context header or a very long
chunk. Its k-occurrence N_k (the number of probe queries that have it in their top k) stands far above the median.
The probes are not tuned to any question set: every dev question given, plus one probe per section heading of the
index (the heading as a query). A heading probe does not count hits in its own document, so N_k measures how often
a chunk turns up for text that is about something else.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from boligassistent.domain.documents import Chunk

# A heading probe needs this many words: "Innledning" or "Sammendrag" asks nothing specific.
MIN_HEADING_WORDS = 3


@dataclass(frozen=True)
class Probe:
    text: str
    exclude_doc: str | None = None  # hits in this document are not counted (the heading's own document)


@dataclass
class HubRow:
    chunk_id: str
    label: str
    chars: int  # length of the chunk's indexed text (header + body)
    n_k: int  # k-occurrence: probes with this chunk in their top k


@dataclass
class HubReport:
    mode: str
    k: int
    probes: int
    top: list[HubRow]
    median: float  # median N_k over all chunks of the index
    skewness: float  # of the N_k distribution over all chunks (hubness: large and positive)
    counts: Counter[str] = field(default_factory=Counter)

    def share(self, chunk_id: str) -> float:
        """Share of the probes with `chunk_id` in their top k."""
        return self.counts.get(chunk_id, 0) / self.probes if self.probes else 0.0


def heading_probes(chunks: Iterable[Chunk], min_words: int = MIN_HEADING_WORDS) -> list[Probe]:
    """One probe per distinct section heading (the last element of the heading path, not the document title)."""
    seen: set[tuple[str, str]] = set()
    probes: list[Probe] = []
    for chunk in chunks:
        path = [p for p in chunk.heading_path if p != chunk.title]
        if not path:
            continue
        heading = path[-1].strip()
        key = (chunk.doc_id, heading.lower())
        if len(heading.split()) < min_words or key in seen:
            continue
        seen.add(key)
        probes.append(Probe(text=heading, exclude_doc=chunk.doc_id))
    return probes


def _skewness(values: list[int]) -> float:
    if len(values) < 3:
        return 0.0
    mean = statistics.fmean(values)
    sd = statistics.pstdev(values)
    return 0.0 if sd == 0 else statistics.fmean([((v - mean) / sd) ** 3 for v in values])


def k_occurrence(search: Callable[[str, int], list[Chunk]], probes: list[Probe], all_chunks: list[Chunk], *,
                 mode: str, k: int = 10, top: int = 10) -> HubReport:
    """N_k of every chunk over `probes` (`search(text, k)` → the top k chunks), with the `top` hubs."""
    counts: Counter[str] = Counter()
    for probe in probes:
        for chunk in search(probe.text, k):
            if chunk.doc_id != probe.exclude_doc:
                counts[chunk.chunk_id] += 1
    by_id = {c.chunk_id: c for c in all_chunks}
    values = [counts.get(c.chunk_id, 0) for c in all_chunks]
    rows = [HubRow(chunk_id=cid, label=by_id[cid].label if cid in by_id else cid,
                   chars=len(by_id[cid].indexed_text) if cid in by_id else 0, n_k=n) for cid, n in counts.most_common(top)]
    return HubReport(mode=mode, k=k, probes=len(probes), top=rows, median=statistics.median(values) if values else 0.0,
                     skewness=_skewness(values), counts=counts)
