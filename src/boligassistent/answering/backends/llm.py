"""Optional generative backend: any OpenAI-compatible chat-completions endpoint.

The model must cite passage numbers; afterwards every sentence is checked against the passage it
cites (lexical support). Unsupported sentences are dropped; if nothing supported remains, or the
endpoint fails or times out, the caller falls back to the extractive answer.
"""

from __future__ import annotations

import logging
import re

import httpx

from boligassistent.retrieval.retriever import ScoredChunk
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


class LLMError(RuntimeError):
    pass


def build_messages(question: str, hits: list[ScoredChunk], history: list[str] | None = None) -> list[dict]:
    passages = "\n\n".join(f"[{i}] {h.chunk.citation()} ({h.chunk.title})\n{h.chunk.text}" for i, h in enumerate(hits, start=1))
    context = ("Tidligere spørsmål i samtalen: " + " | ".join(history) + "\n\n") if history else ""
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"{context}Kildeutdrag:\n{passages}\n\nSpørsmål: {question}"}]


def chat_completion(base_url: str, model: str, api_key: str | None, messages: list[dict], timeout_s: float) -> str:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = httpx.post(base_url.rstrip("/") + "/chat/completions", headers=headers, timeout=timeout_s,
                              json={"model": model, "messages": messages, "temperature": 0})
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]
    except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
        raise LLMError(f"{type(exc).__name__}: {exc}") from exc


def rewrite_followup(base_url: str, model: str, api_key: str | None, message: str, history: list[str], timeout_s: float) -> str:
    messages = [{"role": "system", "content": "Skriv oppfølgingsspørsmålet om til ett selvstendig spørsmål på norsk. Svar bare med spørsmålet."},
                {"role": "user", "content": "Tidligere: " + " | ".join(history) + f"\nOppfølging: {message}"}]
    return chat_completion(base_url, model, api_key, messages, timeout_s).strip() or message


def support(sentence: str, passage: str) -> float:
    """Share of the sentence's content terms that occur in the passage."""
    terms = set(analyze(_CITE.sub("", sentence)))
    if not terms:
        return 1.0
    return len(terms & set(analyze(passage))) / len(terms)


def verify(text: str, hits: list[ScoredChunk], min_support: float = 0.5) -> list[tuple[str, list[int]]]:
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
