"""Evidence features of a retrieval result, used for abstention, sentence selection and the answer's confidence."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from boligassistent.answering.similarity import SentenceSimilarity
from boligassistent.retrieval.arms.legal import ARM_NAME as LEGAL_ARM
from boligassistent.retrieval.sentence_rerank import best_share
from boligassistent.retrieval.types import ScoredChunk, SearchResult
from boligassistent.text.analyzer import DEFAULT_ANALYZER, analyze, plain_tokens, synonyms, word_keys
from boligassistent.text.answer_types import asked_part, asked_years
from boligassistent.text.compounds import COMMON_WORD_ZIPF, zipf
from boligassistent.text.legal_refs import law_names
from boligassistent.text.sentences import split_sentences, split_units
from boligassistent.text.thesaurus import Synonyms, with_synonyms


class TermStatistics(Protocol):
    """What evidence needs from the index (an `IndexStore` provides both)."""

    def term_idf(self, terms: list[str]) -> dict[str, float]:
        """The BM25 idf of each term, as the lexical arm scores it."""

    def chunk_terms(self, chunk_ids: list[str]) -> set[str]:
        """Union of the analyzer terms of the given chunks."""

    def known_terms(self, terms: list[str]) -> set[str]:
        """The terms that occur in at least one chunk."""


@dataclass(frozen=True)
class EvidenceConfig:
    coverage_passages: int = 4  # the top hits whose terms count as covering the question
    # confidence = coverage_weight × coverage + dense_weight × the top dense similarity scaled from
    # [dense_floor, dense_floor + dense_span] to [0, 1] (e5 cosine similarities of on-topic passages)
    coverage_weight: float = 0.6
    dense_weight: float = 0.4
    dense_floor: float = 0.75
    dense_span: float = 0.15
    sentence_passages: int = 6  # the top hits whose sentences are read (best sentence's coverage, typed values)
    agreement_depth: int = 8  # arm agreement: hits found by both the BM25 and the dense arm within this rank
    margin_depth: int = 4  # dense margin: the best dense similarity minus the mean of this many next best hits'
    similarity_passages: int = 3  # best unit similarity: the top hits whose quotable units are embedded
    min_unit_chars: int = 25  # … and the shortest unit that counts (headings and list stubs answer nothing)
    # a year the question asks about ("i 2019") must be named in one of this many top hits (text, headings or title):
    # passages that speak of other years only do not answer for it
    year_passages: int = 3
    # a question word this common in the language (Zipf) that no chunk holds is no question term here: "maks" in
    # "depositum maks beløp?" would otherwise weigh the most of all (the highest idf) and be found nowhere
    common_word_zipf: float = COMMON_WORD_ZIPF


# a name's first letter is any capital (Latin-1 and the Sámi letters too: «Grünerløkka», «Čoavddatmohkki», «Ålesund»),
# the rest letters of any kind
_UPPER = "A-ZÀ-ÖØ-ÞČĐŊŠŦŽ"
_CAPITALIZED = re.compile(rf"(?<![.!?]\s)(?<!^)\b([{_UPPER}][^\W\d_]{{2,}})\b")


def proper_nouns(question: str) -> list[str]:
    """Capitalized words that are not sentence-initial: place names, organisations, products."""
    return _CAPITALIZED.findall(question.strip())


# A person's age: "24-åring(en)", "17-åringer", "67 år gammel/gamal".
_AGE = re.compile(r"\b\d{1,3}\s*-\s*åring\w*|\b\d{1,3}\s+år\s+gamm?[ae]l\w*", re.I)
# a run of capitalized words that does not open a sentence: "Ivar Kristensen", "Viking Sky", "Røde Khmers"
_NAME_RUN = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÆØÅ][\wæøåÆØÅ-]+(?:\s+[A-ZÆØÅ][\wæøåÆØÅ-]+)*")


def question_names(question: str) -> list[tuple[str, ...]]:
    """The question's names and numbers, each as the index keys of its words: a run of capitalized words that does
    not open a sentence (a person's full name is one name), and every number of two or more digits (years,
    amounts, phone numbers). A name is found in a text only when all its words are. A person's age in a case
    ("en 24-åring", "en 67 år gammel mann") describes the case: the rules speak of "under 30 år", not of 24."""
    question = question.strip()
    names = [tuple(keys) for run in _NAME_RUN.findall(question) if (keys := word_keys(run))]
    without_ages = _AGE.sub(" ", question)
    numbers: list[tuple[str, ...]] = [(token,) for token in plain_tokens(without_ages)
                                      if sum(c.isdigit() for c in token) >= 2]
    return list(dict.fromkeys(names + numbers))


@dataclass
class Evidence:
    coverage: float  # idf-weighted share of the question's terms found in the top passages
    top_dense: float  # best cosine similarity among the hits
    missing_entities: list[str]  # proper nouns of the question absent from the top passages
    confidence: float = 0.0  # shown with the answer, 0–1
    idf: dict[str, float] = field(default_factory=dict)  # of the question's terms (reused for sentence scoring)
    sentence_coverage: float = 0.0  # idf-weighted share of the question's terms in its best sentence (with the one before)
    uncovered_idf: float = 0.0  # the summed idf of the question's terms that the top passages lack
    bm25_norm: float = 0.0  # best BM25 score / the sum of the query terms' idf (how much of the query matched)
    query_idf: float = 0.0  # the sum of the query terms' idf: how specific the question is
    arm_agreement: float = 0.0  # share of the top hits that both the BM25 and the dense arm rank within the depth
    top_bm25_rank: int | None = None  # the fused top hit's rank in the BM25 arm (None: not found by it)
    top_dense_rank: int | None = None  # … in the dense arm
    # the top document alone (its hits among the results), not the union of the top passages: when the question's
    # own document is missing, other documents share its topic words but no single one holds all of them
    topdoc_coverage: float = 0.0  # idf-weighted share of the question's terms in the top document's hits
    names_in_topdoc: float = 1.0  # share of the question's names and numbers (`question_names`) found whole there
    dense_margin: float = 0.0  # best dense similarity − the mean of the next best hits' (`margin_depth`)
    best_unit_similarity: float = 0.0  # the embedder's best question–sentence similarity in the top hits (0: not
    # measured). A passage on the topic scores well as a whole; a sentence that says what was asked scores better.
    synonyms: Synonyms = field(default_factory=dict)  # the question's terms' thesaurus synonyms (`text.analyzer`)
    sentences: list[str] = field(default_factory=list)  # the sentences of the top hits, in rank order
    headings: list[str] = field(default_factory=list)  # beside each sentence, the heading it stands under
    doc_ids: list[str] = field(default_factory=list)  # the documents of the hits, best first (distinct)
    top_section: tuple[str, str] | None = None  # (doc_id, section id) of the top hit, when it is a law's section
    missing_years: list[str] = field(default_factory=list)  # years the question asks about that no top hit names


def passage_sentences(hits: list[ScoredChunk]) -> tuple[list[str], list[str]]:
    """The sentences of the given hits, in rank order, and beside each the heading it stands under (its section's
    own heading, a law's § title, or an article's title: what the sentence is about when it does not say it:
    «Videre er husene i seg selv relativt små …» under «Pilehagen II – boliger for personer med rusproblematikk»)."""
    sentences: list[str] = []
    headings: list[str] = []
    for hit in hits:
        heading = hit.chunk.heading_path[-1] if hit.chunk.heading_path else ""
        for sentence in split_sentences(hit.chunk.text):
            sentences.append(sentence)
            headings.append(heading)
    return sentences, headings


def arm_agreement(hits: list[ScoredChunk], depth: int) -> float:
    """Share of the first `depth` hits that both the BM25 and the dense arm rank within `depth`."""
    top = hits[:depth]
    both = [h for h in top if (b := h.arm_rank("bm25")) is not None and b <= depth
            and (d := h.arm_rank("dense")) is not None and d <= depth]
    return len(both) / depth if depth else 0.0


def dense_margin(hits: list[ScoredChunk], depth: int) -> float:
    """The best dense similarity among the hits minus the mean of the next `depth` best (0 with fewer than two)."""
    scores = sorted((score for hit in hits if (score := hit.arm_score("dense")) is not None), reverse=True)
    if len(scores) < 2:
        return 0.0
    following = scores[1:1 + depth]
    return scores[0] - sum(following) / len(following)


def best_unit_similarity(question: str, hits: list[ScoredChunk], similarity: SentenceSimilarity,
                         min_chars: int) -> float:
    """The best similarity of the question to a quotable unit (sentence, list item) of the given hits."""
    units = [unit for hit in hits for unit in split_units(hit.chunk.text) if len(unit) >= min_chars]
    return max(similarity.similarities(question, units), default=0.0)


def common_unused_terms(question: str, known: Callable[[list[str]], set[str]], min_zipf: float) -> set[str]:
    """The analyzer keys of the question's words that are common in the language (Zipf ≥ `min_zipf`) and that the
    corpus never uses, neither whole nor by a compound part (`known`: which keys the index holds). A name is never
    such a word, however often the language says it ("Chelsea"): the passages must hold the names asked about."""
    names = {name.casefold() for name in proper_nouns(question)}
    out: set[str] = set()
    for token in plain_tokens(question):
        if (token.isalpha() and token.casefold() not in names and (keys := DEFAULT_ANALYZER.word(token))
                and not known(list(keys)) and zipf(token) >= min_zipf):
            out |= set(keys)
    return out


def named_law_terms(question: str) -> set[str]:
    """The index terms of the law and regulation names a question uses by their form ("bostøtteforskriften",
    "husleielova")."""
    return {term for span in law_names(question) for term in analyze(span.name)}


def measure_evidence(index: TermStatistics, result: SearchResult, config: EvidenceConfig = EvidenceConfig(),
                     similarity: SentenceSimilarity | None = None) -> Evidence:
    unused = common_unused_terms(result.query, index.known_terms, config.common_word_zipf)
    terms = [t for t in dict.fromkeys(result.query_terms) if t not in unused]
    # A question term counts as found where a text says it or a thesaurus synonym of it (what retrieval searched).
    same = synonyms(result.query)
    hit_terms = with_synonyms(index.chunk_terms([hit.chunk.chunk_id for hit in result.hits[:config.coverage_passages]]),
                              same)
    weights = index.term_idf(terms)
    total = sum(weights.values())
    coverage = sum(w for t, w in weights.items() if t in hit_terms) / total if total else 0.0
    top_dense = max((hit.arm_score("dense") or 0.0 for hit in result.hits), default=0.0)
    dense_part = min(1.0, max(0.0, (top_dense - config.dense_floor) / config.dense_span))
    sentences, headings = passage_sentences(result.hits[:config.sentence_passages])
    question_terms = set(terms)
    analyzed = [set(analyze(s)) for s in sentences]
    best_sentence = best_share(analyzed, question_terms, weights, same)
    top_bm25 = max((hit.arm_score("bm25") or 0.0 for hit in result.hits), default=0.0)
    top = result.hits[0] if result.hits else None
    topdoc_terms = with_synonyms(index.chunk_terms([hit.chunk.chunk_id for hit in result.hits
                                                    if top is not None and hit.chunk.doc_id == top.chunk.doc_id]), same)
    if top is not None and top.arm_score(LEGAL_ARM) is not None:
        # the question names the top document ("… i bostøtteforskriften?"): its name's words are found in it
        topdoc_terms = topdoc_terms | named_law_terms(result.query)
    names = question_names(result.query)
    return Evidence(
        coverage=coverage,
        top_dense=top_dense,
        missing_entities=[name for name in proper_nouns(result.query)
                          if (stems := analyze(name)) and not any(stem in hit_terms for stem in stems)],
        confidence=round(config.coverage_weight * coverage + config.dense_weight * dense_part, 3),
        idf=weights,
        sentence_coverage=best_sentence,
        uncovered_idf=sum(w for t, w in weights.items() if t not in hit_terms),
        bm25_norm=top_bm25 / total if total else 0.0,
        query_idf=total,
        arm_agreement=arm_agreement(result.hits, config.agreement_depth),
        top_bm25_rank=top.arm_rank("bm25") if top else None,
        top_dense_rank=top.arm_rank("dense") if top else None,
        topdoc_coverage=sum(w for t, w in weights.items() if t in topdoc_terms) / total if total else 0.0,
        names_in_topdoc=sum(all(key in topdoc_terms for key in name) for name in names) / len(names) if names else 1.0,
        dense_margin=dense_margin(result.hits, config.margin_depth),
        best_unit_similarity=best_unit_similarity(result.query, result.hits[:config.similarity_passages], similarity,
                                                  config.min_unit_chars) if similarity else 0.0,
        synonyms=same,
        sentences=sentences,
        headings=headings,
        doc_ids=list(dict.fromkeys(hit.chunk.doc_id for hit in result.hits)),
        top_section=(top.chunk.doc_id, top.chunk.section_id) if top is not None and top.chunk.section_id else None,
        missing_years=missing_years(result.query, result.hits[:config.year_passages]),
    )


def missing_years(question: str, hits: list[ScoredChunk]) -> list[str]:
    """The years the question asks about (`asked_years`, in the part that asks: "Kontrakten er tidsbestemt til 2028.
    Kan vi si opp leieavtalen?" asks about no year) when none of them is named by any hit, in its text, headings,
    title or document name ("rapporter/2011-…"); empty when one is (a period, "prosjektet 2018–2021", is found by
    either end: the texts write "2018-2020" and "2018- 2021" for the same plan)."""
    texts = [" ".join([hit.chunk.text, *hit.chunk.heading_path, hit.chunk.title, hit.chunk.doc_id]) for hit in hits]
    years = asked_years(asked_part(question))
    found = any(re.search(rf"(?<!\d){year}(?!\d)", text) for year in years for text in texts)
    return [] if found else years
