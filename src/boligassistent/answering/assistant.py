"""The one answering pipeline: condense → retrieve → decide (answer or abstain) → compose with citations.

Used by the API, the Slack/Teams bots, the CLI and the evaluation harness; `runtime.create_assistant` wires it.
`stream` yields the steps as they happen; `answer` is the same stream consumed to the end.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from boligassistent.answering.abstention import AbstentionPolicy, Decision
from boligassistent.answering.backends.base import AnswerBackend
from boligassistent.answering.conversations import StateStore
from boligassistent.answering.evidence import Evidence, EvidenceConfig, TermStatistics, measure_evidence
from boligassistent.answering.followup import Condenser
from boligassistent.answering.journal import AnswerJournal
from boligassistent.answering.models import Answer, AnswerEvent, final_answer
from boligassistent.answering.refusals import input_refusal, refusal
from boligassistent.answering.similarity import SentenceSimilarity
from boligassistent.retrieval.store import SearchFilters
from boligassistent.retrieval.types import ScoredChunk, SearchResult

log = logging.getLogger(__name__)


class Retriever(Protocol):
    def search(self, query: str, k: int, filters: SearchFilters | None = None, mode: str = "hybrid") -> SearchResult: ...


@dataclass(frozen=True)
class AnswerConfig:
    top_k: int = 8  # passages retrieved per question (evidence, closest sources), unless a request asks otherwise
    answer_passages: int = 6  # the first of those given to the answer backends
    closest_sources: int = 3  # documents suggested with an abstention
    history_turns: int = 3  # previous messages of a conversation used to resolve a follow-up
    max_question_chars: int = 1000  # longer questions are refused here, for every channel, before any work
    evidence: EvidenceConfig = EvidenceConfig()


class Assistant:
    def __init__(self, retriever: Retriever, index: TermStatistics, policy: AbstentionPolicy,
                 backends: list[AnswerBackend], condenser: Condenser, store: StateStore | None = None,
                 config: AnswerConfig = AnswerConfig(), similarity: SentenceSimilarity | None = None) -> None:
        if not backends:
            raise ValueError("an assistant needs at least one answer backend")
        self.retriever = retriever
        self.index = index
        self.policy = policy
        self.backends = backends
        self.condenser = condenser
        self.journal = AnswerJournal(store, config.history_turns)
        self.config = config
        self.similarity = similarity  # sentence similarity for the evidence (shared with the extractive backend)

    def answer(self, question: str, conversation_id: str | None = None, filters: SearchFilters | None = None,
               top_k: int | None = None, channel: str = "api") -> Answer:
        return final_answer(self.stream(question, conversation_id=conversation_id, filters=filters, top_k=top_k,
                                        channel=channel))

    def stream(self, question: str, *, conversation_id: str | None = None, filters: SearchFilters | None = None,
               top_k: int | None = None, channel: str = "api") -> Iterator[AnswerEvent]:
        """`retrieved` (right after retrieval and the abstention decision), one `sentence` per answer sentence,
        then `done` with the whole Answer, persisted and logged by then. Stage timings exclude the time the
        consumer holds the stream."""
        t0 = time.perf_counter()
        question = question.strip()
        rejected = self._reject(question)
        if rejected is not None:
            yield from self._refuse_input(rejected, conversation_id)
            return
        history = self.journal.history(conversation_id, channel)
        resolved = self.condenser.resolve(question, history)
        t1 = time.perf_counter()
        result = self.retriever.search(resolved, k=top_k or self.config.top_k, filters=filters)
        t2 = time.perf_counter()
        evidence = measure_evidence(self.index, result, self.config.evidence, self.similarity)
        decision = self.policy.decide(resolved, evidence)
        hits = result.hits[:self.config.answer_passages]
        answer_id = uuid.uuid4().hex
        deciding_ms = (time.perf_counter() - t2) * 1000
        yield AnswerEvent("retrieved", {"answer_id": answer_id, "conversation_id": conversation_id,
                                        "resolved_query": resolved, "sources": [hit.chunk.citation() for hit in hits],
                                        "abstained": decision.abstain, "reason": decision.reason})
        t3 = time.perf_counter()
        answer = self._answer(answer_id, question, resolved, result, hits, evidence, decision, history)
        answer.conversation_id = conversation_id
        answer_ms = deciding_ms + (time.perf_counter() - t3) * 1000
        answer.timings_ms = {"condense": (t1 - t0) * 1000, "retrieve": (t2 - t1) * 1000, "answer": answer_ms,
                             "total": (t2 - t0) * 1000 + answer_ms}
        self.journal.record(answer)
        for text, citations in answer.sentences if not answer.abstained else [(answer.text, [])]:
            yield AnswerEvent("sentence", {"text": text, "citations": citations})
        yield AnswerEvent("done", {"answer_id": answer.answer_id}, answer=answer)

    def _reject(self, question: str) -> Answer | None:
        """An answer refusing unusable input (empty, or longer than the limit): no retrieval, no embedding."""
        if question and len(question) <= self.config.max_question_chars:
            return None
        reason = "question-too-long" if question else "empty-question"  # refusals.INPUT_REFUSALS
        shown = question[: self.config.max_question_chars]
        return Answer(uuid.uuid4().hex, shown, input_refusal(reason, self.config.max_question_chars), [], True, 0.0, "",
                      reason=reason)

    def _refuse_input(self, answer: Answer, conversation_id: str | None) -> Iterator[AnswerEvent]:
        answer.conversation_id = conversation_id
        answer.timings_ms = {"total": 0.0}
        log.info("question refused", extra={"answer_id": answer.answer_id, "reason": answer.reason})
        yield AnswerEvent("retrieved", {"answer_id": answer.answer_id, "conversation_id": conversation_id,
                                        "resolved_query": "", "sources": [], "abstained": True, "reason": answer.reason})
        yield AnswerEvent("sentence", {"text": answer.text, "citations": []})
        yield AnswerEvent("done", {"answer_id": answer.answer_id}, answer=answer)

    def _answer(self, answer_id: str, question: str, resolved: str, result: SearchResult, hits: list[ScoredChunk],
                evidence: Evidence, decision: Decision, history: list[str]) -> Answer:
        if decision.abstain:
            text, closest = refusal(decision.reason, result.hits, self.config.closest_sources, decision.missing,
                                    decision.suggestions)
            return Answer(answer_id, question, text, [], True, evidence.confidence, resolved, reason=decision.reason,
                          closest_sources=closest)
        # The backends (an LLM among them) run only here, after the scope check and the abstention decision;
        # condensing calls no LLM, so nothing about a declined question leaves the process.
        for backend in self.backends:
            draft = backend.compose(question, resolved, hits, evidence, history)
            if draft is not None:
                return Answer(answer_id, question, draft.text, draft.citations, False, evidence.confidence, resolved,
                              backend=backend.name, sentences=draft.sentences)
        raise RuntimeError("no answer backend composed an answer (the last backend must always answer)")
