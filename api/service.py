"""Service state: the loaded runtime (hot-swappable), assistant, stores, keys, limiter and metrics."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from api.metrics import Metrics
from api.security import KeyStore, RateLimiter
from assistant.models import Answer
from assistant.pipeline import Assistant
from assistant.state import StateStore
from boligassistent.runtime import Runtime, open_runtime
from boligassistent.settings import Settings
from indexing.retriever import SearchFilters
from indexing.store import current_generation

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
    _generation: Path | None = None
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
            generation = current_generation(self.settings.index_dir)
            try:
                runtime = open_runtime(self.settings)
            except Exception as exc:  # keep serving the old index; report not-ready if there is none
                self.load_error = str(exc)
                log.error("index load failed", extra={"error": str(exc)})
                return False
            self.runtime = runtime
            self.assistant = Assistant(runtime, self.state)
            self._generation = generation
            self.load_error = None
            self.metrics.index_chunks.set(len(runtime.index.chunks))
            self.metrics.index_documents.set(len(runtime.index.documents))
            log.info("index loaded", extra={"generation": generation.name if generation else None, "chunks": len(runtime.index.chunks)})
            return True

    def answer(self, question: str, *, conversation_id: str | None = None, filters: SearchFilters | None = None,
               top_k: int | None = None, channel: str = "api") -> Answer | None:
        """Answer through the shared pipeline and count it; None while no index is loaded."""
        assistant = self.assistant
        if assistant is None:
            return None
        result = assistant.answer(question, conversation_id=conversation_id, filters=filters, top_k=top_k, channel=channel)
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
        generation = current_generation(self.settings.index_dir)
        if generation is None or generation == self._generation:
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
