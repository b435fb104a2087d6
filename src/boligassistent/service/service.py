"""Service state: the loaded runtime (hot-swappable), assistant, stores, keys, limiter and metrics."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from boligassistent.answering.assistant import Assistant
from boligassistent.answering.conversations import StateStore
from boligassistent.answering.models import Answer
from boligassistent.indexing.generation import GenerationRetired, IndexUnavailable
from boligassistent.retrieval.retriever import SearchFilters
from boligassistent.runtime import Runtime, active_generation, open_runtime
from boligassistent.service.metrics import Metrics
from boligassistent.service.security import KeyStore, RateLimiter
from boligassistent.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Service:
    settings: Settings
    state: StateStore
    keys: KeyStore
    limiter: RateLimiter
    metrics: Metrics = field(default_factory=Metrics)
    runtime: Runtime | None = None
    assistant: Assistant | None = None
    load_error: str | None = None
    _reload_lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def create(cls, settings: Settings) -> "Service":
        return cls(settings=settings,
                   state=StateStore(settings.state_db, settings.conversation_retention_days),
                   keys=KeyStore(settings.state_db, settings.admin_key),
                   limiter=RateLimiter(settings.rate_limit_per_minute))

    def load(self) -> bool:
        """(Re)load the index; the new runtime replaces the old one in a single reference assignment,
        so requests in flight finish on the runtime they started with."""
        with self._reload_lock:
            try:
                runtime = open_runtime(self.settings)
            except Exception as exc:  # keep serving the old index; report not-ready if there is none
                self.load_error = str(exc)
                log.error("index load failed", extra={"error": str(exc)})
                return False
            self.runtime = runtime
            self.assistant = Assistant(runtime, self.state)
            self.load_error = None
            self.metrics.index_chunks.set(runtime.index.chunk_count)
            self.metrics.index_documents.set(runtime.index.document_count)
            log.info("index loaded", extra={"backend": self.settings.backend, "generation": runtime.index.generation,
                                            "chunks": runtime.index.chunk_count})
            return True

    @property
    def generation(self) -> str | None:
        runtime = self.runtime
        return runtime.index.generation if runtime else None

    def answer(self, question: str, *, conversation_id: str | None = None, filters: SearchFilters | None = None,
               top_k: int | None = None, channel: str = "api") -> Answer | None:
        """Answer through the shared pipeline and count it; None while no index is loaded or reachable."""
        assistant = self.assistant
        if assistant is None:
            return None
        try:
            try:
                result = assistant.answer(question, conversation_id=conversation_id, filters=filters, top_k=top_k,
                                          channel=channel)
            except GenerationRetired:  # other replicas published twice since our last swap: catch up, then retry once
                if not self.reload_if_changed() or self.assistant is None:
                    raise
                result = self.assistant.answer(question, conversation_id=conversation_id, filters=filters, top_k=top_k,
                                               channel=channel)
        except IndexUnavailable as exc:
            log.error("index backend unavailable", extra={"error": str(exc)})
            return None
        self.metrics.answers.labels(str(result.abstained).lower(), result.backend).inc()
        return result

    def record_feedback(self, answer_id: str, rating: str, reason: str | None = None, comment: str | None = None,
                        channel: str = "api") -> str | None:
        """Store 👍/👎 for a known answer and count it; None if the answer is unknown."""
        if not self.state.answer_exists(answer_id):
            return None
        feedback_id = self.state.add_feedback(answer_id, rating, reason, comment, channel=channel)
        self.metrics.feedback.labels(rating).inc()
        return feedback_id

    def reload_if_changed(self) -> bool:
        generation = active_generation(self.settings)
        if generation is None or generation == self.generation:
            return False
        if self.load():
            self.metrics.index_reloads.inc()
            return True
        return False

    def start_watcher(self) -> None:
        if self.settings.index_watch_s <= 0:
            return

        def watch() -> None:
            while not self._stop.wait(self.settings.index_watch_s):
                try:
                    self.reload_if_changed()
                    self.state.purge_expired()
                except Exception:  # never let the watcher die
                    log.exception("index watcher error")

        threading.Thread(target=watch, name="index-watcher", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
