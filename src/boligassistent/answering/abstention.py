"""Whether to answer at all: an `AbstentionPolicy` decides from the question and the evidence.

The shipped policy (`CalibratedPolicy`) runs hard gates about the language and the corpus first, in order:

1. vague: no word of the question names a topic → a clarifying question suggesting topics of the corpus;
2. out-of-scope: it names a law, regulation or public body the corpus does not hold, or only names (places,
   organisations) the corpus never mentions → say which;
3. live-data: it asks what a value is now ("renten akkurat nå", "saksbehandlingstid for tiden"), which fixed
   editions of laws, guidance and reports cannot tell → say so, and where to look. Only over a corpus of such
   editions (one that holds acts or regulations): news articles speak of their own present ("Hvem er direktør nå?");
4. year: it asks about a year ("i 2019", "fra 1. juni 2027") that none of the top passages names → say so: passages
   about other years do not answer for it;
5. answer-type: it asks for a value (amount, count, date, deadline, name, place) and no sentence of the top
   passages about its subject holds one;

then the calibrated model (`answering.abstention_model`, logistic regression trained by
`boligassistent eval train-abstention`) declines when the evidence is too weak. A question citing a § of the
corpus that retrieval put first ("Har kommunen plikt til å gi foreløpig svar, jf. fvl § 11 a?") is answered
without asking the model: the caseworker named the source, and it is there to quote. Any object with
`decide(question, evidence) -> Decision` can replace it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from boligassistent.answering.abstention_model import FeatureInput, LogisticModel, feature_vector
from boligassistent.answering.answer_type import AnswerTypeConfig, missing_value
from boligassistent.answering.clarify import is_vague
from boligassistent.answering.evidence import Evidence
from boligassistent.answering.scope import CorpusScope
from boligassistent.text.answer_types import asked_unit, asks_market_offer, asks_present_value, expected_answer_type

# Reasons of a decision, as the API, the logs and the eval report name them.
VAGUE = "vague"
OUT_OF_SCOPE = "out-of-scope"
LIVE_DATA = "live-data"
YEAR = "year"
ANSWER_TYPE = "answer-type"
MODEL = "model"


@dataclass(frozen=True)
class AbstentionConfig:
    clarify: bool = True  # a question naming no topic gets a clarifying question
    suggested_topics: int = 3  # topics of the corpus suggested in a clarifying question
    scope_check: bool = True  # decline questions naming a law, regulation or body the corpus does not hold
    answer_type_check: bool = True  # decline value questions whose passages hold no value about the subject
    year_check: bool = True  # decline questions about a year that no top passage names (`Evidence.missing_years`)
    # decline questions asking what a value is now ("renten akkurat nå", "saksbehandlingstid for tiden") over a corpus
    # of fixed editions of laws, guidance and reports (one holding acts or regulations); the reply says where today's
    # figures are found
    live_data_check: bool = True
    answer_type: AnswerTypeConfig = field(default_factory=AnswerTypeConfig)
    answer_cited_section: bool = True  # a question citing a § that is the top hit is answered (the model not asked)
    threshold: float | None = None  # overrides the model file's decision threshold (P(decline) ≥ threshold)
    baseline_titles: int = 20  # document titles asked as questions to measure the corpus's dense baseline


@dataclass(frozen=True)
class Decision:
    abstain: bool
    reason: str | None = None  # VAGUE, OUT_OF_SCOPE, LIVE_DATA, YEAR, ANSWER_TYPE, MODEL
    # what the sources lack: laws or bodies (out-of-scope), years (year), the value kind (answer-type)
    missing: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()  # topics of the corpus offered with a clarifying question (vague)
    probability: float | None = None  # the model's P(decline), when it was asked


ANSWER = Decision(abstain=False)


class AbstentionPolicy(Protocol):
    def decide(self, question: str, evidence: Evidence) -> Decision: ...


class AbstentionGates:
    """The hard gates (vague, out-of-scope, answer-type) and the model's features of a question, over one corpus."""

    def __init__(self, scope: CorpusScope | None, config: AbstentionConfig = AbstentionConfig(),
                 dense_baseline: float | Callable[[], float] = 0.0) -> None:
        self.scope = scope
        self.config = config
        self._baseline = dense_baseline  # `abstention_model.dense_baseline` of the corpus, or how to measure it

    @property
    def dense_baseline(self) -> float:
        """The corpus's dense baseline, measured on first use (not when the assistant is built: the index may be
        unreachable then, and building stays fast)."""
        if callable(self._baseline):
            self._baseline = self._baseline()
        return self._baseline

    def gate(self, question: str, evidence: Evidence) -> Decision | None:
        """The first hard gate that fires, or None."""
        if self.config.clarify and is_vague(question):
            topics = self.scope.topics(evidence.doc_ids, self.config.suggested_topics) if self.scope else []
            return Decision(abstain=True, reason=VAGUE, suggestions=tuple(topics))
        if self.config.scope_check and self.scope is not None and (missing := self.scope.missing(question)):
            return Decision(abstain=True, reason=OUT_OF_SCOPE, missing=missing)
        if (self.config.live_data_check and self.scope is not None and self.scope.holds_laws
                and (asks_present_value(question) or asks_market_offer(question))):
            return Decision(abstain=True, reason=LIVE_DATA)
        if self.config.year_check and evidence.missing_years:
            return Decision(abstain=True, reason=YEAR, missing=tuple(evidence.missing_years))
        if self.config.answer_type_check and (kind := missing_value(question, evidence.sentences, evidence.idf,
                                                                     self.config.answer_type, evidence.synonyms,
                                                                     evidence.headings)) is not None:
            unit = asked_unit(question)  # "hvor mange kroner": the refusal says it found no amount, not no count
            return Decision(abstain=True, reason=ANSWER_TYPE, missing=(kind.value, *((unit,) if unit else ())))
        return None

    def cited_section_first(self, question: str, evidence: Evidence) -> bool:
        """Whether the question cites a § of the corpus and that § is the top hit."""
        return (self.config.answer_cited_section and self.scope is not None and evidence.top_section is not None
                and self.scope.cites(question, *evidence.top_section))

    def features(self, question: str, evidence: Evidence) -> FeatureInput:
        names_law = self.scope.names_corpus_law(question) if self.scope is not None else False
        return FeatureInput(evidence=evidence, asks_value=expected_answer_type(question) is not None,
                            names_corpus_law=names_law, dense_baseline=self.dense_baseline)


class CalibratedPolicy:
    """The hard gates, then the calibrated model."""

    def __init__(self, model: LogisticModel, gates: AbstentionGates) -> None:
        self.model = model
        self.gates = gates
        threshold = gates.config.threshold
        self.threshold = model.threshold if threshold is None else threshold

    def probability(self, question: str, evidence: Evidence) -> float:
        """The model's P(decline) for the question (the gates aside)."""
        return self.model.probability(feature_vector(self.model.features, self.gates.features(question, evidence)))

    def decide(self, question: str, evidence: Evidence) -> Decision:
        gated = self.gates.gate(question, evidence)
        if gated is not None:
            return gated
        if self.gates.cited_section_first(question, evidence):
            return ANSWER
        p = self.probability(question, evidence)
        return Decision(abstain=True, reason=MODEL, probability=p) if p >= self.threshold else Decision(False, probability=p)
