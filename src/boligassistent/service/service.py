"""Service state: the loaded index (hot-swappable) with its assistant, the stores, keys, limiter and metrics.

The service never opens an index itself: runtime.py injects `load` (open the active generation and build
the assistant over it) and `generation` (the identity of the generation `load` would open now).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from boligassistent.answering.assistant import Assistant
from boligassistent.answering.conversations import StateStore
from boligassistent.answering.models import Answer, AnswerEvent, final_answer
from boligassistent.indexing.generation import GenerationRetired, IndexUnavailable
from boligassistent.retrieval.retriever import HybridRetriever
from boligassistent.retrieval.store import IndexStore, SearchFilters
from boligassistent.service.metrics import Metrics
from boligassistent.service.security import KeyStore, RateLimiter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedIndex:
    """One loaded index generation and the assistant over it; a hot swap replaces it as a whole."""

    assistant: Assistant
    retriever: HybridRetriever
    index: IndexStore
    model_id: str  # the embedder's model id
    backend: str  # "embedded" or "postgres"


class NotReady(Exception):
    """No index is loaded, or the index backend cannot be reached right now."""


class Service:
    """Implements the channels' `AnswerGateway` (answer, record_feedback) for the API and the bots."""

    def __init__(self, state: StateStore, keys: KeyStore, limiter: RateLimiter, load: Callable[[], LoadedIndex],
                 generation: Callable[[], str | None], watch_interval_s: float = 0.0, metrics: Metrics | None = None) -> None:
        self.state = state
        self.keys = keys
        self.limiter = limiter
        self.metrics = metrics or Metrics()
        self.loaded: LoadedIndex | None = None
        self.load_error: str | None = None
        self._load = load
        self._active_generation = generation
        self._watch_interval_s = watch_interval_s
        self._reload_lock = threading.Lock()
        self._stop = threading.Event()

    # --- the index ------------------------------------------------------------------------------------
    def install(self, loaded: LoadedIndex) -> None:
        """Serve from `loaded`: a single reference assignment, so requests in flight finish on the index they started with."""
        self.loaded = loaded
        self.load_error = None
        self.metrics.index_chunks.set(loaded.index.chunk_count)
        self.metrics.index_documents.set(loaded.index.document_count)
        log.info("index loaded", extra={"backend": loaded.backend, "generation": loaded.index.generation,
                                        "chunks": loaded.index.chunk_count})

    def load(self) -> bool:
        """(Re)load the active index generation; on failure keep serving the old one (not ready if there is none)."""
        with self._reload_lock:
            try:
                loaded = self._load()
            except Exception as exc:
                self.load_error = str(exc)
                log.error("index load failed", extra={"error": str(exc)})
                return False
            self.install(loaded)
            return True

    @property
    def generation(self) -> str | None:
        loaded = self.loaded
        return loaded.index.generation if loaded else None

    def reload_if_changed(self) -> bool:
        generation = self._active_generation()
        if generation is None or generation == self.generation:
            return False
        if self.load():
            self.metrics.index_reloads.inc()
            return True
        return False

    def start_watcher(self) -> None:
        """Poll for a new generation (hot swap) and purge expired conversations, every `watch_interval_s`."""
        if self._watch_interval_s <= 0:
            return

        def watch() -> None:
            while not self._stop.wait(self._watch_interval_s):
                try:
                    self.reload_if_changed()
                    self.state.purge_expired()
                except Exception:  # never let the watcher die
                    log.exception("index watcher error")

        threading.Thread(target=watch, name="index-watcher", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    # --- answering ------------------------------------------------------------------------------------
    def stream(self, question: str, *, conversation_id: str | None = None, filters: SearchFilters | None = None,
               top_k: int | None = None, channel: str = "api") -> Iterator[AnswerEvent]:
        """The assistant's answer events as they are produced (see `AnswerEvent`); the answer is counted at `done`.

        Raises NotReady while no index is loaded or the index backend is unreachable."""
        for attempt in (1, 2):
            loaded = self.loaded
            if loaded is None:
                raise NotReady
            started = False
            try:
                for event in loaded.assistant.stream(question, conversation_id=conversation_id, filters=filters,
                                                     top_k=top_k, channel=channel):
                    started = True
                    if event.kind == "done" and event.answer is not None:
                        self.metrics.answers.labels(str(event.answer.abstained).lower(), event.answer.backend).inc()
                    yield event
                return
            except IndexUnavailable as exc:
                # a retired generation (other replicas published twice since our last swap): catch up, retry once
                if isinstance(exc, GenerationRetired) and not started and attempt == 1 and self.reload_if_changed():
                    continue
                log.error("index backend unavailable", extra={"error": str(exc)})
                raise NotReady from exc

    def answer(self, question: str, *, conversation_id: str | None = None, filters: SearchFilters | None = None,
               top_k: int | None = None, channel: str = "api") -> Answer | None:
        """The whole answer (persisted and counted); None while no index is loaded or reachable."""
        try:
            return final_answer(self.stream(question, conversation_id=conversation_id, filters=filters, top_k=top_k,
                                            channel=channel))
        except NotReady:
            return None

    def record_feedback(self, answer_id: str, rating: str, reason: str | None = None, comment: str | None = None,
                        channel: str = "api") -> str | None:
        """Store 👍/👎 for a known answer and count it; None if the answer is unknown."""
        if not self.state.answer_exists(answer_id):
            return None
        feedback_id = self.state.add_feedback(answer_id, rating, reason, comment, channel=channel)
        self.metrics.feedback.labels(rating).inc()
        return feedback_id
