"""The lexical arm: Okapi BM25, computed by the store, over the query's search terms (`analyze_query`: the
Norwegian analysis, misspelt words corrected against the index vocabulary, thesaurus expansions, and compounds the
index doesn't hold searched by their parts)."""

from __future__ import annotations

from dataclasses import dataclass

from boligassistent.retrieval.arms.base import ArmQuery
from boligassistent.retrieval.store import Candidate, IndexStore
from boligassistent.text.analyzer import analyze_query
from boligassistent.text.spelling import Speller


@dataclass
class BM25Arm:
    store: IndexStore
    speller: Speller  # over the store's vocabulary (`IndexStore.term_frequencies`)
    name: str = "bm25"

    def search(self, query: ArmQuery) -> list[Candidate]:
        terms = analyze_query(query.text, known=self.store.known_terms, speller=self.speller)
        return self.store.bm25_search(terms, query.n, query.filters)
