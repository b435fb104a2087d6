"""The answer backend interface: the assistant tries its backends in order until one composes an answer."""

from __future__ import annotations

from typing import Protocol

from boligassistent.answering.evidence import Evidence
from boligassistent.answering.models import Draft
from boligassistent.retrieval.types import ScoredChunk


class AnswerBackend(Protocol):
    name: str  # reported as Answer.backend

    def compose(self, question: str, resolved: str, hits: list[ScoredChunk], evidence: Evidence,
                history: list[str]) -> Draft | None:
        """An answer to `resolved` (the stand-alone form of `question`) from `hits`, citing them by 1-based
        number; None when this backend cannot answer (the next backend is tried)."""
