"""The cited-§ arm: law sections cited by name in the top hits of the earlier arms (e.g. guidance saying
"bustøttelova § 4"), kept only if an earlier arm also found them, so a citation lifts a relevant section
without pulling in unrelated ones. Its score is the number of top hits citing the section."""

from __future__ import annotations

import re
from dataclasses import dataclass

from boligassistent.domain.documents import Chunk
from boligassistent.retrieval.arms.base import ArmQuery
from boligassistent.retrieval.store import Candidate

_LAW_REFERENCE = re.compile(
    r"\b([\wæøåÆØÅ-]+(?:loven|lova|lovens|lovas))\s+§\s*(\d+(?:\s?[a-z]\b)?(?:-\d+(?:\s?[a-z]\b)?)?)", re.I)


def law_references(text: str) -> list[str]:
    """Citation labels referred to in a text, e.g. 'bustøttelova § 4' (lowercase, normalized)."""
    out = []
    for name, number in _LAW_REFERENCE.findall(text):
        name = name.lower().removesuffix("s") if name.lower().endswith(("lovens", "lovas")) else name.lower()
        out.append(f"{name} § {' '.join(number.split())}")
    return out


def referenced_sections(top: list[Chunk], candidates: list[Chunk]) -> dict[str, int]:
    """Law-section chunks among `candidates` that the `top` chunks cite (and that are not in the top themselves),
    in order of first citation, each with the number of top chunks citing it."""
    by_label: dict[str, list[Chunk]] = {}
    for chunk in candidates:
        if chunk.is_legal:
            by_label.setdefault(" ".join(chunk.label.lower().split()), []).append(chunk)
    top_ids = {c.chunk_id for c in top}
    out: dict[str, int] = {}
    for chunk in top:
        cited_here: set[str] = set()
        for label in law_references(chunk.text):
            for cited in sorted(by_label.get(label, []), key=lambda c: (c.doc_id, c.ordinal)):
                if cited.chunk_id not in top_ids and cited.chunk_id not in cited_here:
                    cited_here.add(cited.chunk_id)
                    out[cited.chunk_id] = out.get(cited.chunk_id, 0) + 1
    return out


@dataclass
class ReferencesArm:
    from_top: int  # how many of the earlier arms' fused hits are read for citations (FusionConfig.reference_from_top)
    name: str = "references"

    def search(self, query: ArmQuery) -> list[Candidate]:
        found = {c.chunk.chunk_id: c.chunk for run in query.earlier for c in run.candidates}
        cited = referenced_sections(query.fused[: self.from_top], list(found.values()))
        return [Candidate(found[chunk_id], float(count)) for chunk_id, count in cited.items()][: query.n]
