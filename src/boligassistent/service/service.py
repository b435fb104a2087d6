"""Service state: the loaded index (hot-swappable) with its assistant, the stores, keys, limiter and metrics;
conversation ownership (every conversation is read, continued and deleted only by its owner); the background
jobs (index watcher, retention purge).

The service never opens an index itself: runtime.py injects `load` (open the active generation and build
the assistant over it) and `generation` (the identity of the generation `load` would open now).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from boligassistent.answering.assistant import Assistant
from boligassistent.answering.conversations import CHANNEL_NAMESPACES, StateStore
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


class ConversationNotFound(Exception):
    """The conversation does not exist or belongs to someone else (callers cannot tell which)."""


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
        """The background jobs: poll for a new generation (hot swap) every `watch_interval_s`, and purge expired
        state every `RetentionConfig.purge_interval_s` (each job off when its interval is 0)."""
        self._every(self._watch_interval_s, "index-watcher", self.reload_if_changed)
        self._every(self.state.retention.purge_interval_s, "retention", self.purge_expired, at_start=True)

    def _every(self, interval_s: float, name: str, job: Callable[[], object], at_start: bool = False) -> None:
        if interval_s <= 0:
            return

        def loop() -> None:
            if at_start:
                self._run_job(name, job)
            while not self._stop.wait(interval_s):
                self._run_job(name, job)

        threading.Thread(target=loop, name=name, daemon=True).start()

    @staticmethod
    def _run_job(name: str, job: Callable[[], object]) -> None:
        try:
            job()
        except Exception:  # never let a background job die
            log.exception("background job failed", extra={"job": name})

    def purge_expired(self) -> None:
        purged = self.state.purge_expired()
        log.info("retention purge", extra={"turns": purged.turns, "answers": purged.answers,
                                           "conversations": purged.conversations, "feedback": purged.feedback})

    def stop(self) -> None:
        self._stop.set()

    # --- conversations --------------------------------------------------------------------------------
    def conversation_for(self, owner: str, requested: str | None) -> str:
        """The conversation an HTTP caller continues: `requested` if `owner` owns it; a new server-issued id if
        `requested` is absent or unknown (a caller-chosen id is never created). Raises ConversationNotFound for
        another owner's conversation and for the channels' namespaces."""
        if requested is not None:
            if requested.startswith(CHANNEL_NAMESPACES):
                raise ConversationNotFound
            if self.state.owns(requested, owner):
                return requested
            if self.state.conversation_exists(requested):
                raise ConversationNotFound
        return self.state.new_conversation("api", owner)

    def conversation_turns(self, conversation_id: str, owner: str) -> list[dict]:
        """The turns of `owner`'s conversation; raises ConversationNotFound for anyone else's."""
        if not self.state.owns(conversation_id, owner):
            raise ConversationNotFound
        return self.state.turns(conversation_id)

    def delete_conversation(self, conversation_id: str, owner: str) -> None:
        if not self.state.delete_conversation(conversation_id, owner):
            raise ConversationNotFound

    def throttle(self, identity: str) -> float | None:
        """The shared rate limiter for a caller (an API key, a Slack or Teams user): None if allowed, else seconds
        to wait."""
        return self.limiter.check(identity)

    # --- answering ------------------------------------------------------------------------------------
    def stream(self, question: str, *, conversation_id: str | None = None, owner: str | None = None,
               filters: SearchFilters | None = None, top_k: int | None = None, channel: str = "api") -> Iterator[AnswerEvent]:
        """The assistant's answer events as they are produced (see `AnswerEvent`); the answer is counted at `done`.

        A conversation is continued only by its `owner`; one that does not exist yet is opened for `owner` (the
        channels' ids derive from the user's identity; the HTTP API resolves ids with `conversation_for` first).
        Raises ConversationNotFound for another owner's conversation, NotReady while no index is loaded or the
        index backend is unreachable."""
        if conversation_id is not None and (owner is None or not self.state.claim(conversation_id, owner, channel)):
            raise ConversationNotFound
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

    def answer(self, question: str, *, conversation_id: str | None = None, owner: str | None = None,
               filters: SearchFilters | None = None, top_k: int | None = None, channel: str = "api") -> Answer | None:
        """The whole answer (persisted and counted); None while no index is loaded or reachable. Raises
        ConversationNotFound for another owner's conversation."""
        try:
            return final_answer(self.stream(question, conversation_id=conversation_id, owner=owner, filters=filters,
                                            top_k=top_k, channel=channel))
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
