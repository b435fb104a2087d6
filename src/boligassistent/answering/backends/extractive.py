"""Extractive answering, answer first: the one sentence that answers most directly, then a few supporting points.

Every passage is cut into quotable units (sentences; each list item its own unit, `text/sentences.split_units`).
A unit scores by the idf-weighted share of the question's terms it holds (the index's BM25 idf, so rare terms
count most), the retrieval rank of its passage, whether it holds the kind of value the question asks for
(`text/answer_types`), and whether it states a rule. The opening is the best unit, a rule before an exception;
then at most `max_sentences - 1` short supporting points (conditions, exceptions, what to do), near-duplicates
dropped, a law and a guidance note or report both shown when both answer. Every unit is quoted verbatim or
trimmed to its best clauses with a marked ellipsis «…», and cited; the whole answer stays within `max_chars`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from boligassistent.answering.backends.trim import ELLIPSIS, trim
from boligassistent.answering.citations import cite
from boligassistent.answering.evidence import Evidence
from boligassistent.answering.models import Draft
from boligassistent.answering.similarity import SentenceSimilarity
from boligassistent.retrieval.arms.legal import cited_in_question
from boligassistent.retrieval.types import ScoredChunk
from boligassistent.text.analyzer import analyze, synonyms
from boligassistent.text.answer_types import expected_answer_type, expected_answer_types, holds_value, question_parts
from boligassistent.text.sentences import split_units
from boligassistent.text.thesaurus import with_synonyms

_RULE_WORDS = re.compile(r"\b(har (ikkje |ikke )?rett|skal|kan|må|plikt|vilkår|frist|ikkje rett|ikke rett|gjeld(er)?)\b",
                         re.I)
# An exception or a limit on a rule: the opening prefers the rule itself.
_EXCEPTION = re.compile(r"\b(unntak\w*|likevel|med mindre|uten at|utan at|gjelder ikke|gjeld ikkje)\b"
                        r"|\b(dersom|hvis|viss|om)\b[^.;]*\b(ikke|ikkje)\b", re.I)
# A unit that leans on what came before it ("Dette gjelder …", "De har ikke rett …", "reglene over") does not open.
_ANAPHORIC = re.compile(r"^(dette|disse|denne|dei|de|slike|slik|han|hun|ho|her|der|da|samme)\b"
                        r"|\b(over|ovenfor|nevnt|nemnd|nevnte|nemnde)\b", re.I)
# "Hva er X?", "Kva tyder X?", "Hva slags … var X?": answered by a unit that defines X ("X er …", "X var …").
_DEFINITION_Q = re.compile(r"^\W*(hva|kva)\s+(er|var|betyr|tyder|menes med|innebærer|inneber)\b|\b(hva|kva)\s+slags\b"
                           r"|\bhvilken\s+type\b", re.I)
_COPULA = re.compile(r"\s(er|var|blir|ble|betyr|tyder|innebærer|inneber)\s", re.I)
_DEFINITION_REACH = 80  # characters: the copula of a defining unit comes this early
# A unit that only points elsewhere ("Se egen veiledning om …", "Les mer på …", "Jf. § 4.") answers nothing.
_POINTER = re.compile(r"^(se|sjå|les( mer)?|jf\.?)\s", re.I)
_BIBLIOGRAPHY = re.compile(r"^(kilder|kjelder|referanser|litteratur(liste)?|lenker|fotnoter)$", re.I)
_SENTENCE_CLOSED = re.compile(r"[.!?»)]$")
_LIST_JOINER = re.compile(r"[\s,;]+(og|eller)?$")


@dataclass(frozen=True)
class ExtractiveConfig:
    """Unit scoring and answer composition. score = overlap_weight × idf-weighted share of the question's terms in
    the unit + rank_weight × 1 / (1 + rank_decay × passage rank) + bonuses. Tuned by cross-validation over the dev
    sets (`benchmarks/tune_extractive.py`)."""

    max_sentences: int = 4  # quoted units per answer: the opening and at most this many − 1 supporting points
    max_chars: int = 700  # the whole answer text (quotes, labels, citation marks) stays within this
    max_unit_chars: int = 240  # a longer unit is trimmed to its best clauses, with «…» where it was cut
    max_per_passage: int = 4  # quoted units from one passage (4 = the whole answer may come from one)
    min_sentence_chars: int = 25  # shorter units are fragments (headings, list stubs)
    min_sentence_words: int = 4  # fewer words: a fragment
    overlap_weight: float = 0.7
    rank_weight: float = 0.15
    rank_decay: float = 0.35  # how fast the passage-rank prior falls (rank 0 → 1.0, rank 1 → 0.74, …)
    unknown_term_idf: float = 1.0  # weight of a question term without an idf
    rule_bonus: float = 0.08  # the unit states a rule (har rett, skal, vilkår, frist, …)
    type_bonus: float = 0.12  # the question asks for a quantity, time, name or place and the unit holds one
    context_weight: float = 0.3  # share of a neighbouring unit's overlap a unit gets (an answer often sits next to
    # the sentence that repeats the question's words: "Debattanten er leder for …" after the name)
    keep_ratio: float = 0.4  # supporting points (and a rule opening before a better-scoring exception) score at
    # least this share of the best unit's score
    max_redundancy: float = 0.6  # skip a unit whose term Jaccard with a chosen one exceeds this
    complement_ratio: float = 0.45  # a law/guidance complement must score at least this share of the best …
    complement_max_rank: int = 4  # … and come from one of the first passages (0-based rank below this)
    semantic_weight: float = 0.4  # weight of the embedder's question–unit similarity, min-max scaled over the
    # shortlist (0 = lexical only; needs a `SentenceSimilarity`)
    semantic_shortlist: int = 48  # the best-scoring units by the lexical score that are embedded
    continuation: bool = True  # the unit right after the opening, when it is an exception, leans on the opening
    # ("Dette gjelder ikke …") or goes on about the same thing ("Det skal ikke stilles vilkår … når …"), is the first
    # supporting point
    continuation_overlap: float = 0.2  # "the same thing": term Jaccard with the opening at least this
    novelty: float = 1.0  # a supporting point loses this share of its overlap credit for the question terms the
    # units already chosen hold (a point should answer what the opening did not: "… og kan frivillige søke?")
    part_min_terms: int = 2  # a part with fewer content terms gets its own point only when it asks for a value
    part_answered_ratio: float = 0.8  # a question asking several things ("…, og kan frivillige søke?"): a part counts
    # as answered when a chosen unit scores at least this share of the best unit for that part alone; else that best
    # unit is the next point


@dataclass
class Candidate:
    text: str  # as quoted: the unit, or its list's lead-in «…» the item
    hit_rank: int  # 0-based rank of the passage
    position: int  # unit position within the passage
    terms: set[str]
    score: float = 0.0
    exception: bool = False  # an exception or limit of a rule ("unntak", "likevel", "dersom … ikke")
    anaphoric: bool = False  # leans on the text before it
    fits_type: bool = False  # holds the kind of value the question asks for (or defines its subject)
    cited: bool = False  # from a section the question cites by law and § (`retrieval.arms.legal.cited_in_question`)


def _units(hit: ScoredChunk) -> list[str]:
    """The passage's quotable units; a list item that continues its lead-in ("… har søkjarar som" / "er over 18
    år,") is quoted with the lead-in, the rest of the list marked by an ellipsis. A lead-in is no answer by itself;
    an unfinished unit that nothing continues (a list item without a full stop, a passage's last line) is."""
    units = split_units(hit.chunk.text)
    out: list[str] = []
    lead: str | None = None
    for i, unit in enumerate(units):
        if lead is not None and unit[:1].islower():
            out.append(f"{lead} {ELLIPSIS} {_LIST_JOINER.sub('', unit)}")
            continue
        lead = None if _SENTENCE_CLOSED.search(unit) else unit  # may introduce a list of lowercase items
        continued = i + 1 < len(units) and units[i + 1][:1].islower()
        if lead is None or not (continued or unit.endswith(":")):
            out.append(unit)
    return out


def _source_terms(hit: ScoredChunk) -> set[str]:
    """The words a passage's document name adds to its title: who wrote it ("Møreforsking"). Every unit of the
    document is that source's text, so a question naming the source ("… ifølge Møreforsking?") is answered by what
    the source found, not by the foreword sentence that repeats its name."""
    return set(analyze(hit.chunk.document_name)) - set(analyze(hit.chunk.title))


def _candidates(hits: list[ScoredChunk], config: ExtractiveConfig) -> list[Candidate]:
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        if hit.chunk.heading_path and _BIBLIOGRAPHY.match(hit.chunk.heading_path[-1].strip()):
            continue  # source lists are not answers
        source = _source_terms(hit)
        cited = cited_in_question(hit)
        for pos, unit in enumerate(_units(hit)):
            if (len(unit) < config.min_sentence_chars or unit.count(" ") + 1 < config.min_sentence_words
                    or _POINTER.match(unit)):
                continue
            out.append(Candidate(text=unit, hit_rank=rank, position=pos, terms=set(analyze(unit)) | source,
                                 exception=bool(_EXCEPTION.search(unit)), anaphoric=bool(_ANAPHORIC.search(unit)),
                                 cited=cited))
    return out


class _Relevance:
    """How much of the question a piece of text answers: term overlap plus question-type fit. A question term
    weighs its idf in the index (rare in the corpus) times its idf among the candidate units (rare among the
    retrieved passages: a name that every passage repeats does not tell the units apart)."""

    def __init__(self, question: str, idf: dict[str, float], config: ExtractiveConfig,
                 units: list[set[str]] | None = None) -> None:
        local = Counter(term for terms in units or [] for term in terms)
        n = len(units or [])
        self.weights = {t: idf.get(t, config.unknown_term_idf) * (math.log((n + 1) / (local[t] + 0.5)) if local[t] else 1.0)
                        for t in set(idf) or set(analyze(question))}  # as retrieval read them (`Evidence.idf`)
        self.total = sum(self.weights.values()) or 1.0
        self.synonyms = synonyms(question)  # a unit that says a question term's synonym holds the term
        self.kind = expected_answer_type(question)
        # every kind of value the question's parts ask for ("Kor mange medlemer …, og for kor lang tid …?"): a unit
        # holding any of them fits
        self.kinds = expected_answer_types(question) if self.kind is not None else []
        self.defining = bool(_DEFINITION_Q.search(question))
        self.question = question
        self.config = config

    def overlap(self, terms: set[str]) -> float:
        terms = with_synonyms(terms, self.synonyms)
        return sum(w for t, w in self.weights.items() if t in terms) / self.total

    def fits_type(self, text: str) -> bool:
        if self.kind is not None:
            return any(holds_value(kind, text, self.question) for kind in self.kinds)
        return self.defining and self.defines(text)

    def defines(self, text: str) -> bool:
        """The unit opens by defining a term of the question: "<… term …> er/var …"."""
        copula = _COPULA.search(text[:_DEFINITION_REACH])
        return copula is not None and any(t in self.weights for t in analyze(text[:copula.start()]))

    def of_text(self, text: str) -> float:
        """For trimming: what a piece of a unit keeps of the question."""
        return self.overlap(set(analyze(text))) * self.config.overlap_weight + self.fits_type(text) * self.config.type_bonus


def score_sentences(question: str, hits: list[ScoredChunk], idf: dict[str, float],
                    config: ExtractiveConfig = ExtractiveConfig(),
                    similarity: SentenceSimilarity | None = None) -> list[Candidate]:
    """The passages' quotable units, scored for `question`."""
    return _scored(question, hits, idf, config, similarity)[0]


def _add_semantic(question: str, candidates: list[Candidate], similarity: SentenceSimilarity,
                  config: ExtractiveConfig) -> None:
    """Add `semantic_weight` × the question–unit similarity, min-max scaled over the lexical shortlist (e5 cosines
    of related Norwegian texts sit in a narrow band, so their spread, not their level, tells the units apart)."""
    shortlist = sorted(candidates, key=lambda c: -c.score)[:config.semantic_shortlist]
    if len(shortlist) < 2:
        return
    sims = similarity.similarities(question, [c.text for c in shortlist])
    low, high = min(sims), max(sims)
    if high - low <= 1e-6:
        return
    for cand, sim in zip(shortlist, sims):
        cand.score += config.semantic_weight * (sim - low) / (high - low)


def _rank_prior(cand: Candidate, config: ExtractiveConfig) -> float:
    """The prior of a unit's passage rank: 1.0 for the first passage, falling by `rank_decay`."""
    return 1.0 / (1.0 + config.rank_decay * cand.hit_rank)


def _scored(question: str, hits: list[ScoredChunk], idf: dict[str, float],
            config: ExtractiveConfig, similarity: SentenceSimilarity | None = None) -> tuple[list[Candidate], _Relevance]:
    candidates = _candidates(hits, config)
    relevance = _Relevance(question, idf, config, [cand.terms for cand in candidates])
    overlaps = [relevance.overlap(cand.terms) for cand in candidates]
    for i, cand in enumerate(candidates):
        neighbours = [overlaps[j] for j in (i - 1, i + 1) if 0 <= j < len(candidates)
                      and candidates[j].hit_rank == cand.hit_rank and abs(candidates[j].position - cand.position) == 1]
        overlap = overlaps[i] + config.context_weight * max(neighbours, default=0.0)
        rank_prior = _rank_prior(cand, config)
        bonus = config.rule_bonus if _RULE_WORDS.search(cand.text) else 0.0
        cand.fits_type = relevance.fits_type(cand.text)
        bonus += config.type_bonus if cand.fits_type else 0.0
        cand.score = overlap * config.overlap_weight + rank_prior * config.rank_weight + bonus
    if similarity is not None and config.semantic_weight > 0:
        _add_semantic(question, candidates, similarity, config)
    return candidates, relevance


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, len(a | b))


def _part_relevances(question: str, idf: dict[str, float], config: ExtractiveConfig,
                     candidates: list[Candidate]) -> list[_Relevance]:
    """One relevance per question a question asks ("Er ansvarsgruppa lovpålagt, og kan den fatte vedtak?" asks two),
    each over the terms of its own part; none for a question asking one thing."""
    parts = question_parts(question)
    if len(parts) < 2:
        return []
    units = [c.terms for c in candidates]
    out = []
    for part in parts:
        terms = set(analyze(part))
        if len(terms) < config.part_min_terms and expected_answer_type(part) is None:
            continue  # "… og har det fungert?": too little of its own to choose a point by
        out.append(_Relevance(part, {t: w for t, w in idf.items() if t in terms}, config, units))
    return out if len(out) > 1 else []


def _part_score(cand: Candidate, part: _Relevance, config: ExtractiveConfig) -> float:
    return (part.overlap(cand.terms) * config.overlap_weight + part.fits_type(cand.text) * config.type_bonus
            + config.rank_weight * _rank_prior(cand, config))


def select_sentences(candidates: list[Candidate], hits: list[ScoredChunk],
                     config: ExtractiveConfig = ExtractiveConfig(),
                     relevance: _Relevance | None = None, parts: list[_Relevance] | None = None) -> list[Candidate]:
    """The opening first (the best unit holding the value asked for, a self-contained rule before an exception), then
    the supporting points in passage order: a law/guidance complement when both answer, then, one at a time, the
    unit above `keep_ratio` of the best that adds most (its score less `novelty` × the credit for question terms the
    units already chosen hold), without near-duplicates and at most `max_per_passage` per passage."""
    if not candidates:
        return []
    ranked = sorted(candidates, key=lambda c: -c.score)
    best = ranked[0].score
    # The opening is the best unit of a section the question cites, whatever its words ("sosialtjenesteloven 27 – hva
    # plikter NAV?": the caseworker named the source, and "Kommunen er forpliktet til …" is what it says); else, among
    # the units good enough to be quoted at all, the best one that holds the value asked for (when the question asks
    # for one), then one that states the rule itself and stands on its own.
    quotable = [c for c in ranked if c.score >= best * config.keep_ratio]
    cited = [c for c in ranked if c.cited]
    # a value the cited section does not hold is quoted from where it is ("klagefrist pbrl. § 7-2": «Fristen for klage
    # etter § 7-2 er fire uker …» stands in § 7-5)
    if cited and not any(c.fits_type for c in cited) and any(c.fits_type for c in quotable):
        cited = []
    typed = any(c.fits_type for c in cited or quotable)
    opening = min(cited or quotable, key=lambda c: (typed and not c.fits_type, c.exception or c.anaphoric, -c.score))
    chosen = [opening]

    def admissible(cand: Candidate) -> bool:
        return (cand not in chosen
                and sum(c.hit_rank == cand.hit_rank for c in chosen) < config.max_per_passage
                and all(_jaccard(cand.terms, c.terms) <= config.max_redundancy for c in chosen))

    # The sentence after a rule that limits it or leans on it is the rule's own condition or exception.
    follow = next((c for c in candidates if c.hit_rank == opening.hit_rank and c.position == opening.position + 1), None)
    if (config.continuation and follow is not None and len(chosen) < config.max_sentences and admissible(follow)
            and (follow.exception or follow.anaphoric or _jaccard(follow.terms, opening.terms) >= config.continuation_overlap)):
        chosen.append(follow)
    lead = list(chosen)  # the opening and its continuation stay together, first
    # A law and a guidance note or report complement each other: show one of each when both answer well.
    opening_legal = hits[opening.hit_rank].chunk.is_legal
    complement = next((c for c in ranked if hits[c.hit_rank].chunk.is_legal != opening_legal
                       and c.hit_rank < config.complement_max_rank and c.score >= best * config.complement_ratio
                       and admissible(c)), None)
    if complement is not None and len(chosen) < config.max_sentences:
        chosen.append(complement)
    # Each question a question asks gets a point: the unit that answers that part best, unless one chosen already
    # does ("…, og kan frivillige organisasjoner søke?" is not left to the first part's points).
    for part in parts or []:
        scored = [(_part_score(c, part, config), c) for c in ranked if part.overlap(c.terms) > 0 or part.fits_type(c.text)]
        if not scored or len(chosen) >= config.max_sentences:
            continue
        score, best_for_part = max(scored, key=lambda pair: pair[0])
        if best_for_part in chosen or not admissible(best_for_part):
            continue
        if max((_part_score(c, part, config) for c in chosen), default=0.0) < score * config.part_answered_ratio:
            chosen.append(best_for_part)
    pool = quotable

    def gain(cand: Candidate, covered: set[str]) -> float:
        if relevance is None or not config.novelty:
            return cand.score
        return cand.score - config.novelty * config.overlap_weight * relevance.overlap(cand.terms & covered)

    while len(chosen) < config.max_sentences:
        covered = set().union(*(c.terms for c in chosen))  # the question terms the units chosen so far hold
        gains = [(gain(c, covered), c) for c in pool if admissible(c)]
        if not gains:
            break
        chosen.append(max(gains, key=lambda pair: pair[0])[1])
    return lead + sorted(chosen[len(lead):], key=lambda c: (c.hit_rank, c.position))


class ExtractiveBackend:
    """The opening quote, then «–» supporting points, each «…» [n]. Always answers (the last fallback)."""

    name = "extractive"

    def __init__(self, config: ExtractiveConfig = ExtractiveConfig(), similarity: SentenceSimilarity | None = None) -> None:
        self.config = config
        self.similarity = similarity

    def compose(self, question: str, resolved: str, hits: list[ScoredChunk], evidence: Evidence,
                history: list[str]) -> Draft:
        config = self.config
        candidates, relevance = _scored(resolved, hits, evidence.idf, config, self.similarity)
        parts = _part_relevances(resolved, evidence.idf, config, candidates)
        chosen = select_sentences(candidates, hits, config, relevance, parts)
        numbers: dict[int, int] = {}  # hit rank → citation number, in order of first use
        quotes: dict[int, list[str]] = {}
        lines: list[str] = []
        sentences: list[tuple[str, list[int]]] = []
        used = 0
        for i, cand in enumerate(chosen):
            n = numbers.get(cand.hit_rank, len(numbers) + 1)
            frame = f"{'– ' if i else ''}«» [{n}]"
            separator = 0 if i == 0 else (2 if i == 1 else 1)
            room = min(config.max_unit_chars, config.max_chars - used - separator - len(frame))
            if i and room < 2 * config.min_sentence_chars:
                continue  # no room left for a meaningful point
            text = trim(cand.text, room, relevance.of_text)
            numbers[cand.hit_rank] = n
            quotes.setdefault(cand.hit_rank, []).append(text)
            lines.append(frame.replace("«»", f"«{text}»"))
            sentences.append((text, [n]))
            used += separator + len(lines[-1])
        citations = cite([(hits[rank], quotes[rank]) for rank in numbers])
        text = lines[0] + ("\n\n" + "\n".join(lines[1:]) if len(lines) > 1 else "") if lines else ""
        return Draft(text=text, citations=citations, sentences=sentences)
