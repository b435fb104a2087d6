"""Index build progress a person or a log can follow.

On a terminal: rich progress bars. Otherwise (CI, nohup, a container log): one plain line every
`interval_s` seconds with files, chunks embedded, chunks/s and the time left, plus a line when embedding
starts and when the build ends, so a long first build never looks hung.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from boligassistent.indexing.builder import BuildCallbacks


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class PlainBuildProgress:
    """Periodic plain lines; `clock` and `write` are injectable for tests."""

    def __init__(self, write: Callable[[str], None], interval_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._write, self._interval, self._clock = write, interval_s, clock
        self.files_total = self.files_done = self.to_embed = self.embedded = self.cached = 0
        self._started = self._embed_started = self._last = clock()

    def _line(self, prefix: str = "indexing", eta: bool = True) -> str:
        parts = [f"files {self.files_done}/{self.files_total or '?'}"]
        if self.to_embed:
            elapsed = self._clock() - self._embed_started
            rate = self.embedded / elapsed if elapsed > 0 else 0.0
            parts.append(f"chunks embedded {self.embedded}/{self.to_embed} ({self.cached} from cache)")
            parts.append(f"{rate:.1f} chunks/s")
            if eta and rate > 0:
                parts.append(f"ETA {_duration((self.to_embed - self.embedded) / rate)}")
        return f"{prefix}: " + ", ".join(parts) + f" [{_duration(self._clock() - self._started)} elapsed]"

    def _tick(self) -> None:
        now = self._clock()
        if now - self._last >= self._interval:
            self._last = now
            self._write(self._line())

    def on_files(self, total: int) -> None:
        self.files_total = total
        self._write(f"indexing: {total} files found")

    def on_file(self, doc_id: str, status: str) -> None:
        self.files_done += 1
        if status.startswith("skipped"):
            self._write(f"skipped {doc_id}: {status.removeprefix('skipped: ')}")
        self._tick()

    def on_embed_plan(self, to_embed: int, cached: int) -> None:
        self.to_embed, self.cached = to_embed, cached
        self._embed_started = self._clock()
        self._write(f"indexing: {to_embed} chunks to embed, {cached} vectors from the cache")

    def on_embed_progress(self, n: int) -> None:
        self.embedded += n
        self._tick()

    def finish(self) -> None:
        self._write(self._line("indexing done", eta=False))

    def callbacks(self) -> BuildCallbacks:
        return BuildCallbacks(on_files=self.on_files, on_file=self.on_file, on_embed_plan=self.on_embed_plan,
                              on_embed_progress=self.on_embed_progress)


class RichBuildProgress:
    """Progress bars for files and embedding on a terminal."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False)
        self._files = self._progress.add_task("Files", total=None)
        self._embed = self._progress.add_task("Embedding", total=None, visible=False)

    def on_file(self, doc_id: str, status: str) -> None:
        self._progress.update(self._files, advance=1, description=f"Files [dim]{escape(doc_id[-48:])}[/dim]")
        if status.startswith("skipped"):
            self._progress.console.print(f"[yellow]skipped[/yellow] {escape(doc_id)}: "
                                         f"{escape(status.removeprefix('skipped: '))}")

    def callbacks(self) -> BuildCallbacks:
        return BuildCallbacks(
            on_files=lambda total: self._progress.update(self._files, total=total),
            on_file=self.on_file,
            on_embed_plan=lambda to_embed, cached: self._progress.update(self._embed, total=to_embed,
                                                                         visible=to_embed > 0),
            on_embed_progress=lambda n: self._progress.update(self._embed, advance=n),
        )

    def start(self) -> None:
        self._progress.start()

    def finish(self) -> None:
        self._progress.update(self._files, description="Files")

    def stop(self) -> None:
        self._progress.stop()


class BuildProgress:
    """Rich bars when `console` is a terminal, periodic plain lines otherwise."""

    def __init__(self, console: Console, interval_s: float = 10.0) -> None:
        self._rich = RichBuildProgress(console) if console.is_terminal else None
        self._plain = None if self._rich else PlainBuildProgress(lambda line: console.print(line, markup=False, highlight=False,
                                                                                           soft_wrap=True),
                                                                 interval_s)

    def __enter__(self) -> BuildCallbacks:
        if self._rich:
            self._rich.start()
            return self._rich.callbacks()
        assert self._plain is not None
        return self._plain.callbacks()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        reporter = self._rich or self._plain
        if exc_type is None and reporter is not None:
            reporter.finish()
        if self._rich:
            self._rich.stop()
