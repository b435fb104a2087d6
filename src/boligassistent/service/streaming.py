"""Blocking iterators (the answering pipeline) consumed from async code, item by item, as they are produced."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar, cast

T = TypeVar("T")
_END = object()


async def iterate_in_thread(produce: Callable[[], Iterator[T]]) -> AsyncIterator[T]:
    """Run `produce()` to its end on the event loop's default executor and yield its items as they arrive.

    The iterator always runs to completion, even when the consumer stops early (a client that disconnects),
    so its side effects (the answer persisted with its conversation turn) happen exactly once. It runs in a
    copy of the caller's context (the request id in the logs)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[object, BaseException | None]] = asyncio.Queue()

    def put(item: object, error: BaseException | None = None) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, (item, error))
        except RuntimeError:  # the event loop is closed (server shutdown): nobody is listening any more
            pass

    def run() -> None:
        try:
            for item in produce():
                put(item)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(_END, exc)
        else:
            put(_END)

    loop.run_in_executor(None, contextvars.copy_context().run, run)
    while True:
        item, error = await queue.get()
        if error is not None:
            raise error
        if item is _END:
            return
        yield cast(T, item)
