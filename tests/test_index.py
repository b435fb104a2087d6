"""Index build, incremental re-index, atomic swap and compatibility checks over the fixture corpus."""

import json

import numpy as np
import pytest

from boligassistent.indexing.generation import IndexMismatch, IndexNotFound
from boligassistent.retrieval.stores import embedded as store_module
from boligassistent.retrieval.stores.embedded import (
    EmbeddedTarget,
    current_generation,
    load_index,
)
from tests.conftest import make_settings
from tests.fakes import FakeEmbedder
from tests.fixtures.make_corpus import make_corpus


@pytest.fixture()
def own_index(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    settings = make_settings(tmp_path, corpus, cache_dir=tmp_path / "cache")
    return settings


def _build(settings, target=None, **kw):
    from boligassistent.indexing.builder import build_index
    from boligassistent.indexing.embedder import EmbeddingCache
    from boligassistent.runtime import chunker_config

    return build_index(settings.corpus_dir, target or EmbeddedTarget(settings.index_dir), FakeEmbedder(),
                       chunker_config(settings), cache=EmbeddingCache(settings.cache_dir / "emb.sqlite3"), **kw)


def test_build_summary_counts_and_skips(fixture_settings):
    index = load_index(fixture_settings.index_dir)
    manifest = index.manifest
    assert manifest["counts"]["documents"] == 5
    assert manifest["counts"]["documents_per_kind"] == {"annet": 1, "lov": 2, "rapport": 1, "veiledning": 1}
    assert set(manifest["skipped"]) == {"rapporter/odelagt.pdf", "rapporter/kryptert.pdf"}
    assert manifest["embedding"]["model_id"].startswith("onnx-e5-small-q4")  # the fixture index is embedded by the real model
    assert len(index.chunks) == index.postings.size == index.faiss_index.ntotal
    assert all(c.doc_id in index.documents_by_id for c in index.chunks)
    assert not hasattr(index, "vectors")  # one copy of the vectors in memory: FAISS's


def test_an_index_of_the_previous_format_asks_for_a_rebuild(own_index):
    settings = own_index
    _build(settings)
    manifest_path = current_generation(settings.index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "format": 1}))
    with pytest.raises(IndexMismatch, match="has format 1, this version reads 2.*boligassistent index --rebuild"):
        load_index(settings.index_dir)
    report = _build(settings)  # a build re-chunks every file (embeddings come from the cache)
    assert report.changed and report.embedded_chunks == 0 and len(report.parsed_files) == 5
    assert load_index(settings.index_dir).manifest["format"] == 2


def test_incremental_reindex_only_embeds_changed_file(own_index):
    settings = own_index
    first = _build(settings)
    assert first.changed and first.embedded_chunks == first.n_chunks
    law = settings.corpus_dir / "lover" / "lov-2099-01-01-1.md"
    law.write_text(law.read_text(encoding="utf-8").replace("seks månader", "seks månader eller meir"), encoding="utf-8")
    second = _build(settings)
    assert second.parsed_files == ["lover/lov-2099-01-01-1.md"]
    assert second.embedded_chunks == 1  # only the chunk of § 3 changed text
    assert len(second.reused_files) == 4
    # remove a file: its chunks disappear, nothing is embedded
    (settings.corpus_dir / "notater.txt").unlink()
    third = _build(settings)
    assert third.removed_files == ["notater.txt"] and third.embedded_chunks == 0
    index = load_index(settings.index_dir)
    assert not any(c.doc_id == "notater.txt" for c in index.chunks)
    assert any("eller meir" in c.text for c in index.chunks)
    # carried-over and re-parsed chunks keep their postings: the same BM25 statistics as a fresh build
    fresh = settings.model_copy(update={"index_dir": settings.index_dir.parent / "fresh"})
    _build(fresh)
    rebuilt = load_index(fresh.index_dir)
    assert [c.chunk_id for c in rebuilt.chunks] == [c.chunk_id for c in index.chunks]
    assert rebuilt.postings.terms == index.postings.terms
    for query in (["student", "bostøtt"], ["seks", "månad", "meir"]):
        assert np.array_equal(rebuilt.bm25.get_scores(query), index.bm25.get_scores(query))


def test_no_change_rebuild_is_a_no_op(own_index):
    settings = own_index
    _build(settings)
    generation = current_generation(settings.index_dir)
    again = _build(settings)
    assert not again.changed and again.embedded_chunks == 0 and again.parsed_files == []
    assert current_generation(settings.index_dir) == generation


def test_crash_mid_build_leaves_old_index_intact(own_index, monkeypatch):
    settings = own_index
    _build(settings)
    before = load_index(settings.index_dir)
    (settings.corpus_dir / "ny.txt").write_text("Helt ny tekst om startlån.", encoding="utf-8")

    def boom(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(store_module, "write_generation", boom)
    with pytest.raises(OSError):
        _build(settings)
    after = load_index(settings.index_dir)
    assert after.path == before.path and len(after.chunks) == len(before.chunks)
    monkeypatch.undo()
    report = _build(settings)  # next build succeeds and cleans up
    assert "ny.txt" in report.parsed_files
    assert not list(settings.index_dir.glob(".building-*"))


def test_loading_with_another_model_is_a_clear_error(own_index):
    settings = own_index
    _build(settings)
    with pytest.raises(IndexMismatch, match="boligassistent index --rebuild"):
        load_index(settings.index_dir, expected_model_id="st:other-model#123")
    with pytest.raises(IndexNotFound, match="boligassistent index"):
        load_index(settings.index_dir.parent / "nowhere")


def test_config_change_rechunks_but_reuses_cached_vectors(own_index):
    settings = own_index
    long_text = " ".join(f"Avsnitt {i} handler om oppfølging i bolig og samarbeid mellom tjenestene." for i in range(20))
    (settings.corpus_dir / "lang-veileder.txt").write_text(long_text, encoding="utf-8")
    _build(settings)
    before = {c.indexed_text for c in load_index(settings.index_dir).chunks}
    changed = settings.model_copy(update={"chunk_max_chars": 300, "chunk_overlap_chars": 50})
    report = _build(changed)
    assert len(report.parsed_files) == 6  # everything re-chunked because the chunker config changed
    manifest = json.loads((current_generation(settings.index_dir) / "manifest.json").read_text())
    assert manifest["config"]["chunker"]["max_chars"] == 300
    after = [c.indexed_text for c in load_index(settings.index_dir).chunks]
    unchanged = [text for text in after if text in before]
    assert unchanged and len(unchanged) < len(after)  # short sections keep their chunk, the long text is split anew
    # chunks whose text is unchanged reuse their cached vectors; only the changed ones are embedded
    assert report.embedded_chunks == len(set(after) - before)
    assert report.reused_vectors == len(after) - report.embedded_chunks


def test_a_new_chunker_version_rechunks_every_file(own_index, monkeypatch):
    from boligassistent.indexing import builder

    settings = own_index
    _build(settings)
    assert _build(settings).parsed_files == []  # nothing changed: nothing parsed
    monkeypatch.setattr(builder, "CHUNKER_VERSION", builder.CHUNKER_VERSION + 1)  # the splitter's rules changed
    report = _build(settings)
    assert len(report.parsed_files) == 5 and report.embedded_chunks == 0  # re-chunked; same texts, cached vectors
    manifest = json.loads((current_generation(settings.index_dir) / "manifest.json").read_text())
    assert manifest["config"]["chunker_version"] == builder.CHUNKER_VERSION


def test_hybrid_search_carries_arm_ranks_and_filters(fixture_runtime):
    from boligassistent.retrieval.retriever import SearchFilters

    result = fixture_runtime.retriever.search("Kan en student få bostøtte?", k=5)
    top = result.hits[0]
    assert top.chunk.label == "testlova § 2"
    assert set(top.arms) >= {"bm25", "dense"} and top.arm_score("dense") > 0.5
    assert set(result.timings_ms) >= {"bm25", "dense", "embed", "references", "fuse", "total"}
    only_guidance = fixture_runtime.retriever.search("taushetsplikt samtykke", k=5, filters=SearchFilters(kinds=("veiledning",)))
    assert only_guidance.hits and all(h.chunk.kind == "veiledning" for h in only_guidance.hits)
    bm25_only = fixture_runtime.retriever.search("husleierestanse", k=3, mode="bm25")
    assert bm25_only.hits[0].chunk.doc_id == "notater.txt" and set(bm25_only.hits[0].arms) == {"bm25"}
    with pytest.raises(ValueError, match="unknown search mode"):
        fixture_runtime.retriever.search("husleie", mode="nosuch")


def test_faiss_hnsw_parameters_come_from_the_config(own_index):
    import faiss

    from boligassistent.retrieval.stores.embedded import FaissConfig

    settings = own_index
    config = FaissConfig(hnsw_above=1, hnsw_m=8, hnsw_ef_construction=20, hnsw_ef_search=64)
    _build(settings, target=EmbeddedTarget(settings.index_dir, faiss=config))
    index = load_index(settings.index_dir, faiss_config=FaissConfig(hnsw_ef_search=77))
    hnsw = faiss.downcast_index(index.faiss_index)
    assert isinstance(hnsw, faiss.IndexHNSWFlat) and hnsw.hnsw.efConstruction == 20 and hnsw.hnsw.efSearch == 77
    assert hnsw.hnsw.nb_neighbors(1) == 8  # M neighbours per node above the base layer


def test_llamaindex_retriever_returns_nodes_with_scores(fixture_runtime):
    from llama_index.core.schema import QueryBundle

    from boligassistent.retrieval.llama import (
        HybridLlamaRetriever,
        configure_llama_offline,
    )

    configure_llama_offline(fixture_runtime.embedder)
    nodes = HybridLlamaRetriever(fixture_runtime.retriever, top_k=3).retrieve(QueryBundle("student bostøtte"))
    assert len(nodes) == 3
    assert nodes[0].node.metadata["citation"].startswith("testlova § 2")
    assert nodes[0].score >= nodes[1].score
