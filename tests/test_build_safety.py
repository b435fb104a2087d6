"""Unit tier: embedded index builds are safe against each other, against crashes and against damaged files
(issue 15, "Embedded index builds").

Builders run as real processes where it matters (two at once; one killed mid-build), over the fixture corpus
with the FakeEmbedder."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from boligassistent.indexing.builder import build_index
from boligassistent.indexing.chunker import ChunkerConfig
from boligassistent.indexing.embedder import EmbeddingCache
from boligassistent.indexing.generation import IndexBuildLocked, IndexCorrupt
from boligassistent.retrieval.stores import embedded as store_module
from boligassistent.retrieval.stores.embedded import (
    EmbeddedTarget,
    build_lock,
    current_generation,
    load_index,
    previous_generation,
    serving_generation,
)
from tests.conftest import REPO_ROOT, make_settings
from tests.fakes import FakeEmbedder
from tests.fixtures.make_corpus import make_corpus

pytestmark = pytest.mark.unit

# A builder process: builds CORPUS into INDEX with the FakeEmbedder. Once its generation is written (and before
# it is renamed and switched), it touches MARKER and waits up to HOLD_S for MARKER.release, so a test can act
# while it is mid-build.
BUILDER = textwrap.dedent("""
    import logging, sys, time
    from pathlib import Path
    from boligassistent.indexing.builder import build_index
    from boligassistent.indexing.chunker import ChunkerConfig
    from boligassistent.indexing.embedder import EmbeddingCache
    from boligassistent.retrieval.stores import embedded as store
    from tests.fakes import FakeEmbedder

    corpus, index, cache, marker, hold_s = sys.argv[1:6]
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(message)s")
    real_write = store.write_generation

    def write_then_hold(target, *args, **kwargs):
        real_write(target, *args, **kwargs)
        Path(marker).write_text(target.name)
        deadline = time.monotonic() + float(hold_s)
        while time.monotonic() < deadline and not Path(marker + ".release").exists():
            time.sleep(0.05)

    store.write_generation = write_then_hold
    report = build_index(Path(corpus), store.EmbeddedTarget(Path(index)), FakeEmbedder(), ChunkerConfig(),
                         cache=EmbeddingCache(Path(cache)))
    print(report.generation, ",".join(report.parsed_files))
""")


def _start_builder(corpus: Path, index: Path, tmp: Path, name: str, hold_s: float) -> tuple[subprocess.Popen, Path]:
    marker = tmp / f"{name}.written"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, "-c", BUILDER, str(corpus), str(index), str(tmp / f"{name}-cache.sqlite3"),
                                str(marker), str(hold_s)], cwd=REPO_ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return process, marker


def _wait_for(marker: Path, process: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not marker.exists():
        if process.poll() is not None:
            pytest.fail(f"builder exited early: {process.communicate()}")
        assert time.monotonic() < deadline, "builder never reached its write"
        time.sleep(0.05)


def _build(corpus: Path, index: Path, tmp: Path, **target):
    return build_index(corpus, EmbeddedTarget(index, **target), FakeEmbedder(), ChunkerConfig(),
                       cache=EmbeddingCache(tmp / "cache.sqlite3"))


@pytest.fixture()
def corpus(tmp_path) -> Path:
    return make_corpus(tmp_path / "corpus", with_bad_files=False)


def test_two_builders_in_two_processes_take_turns(corpus, tmp_path):
    index = tmp_path / "index"
    bigger = tmp_path / "corpus-2"
    shutil.copytree(corpus, bigger)
    (bigger / "startlan.txt").write_text("Startlån\n\nStartlån gis til personer som ikke får lån i banken.\n",
                                         encoding="utf-8")
    first, first_written = _start_builder(corpus, index, tmp_path, "first", hold_s=60)
    _wait_for(first_written, first)  # the first builder is mid-build, its generation written but not yet switched
    second, _ = _start_builder(bigger, index, tmp_path, "second", hold_s=0)
    second_log: list[str] = []
    reader = threading.Thread(target=lambda: second_log.extend(second.stderr), daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while not any("waiting for it" in line for line in second_log) and second.poll() is None:
        assert time.monotonic() < deadline, "the second builder never waited for the first one"
        time.sleep(0.05)
    Path(f"{first_written}.release").touch()  # now let the first builder finish
    out_first, err_first = first.communicate(timeout=120)
    second.wait(timeout=120)
    reader.join(timeout=10)
    out_second, err_second = second.stdout.read(), "".join(second_log)

    assert first.returncode == 0, err_first
    assert second.returncode == 0, err_second  # its work was not deleted under it
    assert "another build of this index is running; waiting for it" in err_second
    first_generation, _ = out_first.split()
    second_generation, parsed = out_second.split()
    assert parsed == "startlan.txt"  # the second build continued from the first one's generation
    assert current_generation(index).name == second_generation
    assert previous_generation(index).name == first_generation
    assert not list(index.glob(".building-*")) and not list(index.glob(".*.tmp-*"))
    loaded = load_index(index)
    assert any(c.doc_id == "startlan.txt" for c in loaded.chunks)
    assert len(loaded.chunks) == loaded.faiss_index.ntotal == loaded.manifest["counts"]["chunks"]


def test_a_second_builder_gives_up_with_a_clear_message(corpus, tmp_path):
    index = tmp_path / "index"
    with build_lock(index, timeout_s=1):  # another builder holds the index
        started = time.monotonic()
        with pytest.raises(IndexBuildLocked, match=rf"Another build of the index in {index} is still running "
                                                   rf"\(process {os.getpid()}, .*waited 0.3 s"):
            _build(corpus, index, tmp_path, lock_timeout_s=0.3)
        assert time.monotonic() - started < 5
    assert _build(corpus, index, tmp_path).changed  # the lock is free again


def test_a_builder_killed_mid_build_leaves_the_index_loadable(corpus, tmp_path):
    index = tmp_path / "index"
    _build(corpus, index, tmp_path)
    before = load_index(index)
    (corpus / "ny.txt").write_text("Helt ny tekst om startlån.", encoding="utf-8")
    process, written = _start_builder(corpus, index, tmp_path, "killed", hold_s=30)
    _wait_for(written, process)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)

    after = load_index(index)
    assert after.path == before.path and len(after.chunks) == len(before.chunks)
    assert list(index.glob(".building-*"))  # what the dead builder left behind
    report = _build(corpus, index, tmp_path, lock_timeout_s=5)  # the kernel released its lock
    assert report.parsed_files == ["ny.txt"]
    assert not list(index.glob(".building-*"))
    assert previous_generation(index) == before.path


def test_a_failed_build_removes_its_own_folder_at_once(corpus, tmp_path, monkeypatch):
    index = tmp_path / "index"
    _build(corpus, index, tmp_path)
    (corpus / "ny.txt").write_text("Helt ny tekst om startlån.", encoding="utf-8")
    real_write = store_module.write_generation

    def write_then_fail(target, *args, **kwargs):
        real_write(target, *args, **kwargs)
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(store_module, "write_generation", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        _build(corpus, index, tmp_path)
    assert not list(index.glob(".building-*"))
    assert load_index(index).manifest["counts"]["documents"] == 5


def test_files_and_folders_are_fsynced_before_the_switch(corpus, tmp_path, monkeypatch):
    index = tmp_path / "index"
    events: list[tuple[str, str]] = []
    real_fsync, real_rename, real_replace = os.fsync, os.rename, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def rename(src, dst, *args, **kwargs):
        events.append(("rename", str(dst)))
        return real_rename(src, dst, *args, **kwargs)

    def replace(src, dst, *args, **kwargs):
        events.append(("replace", str(dst)))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", rename)
    monkeypatch.setattr(os, "replace", replace)
    report = _build(corpus, index, tmp_path)
    monkeypatch.undo()

    generation = index / report.generation
    moved = events.index(("rename", str(generation)))
    switched = events.index(("replace", str(index / "current")))
    synced_before = {Path(path).name for kind, path in events[:moved] if kind == "fsync"}
    assert {p.name for p in generation.iterdir()} <= synced_before  # every file of the generation
    assert any(Path(path).name.startswith(".building-") for kind, path in events[:moved] if kind == "fsync")  # its folder
    assert ("fsync", str(index.resolve())) in events[moved:switched]  # the rename is durable before the switch
    assert ("fsync", str(index.resolve())) in events[switched:]  # and the switch itself


def _two_generations(corpus: Path, index: Path, tmp: Path) -> tuple[Path, Path]:
    _build(corpus, index, tmp)
    first = current_generation(index)
    (corpus / "ny.txt").write_text("Helt ny tekst om startlån.", encoding="utf-8")
    _build(corpus, index, tmp)
    return first, current_generation(index)


@pytest.mark.parametrize("damage", ["truncate chunks", "truncate faiss", "garble postings", "drop documents"])
def test_a_damaged_current_generation_falls_back_to_the_previous_one(corpus, tmp_path, caplog, damage):
    index = tmp_path / "index"
    first, second = _two_generations(corpus, index, tmp_path)
    if damage == "truncate chunks":
        data = (second / "chunks.jsonl").read_bytes()
        (second / "chunks.jsonl").write_bytes(data[: len(data) // 2])
    elif damage == "truncate faiss":
        data = (second / "faiss.index").read_bytes()
        (second / "faiss.index").write_bytes(data[:100])
    elif damage == "garble postings":  # same size, so only parsing finds it
        data = bytearray((second / "bm25_postings.npz").read_bytes())
        data[:64] = b"\0" * 64
        (second / "bm25_postings.npz").write_bytes(bytes(data))
    else:
        (second / "documents.json").unlink()

    with caplog.at_level(logging.WARNING, logger=store_module.__name__):
        loaded = load_index(index)
    assert loaded.path == first
    assert not any(c.doc_id == "ny.txt" for c in loaded.chunks)
    assert "current index generation failed to load; serving the previous one" in caplog.text
    assert serving_generation(index) == first  # the hot-swap watcher sees what is served: no reload loop

    report = _build(corpus, index, tmp_path)  # the next build does not carry anything over from the damaged one
    assert report.changed and "ny.txt" in report.parsed_files and not report.reused_files
    rebuilt = load_index(index)
    assert rebuilt.path.name == report.generation and any(c.doc_id == "ny.txt" for c in rebuilt.chunks)
    assert previous_generation(index) == first and not second.exists()


def test_a_damaged_only_generation_is_a_clear_error(corpus, tmp_path):
    index = tmp_path / "index"
    _build(corpus, index, tmp_path)
    generation = current_generation(index)
    manifest = json.loads((generation / "manifest.json").read_text())
    (generation / "faiss.index").write_bytes(b"")
    with pytest.raises(IndexCorrupt, match=r"faiss.index is 0 bytes, the manifest records \d+ bytes.*"
                                           r"boligassistent index --rebuild"):
        load_index(index)
    assert manifest["artifacts"]["faiss.index"]["bytes"] > 0


def test_a_chunker_failure_on_one_file_is_a_skip(corpus, tmp_path, monkeypatch):
    from boligassistent.indexing import builder

    real_chunk = builder.chunk_document

    def chunk_document(doc, config):
        if doc.doc_id == "notater.txt":
            raise ValueError("chunker bug (simulated)")
        return real_chunk(doc, config)

    monkeypatch.setattr(builder, "chunk_document", chunk_document)
    report = _build(corpus, tmp_path / "index", tmp_path)
    assert dict(report.skipped)["notater.txt"] == "could not chunk: ValueError: chunker bug (simulated)"
    assert report.n_documents == 4


def test_the_service_keeps_serving_the_previous_generation_without_reloading_the_damaged_one(corpus, tmp_path):
    from boligassistent.runtime import create_service, open_runtime

    settings = make_settings(tmp_path, corpus, index=tmp_path / "index", cache_dir=tmp_path / "cache")
    first, second = _two_generations(corpus, settings.index_dir, tmp_path)
    (second / "faiss.index").write_bytes(b"")
    service = create_service(settings, open_runtime(settings, embedder=FakeEmbedder()))
    assert service.generation == first.name
    assert not service.reload_if_changed()  # the watcher does not load the damaged generation again on every poll
    (corpus / "mer.txt").write_text("Bostøtte og husleie for studenter.", encoding="utf-8")
    report = _build(corpus, settings.index_dir, tmp_path)
    assert service.reload_if_changed() and service.generation == report.generation  # a good new build is picked up


def test_an_index_built_by_older_loaders_parses_every_file_again(corpus, tmp_path):
    """A damaged link that older loaders kept is not carried over by an incremental build."""
    index = tmp_path / "index"
    guidance = corpus / "veiledning" / "taushetsplikt.html"
    guidance.write_text(guidance.read_text(encoding="utf-8").replace("https://example.invalid/taushetsplikt",
                                                                     "javascript:alert(1)"), encoding="utf-8")
    _build(corpus, index, tmp_path)
    manifest_path = current_generation(index) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["config"]["loaders"]  # as the loaders before LOADER_VERSION 2 wrote it
    manifest_path.write_text(json.dumps(manifest))
    report = _build(corpus, index, tmp_path)
    assert report.changed and len(report.parsed_files) == 5 and report.embedded_chunks == 0
    assert all(not (c.url or "").startswith("javascript:") for c in load_index(index).chunks)
