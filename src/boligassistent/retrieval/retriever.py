"""Hybrid retrieval: the configured arms (BM25, dense, cited §, …) run in order and are fused (`retrieval.fusion`).

This is the one retrieval pipeline used by the assistant, the API, the bots and the evaluations, over either
index backend (`IndexStore`): the stores offer search capabilities, the arms (`retrieval.arms`) use them, and
fusion (`retrieval.fusion`) happens once, here.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from boligassistent.retrieval.arms.base import Arm, ArmQuery, ArmRun
from boligassistent.retrieval.fusion import FusionConfig, diversify, fuse
from boligassistent.retrieval.law_catalog import LawCatalog
from boligassistent.retrieval.sentence_rerank import rerank_by_sentence
from boligassistent.retrieval.store import SearchFilters
from boligassistent.retrieval.types import ScoredChunk, SearchResult
from boligassistent.text.analyzer import question_terms, synonyms
from boligassistent.text.spelling import Speller

__all__ = ["HybridRetriever", "SearchFilters", "ScoredChunk", "SearchResult", "FusionConfig"]

HYBRID = "hybrid"


class HybridRetriever:
    def __init__(self, arms: list[Arm], fusion: FusionConfig | None = None, speller: Speller | None = None,
                 catalog: LawCatalog | None = None, term_idf: Callable[[list[str]], dict[str, float]] | None = None
                 ) -> None:
        self.arms = list(arms)
        self.fusion = fusion or FusionConfig()
        self.speller = speller  # the question's terms in a result are its words as meant (`question_terms`)
        self.catalog = catalog  # a law's abbreviation is searched as its name (`LawCatalog.spell_out`: "hl." → husleieloven)
        self.term_idf = term_idf  # the index's idf (`IndexStore.term_idf`), for the sentence reorder of hybrid results

    @property
    def modes(self) -> list[str]:
        """'hybrid' (every arm with a weight above 0, fused) or one arm's name (that arm alone)."""
        return [HYBRID] + [arm.name for arm in self.arms]

    def _plan(self, mode: str) -> list[tuple[Arm, float]]:
        if mode == HYBRID:
            return [(arm, w) for arm in self.arms if (w := self.fusion.weight(arm.name)) > 0]
        for arm in self.arms:
            if arm.name == mode:
                return [(arm, 1.0)]
        raise ValueError(f"unknown search mode '{mode}' (choose from {', '.join(self.modes)})")

    def search(self, query: str, k: int = 8, filters: SearchFilters | None = None, mode: str = HYBRID) -> SearchResult:
        plan = self._plan(mode)
        started = time.perf_counter()
        # the texts name an act, never abbreviate it: every arm, and the result's query and terms, read the name
        query = self.catalog.spell_out(query) if self.catalog is not None else query
        timings: dict[str, float] = {}
        runs: list[ArmRun] = []
        for arm, weight in plan:
            context = ArmQuery(text=query, filters=filters or SearchFilters(), n=max(self.fusion.candidates, k),
                               earlier=list(runs), fused=[hit.chunk for hit in fuse(runs, self.fusion)] if runs else [],
                               timings_ms=timings)
            t0 = time.perf_counter()
            runs.append(ArmRun(name=arm.name, weight=weight, candidates=arm.search(context)))
            timings[arm.name] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        hits = diversify(fuse(runs, self.fusion), k, self.fusion.max_per_doc)
        terms = question_terms(query, self.speller)
        if mode == HYBRID and self.fusion.sentence_weight > 0 and self.term_idf is not None:
            hits = rerank_by_sentence(hits, terms, self.term_idf(list(dict.fromkeys(terms))), synonyms(query),
                                      self.fusion.sentence_depth, self.fusion.sentence_weight)
        finished = time.perf_counter()
        timings |= {"fuse": (finished - t0) * 1000, "total": (finished - started) * 1000}
        return SearchResult(query=query, hits=hits, query_terms=terms, timings_ms=timings)
