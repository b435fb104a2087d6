"""The one client for an OpenAI-compatible chat-completions endpoint (answers and follow-up rewriting)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class LLMConfig:
    base_url: str  # e.g. http://localhost:8080/v1 (…/chat/completions is appended)
    model: str = ""  # sent as is; servers hosting one model ignore it
    api_key: str | None = None  # sent as a Bearer token when set
    timeout_s: float = 20.0  # per request; on timeout the caller falls back to the rule-based path
    min_support: float = 0.8  # share of a generated sentence's content terms that must occur in the passages it cites


class LLMError(RuntimeError):
    pass


def chat_completion(config: LLMConfig, messages: list[dict]) -> str:
    """The assistant message of one completion at temperature 0; LLMError on any transport or format failure."""
    headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
    try:
        response = httpx.post(config.base_url.rstrip("/") + "/chat/completions", headers=headers, timeout=config.timeout_s,
                              json={"model": config.model, "messages": messages, "temperature": 0})
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]
    except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
        raise LLMError(f"{type(exc).__name__}: {exc}") from exc
