"""Whether to answer at all: an `AbstentionPolicy` decides from the question and the evidence.

The shipped policy is an ordered list of rules with thresholds tuned on the dev sets (see README); the first
rule that fires decides, with its reason. Any object with `decide(question, evidence) -> Decision` can
replace it (e.g. a learned model).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from boligassistent.answering.evidence import Evidence
from boligassistent.retrieval.law_catalog import LawCatalog

LIVE_DATA_PATTERN = r"\b(i dag|per i dag|for tiden|akkurat nå|dagens|i øyeblikket|no for tida)\b"


@dataclass(frozen=True)
class AbstentionConfig:
    min_dense: float = 0.835  # best dense similarity below this: the question is out of domain
    min_coverage: float = 0.35  # idf-weighted term coverage below this (unless confident_dense): not in the sources
    confident_dense: float = 0.87  # dense similarity at or above this overrides low coverage
    live_data_pattern: str = LIVE_DATA_PATTERN  # questions asking for today's figures (case-insensitive regex)
    scope_check: bool = True  # decline questions naming an act or regulation the corpus does not hold


@dataclass(frozen=True)
class Decision:
    abstain: bool
    reason: str | None = None  # "out-of-scope", "live-data", "out-of-domain", "missing-entity", "low-coverage", …
    missing: tuple[str, ...] = ()  # what the question names that the sources lack (e.g. laws, for "out-of-scope")


ANSWER = Decision(abstain=False)


class AbstentionPolicy(Protocol):
    def decide(self, question: str, evidence: Evidence) -> Decision: ...


class Rule(Protocol):
    reason: str

    def fires(self, question: str, evidence: Evidence) -> bool: ...


class OutOfScope:
    """Names an act or regulation (by its form: '-loven', '-lova', '-forskriften', …) that the corpus does not
    hold. Only for a corpus that holds acts or regulations at all: its law catalog is then its legal scope (a
    corpus of news articles says nothing about which laws it covers)."""

    reason = "out-of-scope"

    def __init__(self, catalog: LawCatalog) -> None:
        self.catalog = catalog

    def missing(self, question: str) -> tuple[str, ...]:
        return tuple(self.catalog.unknown_names(question)) if self.catalog.names else ()

    def fires(self, question: str, evidence: Evidence) -> bool:
        return bool(self.missing(question))


class LiveData:
    """Asks for current figures (rates, amounts, processing times) that fixed sources cannot have."""

    reason = "live-data"

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern, re.I)

    def fires(self, question: str, evidence: Evidence) -> bool:
        return bool(self.pattern.search(question))


class OutOfDomain:
    """Nothing retrieved is semantically close to the question."""

    reason = "out-of-domain"

    def __init__(self, min_dense: float) -> None:
        self.min_dense = min_dense

    def fires(self, question: str, evidence: Evidence) -> bool:
        return evidence.top_dense < self.min_dense


class MissingEntity:
    """The question names something (a place, an organisation) the top passages never mention."""

    reason = "missing-entity"

    def fires(self, question: str, evidence: Evidence) -> bool:
        return bool(evidence.missing_entities)


class LowCoverage:
    """The top passages contain too little of the question's (idf-weighted) terms, and dense similarity is not
    high enough to trust them anyway."""

    reason = "low-coverage"

    def __init__(self, min_coverage: float, confident_dense: float) -> None:
        self.min_coverage = min_coverage
        self.confident_dense = confident_dense

    def fires(self, question: str, evidence: Evidence) -> bool:
        return evidence.coverage < self.min_coverage and evidence.top_dense < self.confident_dense


class RulePolicy:
    """The first rule that fires decides; no rule firing means answer."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules

    @classmethod
    def from_config(cls, config: AbstentionConfig, catalog: LawCatalog | None = None) -> RulePolicy:
        """The shipped rules; the scope rule needs the index's law catalog."""
        scope: list[Rule] = [OutOfScope(catalog)] if config.scope_check and catalog is not None else []
        return cls(scope + [LiveData(config.live_data_pattern), OutOfDomain(config.min_dense), MissingEntity(),
                            LowCoverage(config.min_coverage, config.confident_dense)])

    def decide(self, question: str, evidence: Evidence) -> Decision:
        for rule in self.rules:
            if rule.fires(question, evidence):
                missing = rule.missing(question) if isinstance(rule, OutOfScope) else ()
                return Decision(abstain=True, reason=rule.reason, missing=missing)
        return ANSWER
