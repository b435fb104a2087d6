"""Extractive answering: pick the sentences of the top passages that best answer the question.

Sentences are scored by idf-weighted overlap with the question (after Norwegian analysis), the
retrieval rank of their passage, and a bonus for rule-bearing text (a § ledd, "har rett", "skal").
Selected sentences are quoted verbatim, each with a numbered citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from boligassistent.answering.citations import cite
from boligassistent.answering.evidence import Evidence
from boligassistent.answering.models import Draft
from boligassistent.domain.documents import LEGAL_KINDS
from boligassistent.retrieval.types import ScoredChunk
from boligassistent.text.analyzer import analyze
from boligassistent.text.sentences import split_sentences

_RULE_WORDS = re.compile(r"\b(har (ikkje|ikke )?rett|skal|kan|må|plikt|vilkår|frist|unntak|ikkje rett|ikke rett|gjeld(er)?)\b",
                         re.I)
_NUMBER = re.compile(r"\d")
_QUANTITY_Q = re.compile(
    r"\b(hvor (mye|mange|lang|stor|høy)|kor (mykje|mange|lang)|hvilken (dag|dato|frist)|når|prosent|beløp)\b", re.I)
_BIBLIOGRAPHY = re.compile(r"^(kilder|kjelder|referanser|litteratur(liste)?|lenker|fotnoter)$", re.I)
# Kinds that complement each other in an answer: the rule (law/regulation) and the practical guidance.
_COMPLEMENTS = (tuple(sorted(LEGAL_KINDS)), ("veiledning",))  # law and guidance complement each other


@dataclass(frozen=True)
class ExtractiveConfig:
    """Sentence scoring and selection. score = overlap_weight × idf-weighted share of the question's terms in
    the sentence + rank_weight × 1 / (1 + rank_decay × passage rank) + bonuses."""

    max_sentences: int = 5  # quoted sentences per answer
    max_per_passage: int = 3  # quoted sentences from one passage
    min_sentence_chars: int = 25  # shorter sentences are fragments (headings, list stubs)
    min_sentence_words: int = 4  # fewer words: a fragment
    overlap_weight: float = 0.7
    rank_weight: float = 0.3
    rank_decay: float = 0.35  # how fast the passage-rank prior falls (rank 0 → 1.0, rank 1 → 0.74, …)
    unknown_term_idf: float = 1.0  # weight of a question term without an idf
    rule_bonus: float = 0.08  # sentence states a rule (har rett, skal, vilkår, frist, …)
    quantity_bonus: float = 0.12  # question asks how much/many/long/when and the sentence has a number
    long_sentence_chars: int = 400  # longer sentences are penalised …
    long_sentence_penalty: float = 0.1  # … by this much
    keep_ratio: float = 0.6  # stop at sentences scoring below this share of the best sentence
    max_redundancy: float = 0.6  # skip a sentence whose term Jaccard with a chosen one exceeds this
    complement_ratio: float = 0.45  # a law/guidance complement must score at least this share of the best …
    complement_max_rank: int = 4  # … and come from one of the first passages (0-based rank below this)


@dataclass
class Candidate:
    text: str
    hit_rank: int  # 0-based rank of the passage
    position: int  # sentence position within the passage
    terms: set[str]
    score: float = 0.0


def _candidates(hits: list[ScoredChunk], config: ExtractiveConfig) -> list[Candidate]:
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        if hit.chunk.heading_path and _BIBLIOGRAPHY.match(hit.chunk.heading_path[-1].strip()):
            continue  # source lists are not answers
        for pos, sentence in enumerate(split_sentences(hit.chunk.text)):
            if len(sentence) < config.min_sentence_chars or sentence.count(" ") + 1 < config.min_sentence_words:
                continue
            out.append(Candidate(text=sentence, hit_rank=rank, position=pos, terms=set(analyze(sentence))))
    return out


def score_sentences(question: str, hits: list[ScoredChunk], idf: dict[str, float],
                    config: ExtractiveConfig = ExtractiveConfig()) -> list[Candidate]:
    q_terms = set(analyze(question))
    q_weight = sum(idf.get(t, config.unknown_term_idf) for t in q_terms) or 1.0
    wants_quantity = bool(_QUANTITY_Q.search(question))
    candidates = _candidates(hits, config)
    for cand in candidates:
        overlap = sum(idf.get(t, config.unknown_term_idf) for t in q_terms & cand.terms) / q_weight
        rank_prior = 1.0 / (1.0 + config.rank_decay * cand.hit_rank)
        bonus = 0.0
        if _RULE_WORDS.search(cand.text):
            bonus += config.rule_bonus
        if wants_quantity and _NUMBER.search(cand.text):
            bonus += config.quantity_bonus
        if len(cand.text) > config.long_sentence_chars:
            bonus -= config.long_sentence_penalty
        cand.score = overlap * config.overlap_weight + rank_prior * config.rank_weight + bonus
    return candidates


def select_sentences(candidates: list[Candidate], hits: list[ScoredChunk],
                     config: ExtractiveConfig = ExtractiveConfig()) -> list[Candidate]:
    """Greedy selection with redundancy control; keeps a law and a guidance passage when both answer."""
    if not candidates:
        return []
    ranked = sorted(candidates, key=lambda c: -c.score)
    best = ranked[0].score
    chosen: list[Candidate] = []
    per_passage: dict[int, int] = {}
    for cand in ranked:
        if len(chosen) >= config.max_sentences or cand.score < best * config.keep_ratio:
            break
        if per_passage.get(cand.hit_rank, 0) >= config.max_per_passage:
            continue
        if any(len(cand.terms & c.terms) / max(1, len(cand.terms | c.terms)) > config.max_redundancy for c in chosen):
            continue
        chosen.append(cand)
        per_passage[cand.hit_rank] = per_passage.get(cand.hit_rank, 0) + 1
    # Prefer showing both the rule (law/regulation) and the practical guidance when both were retrieved.
    kinds = {hits[c.hit_rank].chunk.kind for c in chosen}
    for group in _COMPLEMENTS:
        if kinds & set(group):
            continue
        extra = next((c for c in ranked if hits[c.hit_rank].chunk.kind in group and c.hit_rank < config.complement_max_rank
                      and c.score >= best * config.complement_ratio and c not in chosen), None)
        if extra is not None:
            if len(chosen) >= config.max_sentences:
                chosen.pop()
            chosen.append(extra)
            kinds.add(hits[extra.hit_rank].chunk.kind)
    return sorted(chosen, key=lambda c: (c.hit_rank, c.position))


def _source_intro(hit: ScoredChunk) -> str:
    chunk = hit.chunk
    if chunk.is_legal:
        return f"{chunk.label[0].upper()}{chunk.label[1:]}"
    if chunk.kind == "veiledning":
        return f"Veiledningen «{chunk.title}»"
    if chunk.kind == "rapport":
        return f"Rapporten «{chunk.title}»"
    return f"«{chunk.title}»"


class ExtractiveBackend:
    """Quotes the best sentences verbatim, grouped per passage: «…» [n]. Always answers (the last fallback)."""

    name = "extractive"

    def __init__(self, config: ExtractiveConfig = ExtractiveConfig()) -> None:
        self.config = config

    def compose(self, question: str, resolved: str, hits: list[ScoredChunk], evidence: Evidence,
                history: list[str]) -> Draft:
        chosen = select_sentences(score_sentences(resolved, hits, evidence.idf, self.config), hits, self.config)
        groups: dict[int, list[str]] = {}
        for cand in chosen:
            groups.setdefault(cand.hit_rank, []).append(cand.text)
        ordered = list(groups.items())
        citations = cite([(hits[rank], quotes) for rank, quotes in ordered])
        parts: list[str] = []
        sentences: list[tuple[str, list[int]]] = []
        for citation, (rank, quotes) in zip(citations, ordered):
            parts.append(f"{_source_intro(hits[rank])}: «{' '.join(quotes)}» [{citation.n}]")
            sentences.extend((q, [citation.n]) for q in quotes)
        return Draft(text="\n\n".join(parts), citations=citations, sentences=sentences)
