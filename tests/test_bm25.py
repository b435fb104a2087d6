"""BM25 from postings against rank-bm25 itself, the definition both index backends follow."""

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from boligassistent.indexing.bm25 import BM25, BM25Config, Postings, okapi_idf, raw_idf
from boligassistent.indexing.terms import indexed_terms


def _corpus(seed: int, chunks: int = 400) -> tuple[list[list[str]], list[str]]:
    rng = random.Random(seed)
    vocab = [f"term{i}" for i in range(300)]
    # a few terms in almost every chunk (negative raw idf, floored by rank-bm25), long and one-word chunks
    tokens = [[rng.choice(vocab[:3] if rng.random() < 0.3 else vocab) for _ in range(rng.choice([1, 5, 40, 200]))]
              for _ in range(chunks)]
    return tokens, vocab


@pytest.mark.parametrize("k1,b", [(1.2, 0.75), (1.5, 0.3), (0.9, 1.0)])
def test_scores_are_bit_identical_to_rank_bm25(k1, b, tmp_path):
    tokens, vocab = _corpus(seed=int(k1 * 10))
    reference = BM25Okapi(tokens, k1=k1, b=b)
    postings = Postings.from_tokens(tokens)
    postings.save(tmp_path)
    ours, reloaded = BM25(postings, BM25Config(k1, b)), BM25(Postings.load(tmp_path), BM25Config(k1, b))
    floor = reference.epsilon * reference.average_idf
    assert list(reference.idf.values()).count(floor) >= 1  # common terms get rank-bm25's idf floor
    rng = random.Random(3)
    for _ in range(100):
        query = [rng.choice(vocab) for _ in range(rng.randint(1, 6))]
        query += query[:1] + ["absent"]  # a repeated term counts twice; an unknown term adds nothing
        assert np.array_equal(ours.get_scores(query), reference.get_scores(query)), query
        assert np.array_equal(reloaded.get_scores(query), reference.get_scores(query)), query
    assert not ours.get_scores(["absent"]).any() and not ours.get_scores([]).any()


def test_idf_is_rank_bm25s_and_unseen_terms_get_the_highest():
    tokens, vocab = _corpus(seed=5)
    reference = BM25Okapi(tokens)
    bm25 = BM25(Postings.from_tokens(tokens), BM25Config())
    assert bm25.term_idf(list(reference.idf)) == reference.idf  # bit-identical, floor included
    sets = [set(chunk) for chunk in tokens]
    assert okapi_idf([sum(t in c for c in sets) for t in reference.idf], len(tokens)) == list(reference.idf.values())
    unseen = bm25.term_idf(["absent"])["absent"]
    assert unseen == raw_idf(0, len(tokens)) > max(reference.idf.values())


def test_postings_keep_each_chunks_terms():
    tokens = [["husleie", "husleie", "depositum"], ["husleie"], [], ["bostøtte"]]
    postings = Postings.from_tokens(tokens)
    assert postings.terms == ["husleie", "depositum", "bostøtte"]  # in order of first appearance
    assert postings.document_frequencies().tolist() == [2, 1, 1]
    assert postings.chunk_counts(0) == {"husleie": 2, "depositum": 1} and postings.chunk_counts(2) == {}
    assert postings.chunk_terms([1, 3]) == {"husleie", "bostøtte"}
    assert postings.lengths.tolist() == [3, 1, 0, 1]


def test_an_empty_corpus_is_refused():
    with pytest.raises(ValueError):
        BM25(Postings.from_tokens([]), BM25Config())


def test_the_embedded_index_scores_as_rank_bm25(unit_runtime):
    index = unit_runtime.index
    settings = unit_runtime.settings
    tokens = [indexed_terms(c) for c in index.iter_chunks()]
    reference = BM25Okapi(tokens, k1=settings.bm25_k1, b=settings.bm25_b)
    for terms in (["student", "bostøtt"], ["husleie", "husleie", "restans"], ["finnesikk"]):
        assert np.array_equal(index.bm25.get_scores(terms), reference.get_scores(terms))
        assert index.term_idf(terms) == {t: reference.idf.get(t, raw_idf(0, len(tokens))) for t in terms}
    some = next(index.iter_chunks())
    assert index.chunk_terms([some.chunk_id]) == set(indexed_terms(some))
