"""The cited-§ arm: law sections cited in the top hits of the earlier arms (e.g. guidance saying
"bustøttelova § 4"), kept only if an earlier arm also found them, so a citation lifts a relevant section
without pulling in unrelated ones. Its score is the number of top hits citing the section.

A bare "§ 13-6" (no law name right before it), as guidance and reports write them, is read as a § of the law named
last before it in the same text («… tvangsfullbyrdelsesloven § 13-2 … (§ 13-6)»), else of the laws the same
document's top hits name («Namsmannen forelegger begjæringen for leietakeren (§ 13-6)» in a section whose sibling
names tvangsfullbyrdelsesloven). Bare §§ are followed only in a hit that is not a law's own section (there they
point within the law, mostly elsewhere) and that cites few of them (`bare_max`): a pointer, not an overview of a
law's provisions, which would lift them all alike."""

from __future__ import annotations

import re
from dataclasses import dataclass

from boligassistent.domain.documents import Chunk
from boligassistent.retrieval.arms.base import ArmQuery
from boligassistent.retrieval.store import Candidate

_NUMBER = r"(\d+(?:\s?[a-z]\b)?(?:-\d+(?:\s?[a-z]\b)?)?)"
_LAW_REFERENCE = re.compile(rf"\b([\wæøåÆØÅ-]+(?:loven|lova|lovens|lovas))\s+§\s*{_NUMBER}", re.I)
_BARE_REFERENCE = re.compile(rf"(?<!§)§\s*{_NUMBER}")


def _name(name: str) -> str:
    name = name.lower()
    return name.removesuffix("s") if name.endswith(("lovens", "lovas")) else name


def law_names_cited(text: str) -> list[str]:
    """The law names a text cites with a § ('bustøttelova', 'husleieloven'), lowercase, in order."""
    return [_name(name) for name, _ in _LAW_REFERENCE.findall(text)]


def _citations(text: str, context: tuple[str, ...]) -> list[tuple[str, bool]]:
    """(label, named) of each § a text cites, e.g. ('bustøttelova § 4', True) (lowercase, normalized); a § with no law
    name right before it (named False) as a § of the law named last before it in the text, else of each law in
    `context`."""
    named = {m.start(2): _name(m.group(1)) for m in _LAW_REFERENCE.finditer(text)}
    out: list[tuple[str, bool]] = []
    last: str | None = None
    for match in _BARE_REFERENCE.finditer(text):
        number = " ".join(match.group(1).split())
        if match.start(1) in named:
            last = named[match.start(1)]
            out.append((f"{last} § {number}", True))
        else:
            out += [(f"{name} § {number}", False) for name in ((last,) if last else context)]
    return out


def law_references(text: str, context: tuple[str, ...] = (), bare: bool = False) -> list[str]:
    """Citation labels referred to in a text, e.g. 'bustøttelova § 4' (lowercase, normalized). With `bare`, a § with
    no law name right before it too: of the law named last before it in the text, else of each law in `context`."""
    return [label for label, named in _citations(text, context) if named or bare]


def referenced_sections(top: list[Chunk], candidates: list[Chunk], bare_max: int = 2) -> dict[str, int]:
    """Law-section chunks among `candidates` that the `top` chunks cite (and that are not in the top themselves),
    in order of first citation, each with the number of top chunks citing it. A top chunk's bare §§ count only when
    it is not a law's own section and cites at most `bare_max` distinct §§ (named ones included)."""
    by_label: dict[str, list[Chunk]] = {}
    for chunk in candidates:
        if chunk.is_legal:
            by_label.setdefault(" ".join(chunk.label.lower().split()), []).append(chunk)
    top_ids = {c.chunk_id for c in top}
    named_in_doc: dict[str, list[str]] = {}
    for chunk in top:
        named_in_doc.setdefault(chunk.doc_id, []).extend(law_names_cited(chunk.text))
    out: dict[str, int] = {}
    for chunk in top:
        cited_here: set[str] = set()
        citations = _citations(chunk.text, tuple(dict.fromkeys(named_in_doc[chunk.doc_id])))
        labels = [label for label, named in citations if named]
        if not chunk.is_legal and len({label.split(" § ")[1] for label, _ in citations}) <= bare_max:
            labels = [label for label, _ in citations]
        for label in labels:
            for cited in sorted(by_label.get(label, []), key=lambda c: (c.doc_id, c.ordinal)):
                if cited.chunk_id not in top_ids and cited.chunk_id not in cited_here:
                    cited_here.add(cited.chunk_id)
                    out[cited.chunk_id] = out.get(cited.chunk_id, 0) + 1
    return out


@dataclass
class ReferencesArm:
    from_top: int  # how many of the earlier arms' fused hits are read for citations (FusionConfig.reference_from_top)
    bare_max: int = 2  # FusionConfig.reference_bare_max
    name: str = "references"

    def search(self, query: ArmQuery) -> list[Candidate]:
        found = {c.chunk.chunk_id: c.chunk for run in query.earlier for c in run.candidates}
        cited = referenced_sections(query.fused[: self.from_top], list(found.values()), self.bare_max)
        return [Candidate(found[chunk_id], float(count)) for chunk_id, count in cited.items()][: query.n]
