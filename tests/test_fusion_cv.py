"""Score-based fusion, the legal arm's derived weight, and fusion parameters chosen by cross-validation."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from boligassistent.domain.documents import Chunk
from boligassistent.evals.dataset import GoldSource, Question
from boligassistent.evals.tuning import Recorded, SearchSpace, complexity, cross_validate, stratified_folds
from boligassistent.retrieval.arms.base import ArmQuery
from boligassistent.retrieval.fusion import FusionConfig, dominant_weight, score_fuse
from boligassistent.retrieval.retriever import HybridRetriever
from boligassistent.retrieval.store import Candidate


def chunk(name: str, text: str = "") -> Chunk:
    return Chunk(chunk_id=name, doc_id=f"doc/{name}", section_id="s", ordinal=0, text=text or f"tekst {name}", header="",
                 label=name, title="T", kind="veiledning", heading_path=[])


@dataclass
class ScoredArm:
    name: str
    ranking: list[tuple[Chunk, float]]

    def search(self, query: ArmQuery) -> list[Candidate]:
        return [Candidate(c, s) for c, s in self.ranking[: query.n]]


def test_score_fusion_sums_min_max_normalized_scores():
    fused = score_fuse([([("a", 12.0), ("b", 8.0), ("c", 2.0)], 2.0), ([("c", 0.91), ("d", 0.90), ("a", 0.81)], 1.0)])
    assert fused == pytest.approx({"a": 2.0, "b": 1.2, "c": 1.0, "d": 0.9})
    assert score_fuse([([("x", 0.5), ("y", 0.5)], 5.0)]) == {"x": 5.0, "y": 5.0}  # all alike: each gets the weight
    a, b, c = chunk("a"), chunk("b"), chunk("c")
    arms = [ScoredArm("bm25", [(a, 10.0), (b, 9.9), (c, 1.0)]), ScoredArm("dense", [(c, 0.9), (b, 0.89), (a, 0.5)])]
    # RRF sees only ranks (a and c tie, b second everywhere); score fusion sees that b is nearly best in both arms
    rrf = HybridRetriever(arms, FusionConfig(method="rrf", weights={"bm25": 1.0, "dense": 1.0})).search("q", k=3).hits
    score = HybridRetriever(arms, FusionConfig(method="score", weights={"bm25": 1.0, "dense": 1.0})).search("q", k=3).hits
    assert [h.chunk for h in rrf][0] != b and [h.chunk for h in score] == [b, a, c]
    assert score[0].score == pytest.approx(9.9 / 9.0 - 1 / 9.0 + 0.39 / 0.4)
    with pytest.raises(ValueError, match="rrf, score"):
        FusionConfig(method="linear")


@pytest.mark.parametrize("method", ["rrf", "score"])
@pytest.mark.parametrize("rrf_k", [10, 60])
def test_the_legal_arm_weight_keeps_its_first_sections_above_anything_else(method, rrf_k):
    base = FusionConfig(method=method, rrf_k=rrf_k, weights={"bm25": 3.0, "dense": 1.0, "references": 1.0, "legal": 0.0})
    weight = dominant_weight(base, "legal")
    config = FusionConfig(method=method, rrf_k=rrf_k, weights={**base.weights, "legal": weight})
    agreed = chunk("agreed")  # rank 1 in every other arm
    sections = [chunk(f"§{i}") for i in range(16)]
    fillers = [chunk(f"f{i}") for i in range(5)]
    arms = [ScoredArm("bm25", [(agreed, 20.0)] + [(f, 1.0) for f in fillers]),
            ScoredArm("dense", [(agreed, 0.9)] + [(f, 0.5) for f in fillers]),
            ScoredArm("references", [(agreed, 3.0), (fillers[0], 1.0)]),
            ScoredArm("legal", [(s, 1.0) for s in sections])]
    hits = HybridRetriever(arms, config).search("q", k=20).hits
    assert [h.chunk for h in hits[:16]] == sections and hits[16].chunk == agreed
    assert dominant_weight(FusionConfig(), "legal") == FusionConfig().weight("legal")  # the shipped default holds
    assert dominant_weight(FusionConfig(method="rrf", weights={"bm25": 2.0, "dense": 1.0, "references": 1.0}), "legal") == 5.0


def _question(i: int, dataset: str) -> Question:
    return Question(id=f"{dataset}-{i}", question=f"spørsmål {i}", answerable=True,
                    sources=[GoldSource(f"doc/g{dataset}{i}", f"gull svar {dataset} {i}")], answer_facts=[], dataset=dataset)


def _items(gold_rank_in_bm25: int) -> list[Recorded]:
    """Each question: BM25 finds its gold chunk at `gold_rank_in_bm25` (scores 3, 2, 1, …); dense never does."""
    items = []
    for dataset in ("x", "y"):
        for i in range(20):
            q = _question(i, dataset)
            gold = chunk(f"g{dataset}{i}", f"gull svar {dataset} {i}")
            others = [chunk(f"b{dataset}{i}-{j}") for j in range(gold_rank_in_bm25 - 1)]
            lexical = others + [gold]
            dense = [chunk(f"d{dataset}{i}-{j}") for j in range(3)]
            items.append(Recorded(question=q, corpus="c1" if dataset == "x" else "c2", live_arms=[],
                                  frozen={"bm25": [Candidate(c, float(len(lexical) - r)) for r, c in enumerate(lexical)],
                                          "dense": [Candidate(c, 0.9 - 0.01 * r) for r, c in enumerate(dense)]}))
    return items


SMALL = SearchSpace(rrf_k=(10, 60), bm25_weight=(1.0, 3.0), references_weight=(0.0,), candidates=(20,))


def test_cross_validation_finds_the_weight_the_data_needs():
    # gold at BM25 rank 3, behind dense's top two: equal-weight RRF ranks it 5th, BM25 weight 3 ranks it 3rd, and
    # score fusion normalizes BM25's last candidate to 0 (rank 6)
    result = cross_validate(_items(3), SMALL.configs(FusionConfig()), FusionConfig(), folds=4, seeds=2)
    assert result.chosen.method == "rrf" and result.chosen.weights["bm25"] == 3.0 and result.chosen.rrf_k == 60
    assert result.chosen.weights["legal"] == dominant_weight(result.chosen, "legal")
    for corpus in ("c1", "c2"):
        assert result.nested[corpus]["recall@5"]["mean"] == 1.0
        assert result.nested[corpus]["mrr@10"]["mean"] == pytest.approx(1 / 3)
        assert result.arms["dense"][corpus]["recall@5"]["mean"] == 0.0
    assert len(result.folds) == 8 and all(row["n"] == 10 for row in result.folds)


def test_ties_go_to_the_simplest_configuration():
    result = cross_validate(_items(1), SMALL.configs(FusionConfig()), FusionConfig(), folds=4, seeds=1)
    assert result.tied == len(result.configs)  # gold at rank 1 whatever the fusion
    assert (result.chosen.method, result.chosen.weights["bm25"]) == ("score", 1.0)  # no k, equal weights
    assert complexity(result.chosen) == min(complexity(c) for c in result.configs)
    assert result.chosen.sentence_weight == 0.0  # the sentence reorder is one more knob: off when tied
    assert {c.sentence_weight for c in result.configs} == set(SearchSpace().sentence_weight)


def test_folds_are_stratified_by_dataset_and_fixed_by_the_seed():
    items = _items(1)[:30]  # 20 of x, 10 of y
    folds = stratified_folds(items, 5, seed=1)
    assert folds == stratified_folds(items, 5, seed=1) and folds != stratified_folds(items, 5, seed=2)
    for dataset, per_fold in (("x", 4), ("y", 2)):
        members = [f for f, item in zip(folds, items, strict=True) if item.question.dataset == dataset]
        assert sorted(members.count(f) for f in range(5)) == [per_fold] * 5
