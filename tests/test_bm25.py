"""BM25 from postings against rank-bm25 itself, the definition both index backends follow."""

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from boligassistent.indexing.bm25 import BM25Postings


def _corpus(seed: int, chunks: int = 400) -> tuple[list[list[str]], list[str]]:
    rng = random.Random(seed)
    vocab = [f"term{i}" for i in range(300)]
    # a few terms in almost every chunk (negative raw idf, floored by rank-bm25), long and one-word chunks
    tokens = [[rng.choice(vocab[:3] if rng.random() < 0.3 else vocab) for _ in range(rng.choice([1, 5, 40, 200]))]
              for _ in range(chunks)]
    return tokens, vocab


@pytest.mark.parametrize("k1,b", [(1.2, 0.75), (1.5, 0.3), (0.9, 1.0)])
def test_scores_are_bit_identical_to_rank_bm25(k1, b):
    tokens, vocab = _corpus(seed=int(k1 * 10))
    reference, ours = BM25Okapi(tokens, k1=k1, b=b), BM25Postings(tokens, k1=k1, b=b)
    floor = reference.epsilon * reference.average_idf
    assert list(reference.idf.values()).count(floor) >= 1  # common terms get rank-bm25's idf floor
    rng = random.Random(3)
    for _ in range(100):
        query = [rng.choice(vocab) for _ in range(rng.randint(1, 6))]
        query += query[:1] + ["absent"]  # a repeated term counts twice; an unknown term adds nothing
        assert np.array_equal(ours.get_scores(query), reference.get_scores(query)), query
    assert not ours.get_scores(["absent"]).any() and not ours.get_scores([]).any()


def test_document_frequency_counts_chunks_not_occurrences():
    tokens = [["husleie", "husleie", "depositum"], ["husleie"], ["bostøtte"]]
    bm25 = BM25Postings(tokens, k1=1.2, b=0.75)
    assert [bm25.document_frequency(t) for t in ("husleie", "depositum", "bostøtte", "student")] == [2, 1, 1, 0]


def test_an_empty_corpus_is_refused():
    with pytest.raises(ValueError):
        BM25Postings([], k1=1.2, b=0.75)


def test_the_embedded_index_scores_as_rank_bm25(fixture_runtime):
    index = fixture_runtime.index
    settings = fixture_runtime.settings
    reference = BM25Okapi(index.tokens, k1=settings.bm25_k1, b=settings.bm25_b)
    for terms in (["student", "bostøtt"], ["husleie", "husleie", "restans"], ["finnesikk"]):
        assert np.array_equal(index.bm25.get_scores(terms), reference.get_scores(terms))
        assert index.document_frequency(terms) == {t: sum(t in chunk for chunk in index.tokens) for t in terms}
