"""The first fused hits reordered by their best sentence: a passage can share the question's topic words in every
sentence (an article, a report section), but the one holding the answer has a sentence that says most of what was
asked ("Når startet Southern Cross-ekspedisjonen?": «Ekspedisjonen startet i 1898 …» beats the article's lead).

A hit's reorder score is its fused score relative to the first hit's plus `weight` × the idf-weighted share of the
question's terms in its best sentence (with the sentence before it, which often names the subject). Only the first
`depth` hits move, among themselves; a § the question cites keeps rank 1 (its fused score dominates).
"""

from __future__ import annotations

from boligassistent.retrieval.types import ScoredChunk
from boligassistent.text.analyzer import analyze
from boligassistent.text.sentences import split_sentences
from boligassistent.text.thesaurus import Synonyms, term_share


def best_share(analyzed: list[set[str]], terms: set[str], idf: dict[str, float], synonyms: Synonyms) -> float:
    """The best idf-weighted share of `terms` (`term_share`) in one analysed sentence together with the one before it."""
    return max((term_share(terms, idf, found | (analyzed[i - 1] if i else set()), synonyms)
                for i, found in enumerate(analyzed)), default=0.0)


def best_sentence_share(text: str, terms: set[str], idf: dict[str, float], synonyms: Synonyms) -> float:
    """`best_share` over the sentences of `text`."""
    return best_share([set(analyze(sentence)) for sentence in split_sentences(text)], terms, idf, synonyms)


def rerank_by_sentence(hits: list[ScoredChunk], terms: list[str], idf: dict[str, float], synonyms: Synonyms,
                       depth: int, weight: float) -> list[ScoredChunk]:
    """`hits` with the first `depth` reordered by fused score (relative to the first) + `weight` × best sentence share."""
    if weight <= 0 or depth < 2 or len(hits) < 2 or hits[0].score <= 0:
        return hits
    asked = set(terms)
    top = hits[0].score
    head = sorted(hits[:depth], key=lambda hit: -(hit.score / top
                                                  + weight * best_sentence_share(hit.chunk.text, asked, idf, synonyms)))
    return head + hits[depth:]
