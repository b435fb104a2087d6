"""Unit tier: a bounded fuzz pass over the loaders (issue 15, "a fuzz pass over the loaders never aborts a build
and never corrupts the index").

Valid PDF, HTML, XML and Markdown fixture files are mutated (bit flips, truncation, insertions, deletions,
duplicated blocks) with a fixed seed and a fixed budget, and one index is built over the mutants together with
the intact files. The build must finish, every mutant must be either indexed or skipped with a reason, and the
index must be consistent: it loads, its chunk counts agree everywhere, chunk ids are unique, and the intact
documents are still found by their own words."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from boligassistent.indexing.builder import build_index
from boligassistent.indexing.chunker import ChunkerConfig
from boligassistent.indexing.embedder import EmbeddingCache
from boligassistent.retrieval.store import SearchFilters
from boligassistent.retrieval.stores.embedded import EmbeddedTarget, load_index
from boligassistent.text.analyzer import analyze
from tests.fixtures.make_corpus import GUIDANCE_HTML, LAW_MD, LAW_XML, make_pdf

pytestmark = pytest.mark.unit

SEED = 37  # fixed: among its mutants are a repeated § in XML (duplicate ids) and a damaged source URL in HTML
MUTANTS_PER_FORMAT = 40
# Fragments that matter to the parsers: markup, PDF syntax, YAML and Markdown structure, odd bytes.
INSERTS = (b"\x00", b"\xff\xfe", b"\xed\xa0\x80", b"<", b"<![CDATA[", b"<?xml version='1.0' encoding='UTF-8'?>",
           b"endobj", b"obj <<", b"/Length 999999", b"stream\n", b"xref\n0 1\n", b"---\n", b"&a [*a, *a]",
           b"\n#### \xc2\xa7 ", b"\n## Kapittel ", b"<h2>", b"</article>", b"<meta name=\"source\" content=\"javascript:x\">")


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four random edits of `data`."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not out:
            break
        i = rng.randrange(len(out))
        op = rng.choice(("flip", "truncate", "insert", "random", "duplicate", "delete"))
        if op == "flip":
            for _ in range(rng.randint(1, 8)):
                j = rng.randrange(len(out))
                out[j] ^= 1 << rng.randrange(8)
        elif op == "truncate":
            del out[i:]
        elif op == "insert":
            out[i:i] = rng.choice(INSERTS)
        elif op == "random":
            out[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
        elif op == "duplicate":
            j = min(len(out), i + rng.randint(1, 600))
            out[j:j] = out[i:j] * rng.randint(1, 3)
        else:
            del out[i:min(len(out), i + rng.randint(1, 200))]
    return bytes(out)


@pytest.fixture(scope="module")
def fuzz_corpus(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    root = tmp_path_factory.mktemp("fuzz-corpus")
    pdf = root / "intakt" / "rapport.pdf"
    pdf.parent.mkdir()
    make_pdf(pdf)
    originals = {"rapport.pdf": pdf.read_bytes(), "veiledning.html": GUIDANCE_HTML.encode(),
                 "lov.xml": LAW_XML.encode(), "lov.md": LAW_MD.encode()}
    for name, data in originals.items():
        (root / "intakt" / name).write_bytes(data)
    rng = random.Random(SEED)
    mutants: dict[str, bytes] = {}
    for name, data in originals.items():
        stem, suffix = name.split(".")
        for n in range(MUTANTS_PER_FORMAT):
            rel = f"mutert/{stem}-{n:02d}.{suffix}"
            mutants[rel] = mutate(data, rng)
            (root / rel).parent.mkdir(exist_ok=True)
            (root / rel).write_bytes(mutants[rel])
    return root, mutants


def test_mutated_files_never_abort_a_build_nor_corrupt_the_index(fuzz_corpus, fake_embedder, tmp_path):
    corpus, mutants = fuzz_corpus
    index_dir = tmp_path / "index"
    started = time.perf_counter()
    report = build_index(corpus, EmbeddedTarget(index_dir), fake_embedder, ChunkerConfig(),
                         cache=EmbeddingCache(tmp_path / "cache.sqlite3"))
    assert time.perf_counter() - started < 60

    skipped = dict(report.skipped)
    assert all(reason.strip() for reason in skipped.values())
    assert set(mutants) <= set(report.parsed_files) | set(skipped)  # every mutant indexed or skipped with a reason
    intact = {f"intakt/{name}" for name in ("rapport.pdf", "veiledning.html", "lov.xml", "lov.md")}
    assert intact <= set(report.parsed_files)
    assert 0 < len(skipped) < len(mutants)  # the pass exercised both outcomes

    index = load_index(index_dir)
    manifest = index.manifest
    assert len(index.chunks) == index.postings.size == index.faiss_index.ntotal == manifest["counts"]["chunks"]
    assert sum(f["chunks"] for f in manifest["files"].values()) == len(index.chunks)
    assert set(manifest["skipped"]) <= set(skipped)  # the rest were skipped by discovery (e.g. truncated to 0 bytes)
    assert len({c.chunk_id for c in index.chunks}) == len(index.chunks)  # ids stay unique (sources, PostgreSQL keys)
    assert {c.doc_id for c in index.chunks} == set(manifest["files"]) == set(index.documents_by_id)
    for chunk in index.chunks:
        assert chunk.url is None or chunk.url.startswith(("https://", "http://"))

    # the intact documents are found by their own words, among all the mutants that share them
    for doc_id, words in {"intakt/lov.md": "studentar barn husstanden bustøtte",
                          "intakt/lov.xml": "utleieren heve leieavtalen vesentlig misligholder",
                          "intakt/veiledning.html": "politiet kontaktopplysninger forespørsel",
                          "intakt/rapport.pdf": "anbefaler faste rutiner boligkartlegging løslatelse"}.items():
        hits = index.bm25_search(analyze(words), 5, SearchFilters(doc_ids=(doc_id,)))
        assert hits and hits[0].chunk.doc_id == doc_id
        assert any(c.doc_id == doc_id for c in (h.chunk for h in index.bm25_search(analyze(words), 200, SearchFilters())))

    # a second build over the same files is a no-op: the skips are remembered with their reasons
    again = build_index(corpus, EmbeddedTarget(index_dir), fake_embedder, ChunkerConfig(),
                        cache=EmbeddingCache(tmp_path / "cache.sqlite3"))
    assert not again.changed and dict(again.skipped) == skipped
