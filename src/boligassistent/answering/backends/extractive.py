"""Extractive answering: pick the sentences of the top passages that best answer the question.

Sentences are scored by idf-weighted overlap with the question (after Norwegian analysis), the
retrieval rank of their passage, and a bonus for rule-bearing text (a § ledd, "har rett", "skal").
Selected sentences are quoted verbatim, each with a numbered citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from boligassistent.retrieval.retriever import ScoredChunk
from boligassistent.text.analyzer import analyze
from boligassistent.text.sentences import split_sentences

_RULE_WORDS = re.compile(r"\b(har (ikkje|ikke )?rett|skal|kan|må|plikt|vilkår|frist|unntak|ikkje rett|ikke rett|gjeld(er)?)\b", re.I)
_NUMBER = re.compile(r"\d")
_QUANTITY_Q = re.compile(r"\b(hvor (mye|mange|lang|stor|høy)|kor (mykje|mange|lang)|hvilken (dag|dato|frist)|når|prosent|beløp)\b", re.I)


@dataclass
class Candidate:
    text: str
    hit_rank: int  # 0-based rank of the passage
    position: int  # sentence position within the passage
    terms: set[str]
    score: float = 0.0


_BIBLIOGRAPHY = re.compile(r"^(kilder|kjelder|referanser|litteratur(liste)?|lenker|fotnoter)$", re.I)


def _candidates(hits: list[ScoredChunk]) -> list[Candidate]:
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        if hit.chunk.heading_path and _BIBLIOGRAPHY.match(hit.chunk.heading_path[-1].strip()):
            continue  # source lists are not answers
        for pos, sentence in enumerate(split_sentences(hit.chunk.text)):
            if len(sentence) < 25 or sentence.count(" ") < 3:
                continue
            out.append(Candidate(text=sentence, hit_rank=rank, position=pos, terms=set(analyze(sentence))))
    return out


def score_sentences(question: str, hits: list[ScoredChunk], idf: dict[str, float]) -> list[Candidate]:
    q_terms = set(analyze(question))
    q_weight = sum(idf.get(t, 1.0) for t in q_terms) or 1.0
    wants_quantity = bool(_QUANTITY_Q.search(question))
    candidates = _candidates(hits)
    for cand in candidates:
        overlap = sum(idf.get(t, 1.0) for t in q_terms & cand.terms) / q_weight
        rank_prior = 1.0 / (1.0 + 0.35 * cand.hit_rank)
        bonus = 0.0
        if _RULE_WORDS.search(cand.text):
            bonus += 0.08
        if wants_quantity and _NUMBER.search(cand.text):
            bonus += 0.12
        if len(cand.text) > 400:
            bonus -= 0.1
        cand.score = overlap * 0.7 + rank_prior * 0.3 + bonus
    return candidates


def select_sentences(candidates: list[Candidate], hits: list[ScoredChunk], max_sentences: int = 5,
                     max_per_passage: int = 3) -> list[Candidate]:
    """Greedy selection with redundancy control; keeps a law and a guidance passage when both answer."""
    if not candidates:
        return []
    ranked = sorted(candidates, key=lambda c: -c.score)
    best = ranked[0].score
    chosen: list[Candidate] = []
    per_passage: dict[int, int] = {}
    for cand in ranked:
        if len(chosen) >= max_sentences or cand.score < best * 0.6:
            break
        if per_passage.get(cand.hit_rank, 0) >= max_per_passage:
            continue
        if any(len(cand.terms & c.terms) / max(1, len(cand.terms | c.terms)) > 0.6 for c in chosen):
            continue
        chosen.append(cand)
        per_passage[cand.hit_rank] = per_passage.get(cand.hit_rank, 0) + 1
    # Prefer showing both the rule (law/regulation) and the practical guidance when both were retrieved.
    kinds = {hits[c.hit_rank].chunk.kind for c in chosen}
    for wanted in ("lov", "forskrift", "veiledning"):
        group = {"lov": ("lov", "forskrift"), "forskrift": ("lov", "forskrift"), "veiledning": ("veiledning",)}[wanted]
        if kinds & set(group):
            continue
        extra = next((c for c in ranked if hits[c.hit_rank].chunk.kind in group and c.hit_rank < 4 and c.score >= best * 0.45
                      and c not in chosen), None)
        if extra is not None:
            if len(chosen) >= max_sentences:
                chosen.pop()
            chosen.append(extra)
            kinds.add(hits[extra.hit_rank].chunk.kind)
    return sorted(chosen, key=lambda c: (c.hit_rank, c.position))
