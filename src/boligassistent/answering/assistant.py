"""The one answering pipeline: condense → retrieve → decide (answer or abstain) → answer with citations.

Used by the API, the Slack/Teams bots, the CLI and the evaluation harness.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from boligassistent.answering.backends.extractive import (
    score_sentences,
    select_sentences,
)
from boligassistent.answering.backends.llm import (
    LLMError,
    build_messages,
    chat_completion,
    rewrite_followup,
    verify,
)
from boligassistent.answering.conversations import StateStore
from boligassistent.answering.evidence import Evidence, measure_evidence
from boligassistent.answering.followup import condense
from boligassistent.answering.models import Answer, Citation
from boligassistent.retrieval.retriever import ScoredChunk, SearchFilters, SearchResult
from boligassistent.runtime import Runtime

log = logging.getLogger(__name__)

ABSTAIN_TEXT = ("Jeg finner ikke svar på dette i kildene jeg har tilgang til (lover, forskrifter, veiledere og "
                "evalueringsrapporter om boligsosialt arbeid).")
OUT_OF_DOMAIN_TEXT = ("Jeg kan bare svare på spørsmål om boligsosialt arbeid ut fra lover, forskrifter, veiledere og "
                      "evalueringsrapporter, og finner ikke noe om dette i kildene.")
LIVE_DATA_TEXT = ("Kildene mine er faste utgaver av lover, veiledere og rapporter, og jeg har ikke dagsaktuelle tall "
                  "som renter, satser eller saksbehandlingstider. Sjekk oppdatert informasjon hos Husbanken, NAV eller "
                  "den aktuelle etaten.")
_LIVE_DATA = re.compile(r"\b(i dag|per i dag|for tiden|akkurat nå|dagens|i øyeblikket|no for tida)\b", re.I)
CLOSEST_HINT = " Disse kildene ligger nærmest og kan være verdt å se på:"


def _ledd_label(hit: ScoredChunk) -> str | None:
    if hit.chunk.kind in ("lov", "forskrift") and hit.chunk.ledd:
        a, b = hit.chunk.ledd
        return f"{a}. ledd" if a == b else f"{a}.–{b}. ledd"
    return None


def _source_intro(hit: ScoredChunk) -> str:
    chunk = hit.chunk
    if chunk.kind in ("lov", "forskrift"):
        return f"{chunk.label[0].upper()}{chunk.label[1:]}"
    if chunk.kind == "veiledning":
        return f"Veiledningen «{chunk.title}»"
    if chunk.kind == "rapport":
        return f"Rapporten «{chunk.title}»"
    return f"«{chunk.title}»"


class Assistant:
    def __init__(self, runtime: Runtime, state: StateStore | None = None) -> None:
        self.runtime = runtime
        self.state = state

    @property
    def settings(self):
        return self.runtime.settings

    # --- decisions -----------------------------------------------------------------------------------
    def should_abstain(self, question: str, evidence: Evidence) -> tuple[bool, str | None]:
        """Thresholds live in settings (tuned on the dev sets, see README)."""
        s = self.settings
        if _LIVE_DATA.search(question):
            return True, "live-data"
        if evidence.top_dense < s.abstain_min_dense:
            return True, "out-of-domain"
        if evidence.missing_entities:
            return True, "missing-entity"
        if evidence.coverage < s.abstain_min_coverage and evidence.top_dense < s.abstain_confident_dense:
            return True, "low-coverage"
        return False, None

    # --- main entry ------------------------------------------------------------------------------------
    def answer(self, question: str, conversation_id: str | None = None, filters: SearchFilters | None = None,
               top_k: int | None = None, channel: str = "api") -> Answer:
        t0 = time.perf_counter()
        question = question.strip()
        history: list[str] = []
        if self.state is not None and conversation_id:
            if not self.state.conversation_exists(conversation_id):
                self.state.new_conversation(channel, conversation_id)
            history = self.state.previous_queries(conversation_id)
        resolved = condense(question, history)
        if resolved != question and self.settings.llm_base_url and self.settings.llm_model:
            try:
                resolved = rewrite_followup(self.settings.llm_base_url, self.settings.llm_model, self.settings.llm_api_key,
                                            question, history, self.settings.llm_timeout_s)
            except LLMError as exc:
                log.warning("follow-up rewrite failed; using rule-based condensing", extra={"error": str(exc)})
        t1 = time.perf_counter()
        result = self.runtime.retriever.search(resolved, k=top_k or self.settings.top_k, filters=filters)
        t2 = time.perf_counter()
        evidence = measure_evidence(self.runtime.index, result)
        abstain, reason = self.should_abstain(resolved, evidence)
        if abstain:
            answer = self._abstention(question, resolved, result, evidence, reason)
        else:
            answer = self._generative(question, resolved, result, history, evidence) if self.settings.llm_base_url else None
            if answer is None:
                answer = self._extractive(question, resolved, result, evidence)
        t3 = time.perf_counter()
        answer.conversation_id = conversation_id
        answer.timings_ms = {"condense": (t1 - t0) * 1000, "retrieve": (t2 - t1) * 1000, "answer": (t3 - t2) * 1000,
                             "total": (t3 - t0) * 1000}
        if self.state is not None:
            self.state.record_answer(answer.answer_id, conversation_id, question, answer.text,
                                     [c.__dict__ for c in answer.citations], answer.abstained)
            if conversation_id:
                self.state.add_turn(conversation_id, question, resolved, answer.answer_id)
        log.info("answered", extra={"answer_id": answer.answer_id, "abstained": answer.abstained, "backend": answer.backend,
                                    "confidence": answer.confidence, "ms": round(answer.timings_ms["total"], 1)})
        return answer

    # --- answer kinds ------------------------------------------------------------------------------------
    def _closest(self, result: SearchResult, n: int = 3) -> list[dict]:
        seen: set[str] = set()
        out = []
        for hit in result.hits:
            if hit.chunk.doc_id in seen:
                continue
            seen.add(hit.chunk.doc_id)
            out.append({"chunk_id": hit.chunk.chunk_id, "doc_id": hit.chunk.doc_id, "title": hit.chunk.title,
                        "kind": hit.chunk.kind, "citation": hit.chunk.citation(), "url": hit.chunk.url})
            if len(out) >= n:
                break
        return out

    def _abstention(self, question: str, resolved: str, result: SearchResult, evidence: Evidence, reason: str | None) -> Answer:
        out_of_domain = reason == "out-of-domain"
        closest = [] if out_of_domain else self._closest(result)
        text = {"out-of-domain": OUT_OF_DOMAIN_TEXT, "live-data": LIVE_DATA_TEXT}.get(reason or "", ABSTAIN_TEXT)
        if closest:
            text += CLOSEST_HINT + " " + "; ".join(f"{c['citation']} ({c['title']})" if c["kind"] in ("lov", "forskrift")
                                                   else f"{c['title']}" for c in closest) + "."
        return Answer(answer_id=uuid.uuid4().hex, question=question, text=text, citations=[], abstained=True,
                      confidence=evidence.confidence(), resolved_query=resolved,
                      reason=reason, closest_sources=closest)

    def _citations_for(self, groups: list[tuple[ScoredChunk, list[str]]]) -> list[Citation]:
        return [Citation(n=n, chunk_id=hit.chunk.chunk_id, doc_id=hit.chunk.doc_id, title=hit.chunk.title, kind=hit.chunk.kind,
                         section=hit.chunk.label, paragraph=_ledd_label(hit),
                         pages=list(hit.chunk.pages) if hit.chunk.pages else None, url=hit.chunk.url, quote=" ".join(quotes))
                for n, (hit, quotes) in enumerate(groups, start=1)]

    def _extractive(self, question: str, resolved: str, result: SearchResult, evidence: Evidence) -> Answer:
        hits = result.hits[:6]
        idf = evidence.idf
        chosen = select_sentences(score_sentences(resolved, hits, idf), hits, self.settings.answer_max_sentences)
        groups: dict[int, list[str]] = {}
        for cand in chosen:
            groups.setdefault(cand.hit_rank, []).append(cand.text)
        ordered = list(groups.items())
        citations = self._citations_for([(hits[rank], quotes) for rank, quotes in ordered])
        parts: list[str] = []
        sentences: list[tuple[str, list[int]]] = []
        for citation, (rank, quotes) in zip(citations, ordered):
            quote = " ".join(quotes)
            parts.append(f"{_source_intro(hits[rank])}: «{quote}» [{citation.n}]")
            sentences.extend((q, [citation.n]) for q in quotes)
        return Answer(answer_id=uuid.uuid4().hex, question=question, text="\n\n".join(parts), citations=citations,
                      abstained=False, confidence=evidence.confidence(), resolved_query=resolved, sentences=sentences)

    def _generative(self, question: str, resolved: str, result: SearchResult, history: list[str], evidence: Evidence) -> Answer | None:
        s = self.settings
        hits = result.hits[:6]
        try:
            raw = chat_completion(s.llm_base_url, s.llm_model or "", s.llm_api_key, build_messages(resolved, hits, history), s.llm_timeout_s)
        except LLMError as exc:
            log.warning("LLM backend failed; falling back to extractive", extra={"error": str(exc)})
            return None
        kept = verify(raw, hits)
        if not kept:
            log.info("LLM answer had no supported sentences; falling back to extractive")
            return None
        used = list(dict.fromkeys(n for _, ns in kept for n in ns))
        renumber = {old: new for new, old in enumerate(used, start=1)}
        citations = self._citations_for([(hits[old - 1], [hits[old - 1].chunk.text[:300]]) for old in used])
        sentences = [(body, [renumber[n] for n in ns]) for body, ns in kept]
        text = " ".join(f"{body} " + "".join(f"[{n}]" for n in ns) for body, ns in sentences)
        return Answer(answer_id=uuid.uuid4().hex, question=question, text=text, citations=citations, abstained=False,
                      confidence=evidence.confidence(), resolved_query=resolved, backend="llm", sentences=sentences)
