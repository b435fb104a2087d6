"""The legal-reference arm: acts and regulations of the corpus named in the question (`retrieval.law_catalog`).

- A law named with §§ ("bustøttelova § 4", "sotjl. § 27", "§§ 7-3 og 7-4 i husleieloven"): those sections'
  chunks, looked up by section id (`IndexStore.legal_sections`), in the order cited.
- A law named with a chapter ("husleieloven kapittel 9"): that chapter's sections, in document order.
- A law named alone, or with a § it does not have: that law's chunks among the earlier arms' results, in their
  fused order (a boost for what they already found, never new text).

Its weight (`FusionConfig`) lets a named § outrank anything the other arms agree on.
"""

from __future__ import annotations

from dataclasses import dataclass

from boligassistent.retrieval.arms.base import ArmQuery
from boligassistent.retrieval.law_catalog import LawCatalog
from boligassistent.retrieval.store import Candidate, IndexStore
from boligassistent.retrieval.types import ScoredChunk

LOOKUP_SCORE = 1.0  # a section named in the question
BOOST_SCORE = 0.5  # a chunk of a law named in the question, found by an earlier arm
ARM_NAME = "legal"


def cited_in_question(hit: ScoredChunk) -> bool:
    """Whether the hit is a section the question cites by law and § ("sosialtjenesteloven § 27", "husl. 9-8")."""
    return hit.arm_score(ARM_NAME) == LOOKUP_SCORE


@dataclass
class LegalArm:
    store: IndexStore
    catalog: LawCatalog
    name: str = ARM_NAME

    def search(self, query: ArmQuery) -> list[Candidate]:
        out: dict[str, Candidate] = {}
        boosted: list[str] = []
        for reference in self.catalog.references(query.text):
            citation = reference.citation
            found = [] if citation.empty else self.store.legal_sections(
                reference.doc_id, list(citation.sections) or None, None if citation.sections else citation.chapter, query.n)
            if not found:
                boosted.append(reference.doc_id)
            for candidate in found:
                out.setdefault(candidate.chunk.chunk_id, Candidate(candidate.chunk, LOOKUP_SCORE))
        for chunk in query.fused:
            if chunk.doc_id in boosted:
                out.setdefault(chunk.chunk_id, Candidate(chunk, BOOST_SCORE))
        return [c for c in out.values() if query.filters.allows(c.chunk)][: query.n]
