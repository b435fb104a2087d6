"""The calibrated abstention model: the shipped weights load, features move the decision the expected way, and
training is deterministic; leave-one-document-out retrieval leaves the gold documents out."""

from __future__ import annotations

import json

import pytest

from boligassistent.answering.abstention import MODEL, AbstentionConfig, AbstentionGates, CalibratedPolicy
from boligassistent.answering.abstention_model import (
    DEFAULT_MODEL_PATH,
    FEATURES,
    TRAINED_FEATURES,
    FeatureInput,
    LogisticModel,
    ModelFileError,
    feature_vector,
)
from boligassistent.answering.evidence import Evidence
from boligassistent.retrieval.store import SearchFilters

pytestmark = pytest.mark.unit


def evidence(**values) -> Evidence:
    base = {"coverage": 0.8, "top_dense": 0.9, "missing_entities": [], "sentence_coverage": 0.6, "bm25_norm": 0.8,
            "arm_agreement": 0.4, "top_bm25_rank": 1, "top_dense_rank": 1, "uncovered_idf": 2.0,
            "query_idf": 20.0, "topdoc_coverage": 0.9, "names_in_topdoc": 1.0, "dense_margin": 0.03,
            "best_unit_similarity": 0.92}
    return Evidence(**(base | values))


def test_the_shipped_model_loads_with_known_features_and_its_training_record():
    model = LogisticModel.load()
    assert model.features and set(model.features) <= set(FEATURES) and 0.0 < model.threshold <= 1.0
    assert model.trained and model.trained["cross_validated"]  # how it was trained, for the reader


def test_weaker_evidence_raises_the_probability_of_declining():
    model = LogisticModel.load()
    policy = CalibratedPolicy(model, AbstentionGates(None, dense_baseline=0.9))
    strong, weak = evidence(), evidence(top_dense=0.80, coverage=0.2, sentence_coverage=0.1, bm25_norm=0.2,
                                        topdoc_coverage=0.2, best_unit_similarity=0.8, dense_margin=0.0)
    assert policy.probability("Kan en student få bostøtte?", weak) > policy.probability("Kan en student få bostøtte?", strong)
    assert not policy.decide("Kan en student få bostøtte?", strong).abstain
    declined = policy.decide("Kan en student få bostøtte?", weak)
    assert declined.abstain and declined.reason == MODEL and declined.probability is not None
    missing = evidence(missing_entities=["Tromsø"], names_in_topdoc=0.0)
    assert policy.probability("Får en student i Tromsø bostøtte?", missing) > policy.probability("Får en student bostøtte?",
                                                                                             strong)


def test_the_top_document_features_read_the_evidence():
    data = FeatureInput(evidence=evidence(topdoc_coverage=0.4, query_idf=18.5, names_in_topdoc=0.5, dense_margin=0.02),
                        asks_value=True, names_corpus_law=False)
    names = ["topdoc_coverage", "query_idf", "names_in_topdoc", "dense_margin"]
    assert feature_vector(names, data) == [0.4, 18.5, 0.5, 0.02]
    assert set(TRAINED_FEATURES) <= set(FEATURES)
    assert LogisticModel.load().features == list(TRAINED_FEATURES)  # retraining by default reproduces the shipped set


def test_a_model_on_the_top_document_features_declines_when_the_top_document_covers_less():
    pytest.importorskip("sklearn")
    from boligassistent.evals.abstention_training import ASKED, LODO, Sample, TrainingConfig, train

    names = ("topdoc_coverage", "names_in_topdoc", "dense_margin")
    samples = []
    for i in range(40):  # answerable: the top document holds most of the question; its twin without it: less
        cover, names_found, margin = 0.7 + 0.3 * (i % 4) / 4, float(i % 3 != 0), 0.02 + 0.01 * (i % 5)
        samples.append(Sample(f"q{i}", "a" if i % 2 else "b", ASKED, False, None, [cover, names_found, margin]))
        samples.append(Sample(f"q{i}", "a" if i % 2 else "b", LODO, True, None, [cover - 0.4, names_found * 0.5, margin / 2]))
    model, _ = train(samples, TrainingConfig(features=names, folds=4, inner_folds=3), ["synthetic"])
    assert model.features == list(names) and all(c < 0 for c in model.coef)
    policy = CalibratedPolicy(model, AbstentionGates(None, dense_baseline=0.9))
    question = "Får en student i Tromsø bostøtte?"
    covered = evidence(topdoc_coverage=0.9, names_in_topdoc=1.0, dense_margin=0.05)
    assert policy.probability(question, evidence(topdoc_coverage=0.3, names_in_topdoc=0.0, dense_margin=0.01)) > \
        policy.probability(question, covered)
    assert not policy.decide(question, covered).abstain


def test_a_configured_threshold_overrides_the_model_file():
    policy = CalibratedPolicy(LogisticModel.load(), AbstentionGates(None, AbstentionConfig(threshold=1.0), 0.9))
    assert not policy.decide("Kan en student få bostøtte?", evidence(top_dense=0.5, coverage=0.0)).abstain


def test_the_logistic_function_and_standardisation():
    model = LogisticModel(features=["dense_relative", "coverage"], mean=[0.8, 0.5], scale=[0.1, 0.5], coef=[-2.0, 1.0],
                          intercept=0.5, threshold=0.5)
    data = FeatureInput(evidence=evidence(top_dense=0.9, coverage=1.0), asks_value=False, names_corpus_law=False)
    assert feature_vector(model.features, data) == [0.9, 1.0]
    assert model.logit([0.9, 1.0]) == pytest.approx(0.5 - 2.0 * 1.0 + 1.0 * 1.0)
    assert model.probability([0.9, 1.0]) == pytest.approx(1 / (1 + 2.718281828459045 ** 0.5))
    assert not model.declines(data)


def test_a_broken_model_file_is_a_clear_error(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"features": ["no_such_feature"], "mean": [0], "scale": [1], "coef": [1],
                                "intercept": 0, "threshold": 0.5}))
    with pytest.raises(ModelFileError, match="unknown features"):
        LogisticModel.load(path)
    with pytest.raises(ModelFileError, match="cannot read"):
        LogisticModel.load(tmp_path / "missing.json")
    assert DEFAULT_MODEL_PATH.is_file()


def test_excluded_documents_are_left_out_of_every_arm(unit_runtime):
    hits = unit_runtime.retriever.search("bustøtte studentar", k=8).hits
    top_doc = hits[0].chunk.doc_id
    left = unit_runtime.retriever.search("bustøtte studentar", k=8, filters=SearchFilters(exclude_doc_ids=(top_doc,))).hits
    assert left and top_doc not in {h.chunk.doc_id for h in left}


def test_training_is_deterministic_and_groups_a_question_with_its_twin():
    pytest.importorskip("sklearn")
    from boligassistent.evals.abstention_training import ASKED, LODO, Sample, TrainingConfig, _splits, train

    samples = []
    for i in range(40):
        strength = (i % 10) / 10
        samples.append(Sample(f"q{i}", "a" if i % 2 else "b", ASKED, i % 5 == 0, None, [0.9 - 0.2 * (i % 5 == 0), strength]))
        if i % 5:
            samples.append(Sample(f"q{i}", "a" if i % 2 else "b", LODO, True, None, [0.7, strength]))
    config = TrainingConfig(features=("dense_relative", "coverage"), folds=4, inner_folds=3)
    for train_idx, test_idx in _splits(samples, config.folds, config.seed):
        assert not {samples[i].group for i in train_idx} & {samples[i].group for i in test_idx}
    first, report = train(samples, config, ["synthetic"])
    second, _ = train(samples, config, ["synthetic"])
    assert first == second and first.coef[0] < 0  # a higher dense similarity: less reason to decline
    assert len(report["folds"]) == 4 and "all/as-asked" in report["summary"]
