"""Generative backend: any OpenAI-compatible chat-completions endpoint.

The model must cite passage numbers; afterwards every sentence is checked against the passage it
cites (lexical support). Unsupported sentences are dropped; if nothing supported remains, or the
endpoint fails or times out, the backend declines and the next one (extractive) answers.
"""

from __future__ import annotations

import logging
import re

from boligassistent.answering.citations import cite
from boligassistent.answering.evidence import Evidence
from boligassistent.answering.llm_client import LLMConfig, LLMError, chat_completion
from boligassistent.answering.models import Draft
from boligassistent.retrieval.types import ScoredChunk
from boligassistent.text.analyzer import analyze
from boligassistent.text.sentences import split_sentences

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "Du er en kunnskapsassistent for saksbehandlere i boligsosialt arbeid (NAV, kommune, Husbanken, kriminalomsorgen). "
    "Svar kort og presist på norsk bokmål, bare ut fra de nummererte kildeutdragene. Hver setning skal ende med "
    "kildenummer i hakeparentes, for eksempel [1] eller [1][3]. Nevn paragrafen når svaret bygger på en lov eller forskrift. "
    "Hvis utdragene ikke svarer på spørsmålet, skriv nøyaktig: FINNER IKKE SVAR."
)
_CITE = re.compile(r"\[(\d+)\]")
_QUOTE_CHARS = 300  # a citation's quote for a generated answer: the start of the cited passage


def build_messages(question: str, hits: list[ScoredChunk], history: list[str] | None = None) -> list[dict]:
    passages = "\n\n".join(f"[{i}] {h.chunk.citation()} ({h.chunk.title})\n{h.chunk.text}" for i, h in enumerate(hits, start=1))
    context = ("Tidligere spørsmål i samtalen: " + " | ".join(history) + "\n\n") if history else ""
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"{context}Kildeutdrag:\n{passages}\n\nSpørsmål: {question}"}]


def support(sentence: str, passage: str) -> float:
    """Share of the sentence's content terms that occur in the passage."""
    terms = set(analyze(_CITE.sub("", sentence)))
    if not terms:
        return 1.0
    return len(terms & set(analyze(passage))) / len(terms)


def verify(text: str, hits: list[ScoredChunk], min_support: float) -> list[tuple[str, list[int]]]:
    """Sentences whose citations point at retrieved passages that support them; (sentence, 1-based passage numbers)."""
    if "FINNER IKKE SVAR" in text.upper():
        return []
    kept: list[tuple[str, list[int]]] = []
    for sentence in split_sentences(text):
        cited = [int(n) for n in _CITE.findall(sentence)]
        valid = [n for n in dict.fromkeys(cited) if 1 <= n <= len(hits)]
        if not valid:
            continue
        body = re.sub(r"\s+([.,;:!?])", r"\1", _CITE.sub("", sentence)).strip()
        if support(body, " ".join(hits[n - 1].chunk.indexed_text for n in valid)) >= min_support:
            kept.append((body, valid))
    return kept


class LLMBackend:
    name = "llm"

    def __init__(self, config: LLMConfig) -> None:
        self.config = config

    def compose(self, question: str, resolved: str, hits: list[ScoredChunk], evidence: Evidence,
                history: list[str]) -> Draft | None:
        try:
            raw = chat_completion(self.config, build_messages(resolved, hits, history))
        except LLMError as exc:
            log.warning("LLM backend failed; falling back", extra={"error": str(exc)})
            return None
        kept = verify(raw, hits, self.config.min_support)
        if not kept:
            log.info("LLM answer had no supported sentences; falling back")
            return None
        used = list(dict.fromkeys(n for _, ns in kept for n in ns))
        renumber = {old: new for new, old in enumerate(used, start=1)}
        citations = cite([(hits[old - 1], [hits[old - 1].chunk.text[:_QUOTE_CHARS]]) for old in used])
        sentences = [(body, [renumber[n] for n in ns]) for body, ns in kept]
        text = " ".join(f"{body} " + "".join(f"[{n}]" for n in ns) for body, ns in sentences)
        return Draft(text=text, citations=citations, sentences=sentences)
