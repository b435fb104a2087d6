"""Index build progress without a terminal: periodic plain lines a log can follow."""

from __future__ import annotations

from typer.testing import CliRunner

from boligassistent.progress import PlainBuildProgress


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_progress_prints_a_line_per_interval_with_rate_and_eta():
    clock, lines = FakeClock(), []
    progress = PlainBuildProgress(lines.append, interval_s=10.0, clock=clock)
    cb = progress.callbacks()
    cb.on_files(3)
    for doc in ("a.pdf", "b.html"):
        cb.on_file(doc, "parsed (10 chunks)")
    cb.on_file("c.pdf", "skipped: corrupt PDF")
    cb.on_embed_plan(100, 20)
    for _ in range(4):  # 4 batches of 10, 5 s apart: one line after 10 s, one after 20 s
        clock.now += 5.0
        cb.on_embed_progress(10)
    progress.finish()
    assert lines[0] == "indexing: 3 files found"
    assert "skipped c.pdf: corrupt PDF" in lines
    assert lines[2] == "indexing: 100 chunks to embed, 20 vectors from the cache"
    periodic = [line for line in lines if "chunks/s" in line and line.startswith("indexing: files")]
    assert len(periodic) == 2
    assert "chunks embedded 20/100 (20 from cache), 2.0 chunks/s, ETA 40s" in periodic[0]
    assert "chunks embedded 40/100" in periodic[1] and "ETA 30s" in periodic[1]
    assert lines[-1].startswith("indexing done: files 3/3, chunks embedded 40/100")


def test_index_command_without_a_terminal_prints_plain_progress(tmp_path, fixture_corpus, fake_embedder, monkeypatch):
    """`boligassistent index` in a log (no TTY) says what it does instead of staying silent."""
    from boligassistent import cli, runtime

    monkeypatch.setattr(runtime, "get_embedder", lambda settings: fake_embedder)
    monkeypatch.setenv("BOLIG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BOLIG_STATE_DB", str(tmp_path / "state.sqlite3"))
    result = CliRunner().invoke(cli.app, ["index", "--corpus", str(fixture_corpus), "--index", str(tmp_path / "idx")])
    assert result.exit_code == 0, result.output
    assert "indexing: 7 files found" in result.output
    assert "chunks to embed" in result.output and "indexing done: files" in result.output
