"""What BM25 indexes for a chunk: a report's publisher counts once per chunk (in its context header), so a question
naming the publisher does not pull the foreword above the passage that answers."""

from __future__ import annotations

from boligassistent.domain.documents import Block, Document, Section
from boligassistent.indexing.bm25 import BM25, BM25Config, Postings
from boligassistent.indexing.chunker import ChunkerConfig, chunk_document
from boligassistent.indexing.terms import indexed_terms, publisher_terms
from boligassistent.text.analyzer import analyze

# Invented text.
FOREWORD = ("Testforskning har på oppdrag fra Husbanken fulgt prosjektet. Testforskning takker kommunene. "
            "Rapporten er skrevet av forskere ved Testforskning.")
FINDING = "Kommunene i prosjektet ga studenter uten barn råd om bostøtte og hjalp dem med å søke."


def report(publisher: str | None = "Testforskning") -> Document:
    return Document(doc_id="rapporter/r.pdf", title="Samordning i kommunene", kind="rapport", publisher=publisher,
                    sections=[Section("s-1", ["Samordning i kommunene", "Forord"], "f", [Block(FOREWORD)]),
                              Section("s-2", ["Samordning i kommunene", "Funn"], "g", [Block(FINDING)])])


def test_the_publisher_named_in_the_text_counts_once_but_title_words_and_other_words_count_fully():
    foreword, finding = chunk_document(report(), ChunkerConfig())
    assert publisher_terms(foreword) == set(analyze("Testforskning"))
    terms = indexed_terms(foreword)
    for publisher in set(analyze("Testforskning")):
        assert terms.count(publisher) == 1  # the header's "(Testforskning)", not the text's three
        assert analyze(foreword.indexed_text).count(publisher) == 4
    (title_word,) = analyze("samordning")
    assert terms.count(title_word) == analyze(foreword.indexed_text).count(title_word)
    assert indexed_terms(finding) == analyze(finding.indexed_text)  # the text does not name the publisher


def test_acts_and_documents_without_a_separate_publisher_are_indexed_as_written():
    (chunk, _) = chunk_document(report(publisher=None), ChunkerConfig())
    assert publisher_terms(chunk) == set() and indexed_terms(chunk) == analyze(chunk.indexed_text)
    law = Document(doc_id="lover/l.md", title="Lov om testing (testlova)", kind="lov", publisher="Testdepartementet",
                   sections=[Section("§1", ["§ 1. Testdepartementet"], "testlova § 1",
                                     [Block("Testdepartementet gir forskrift om testing.")])])
    (section,) = chunk_document(law, ChunkerConfig())
    assert indexed_terms(section) == analyze(section.indexed_text)


def test_a_question_naming_the_publisher_ranks_the_answer_above_the_foreword():
    others = Document(doc_id="veiledning/v.html", title="Husleie", kind="veiledning", sections=[
        Section(f"s-{i}", ["Husleie", topic], topic, [Block(f"Kommunen gir råd om {topic} til leietakere.")])
        for i, topic in enumerate(["depositum", "utkastelse", "husleieøkning", "fremleie", "oppsigelse", "vedlikehold"])])
    chunks = chunk_document(report(), ChunkerConfig()) + chunk_document(others, ChunkerConfig())
    question = analyze("Hva fant Testforskning om bostøtte?")
    as_written = BM25(Postings.from_tokens(analyze(c.indexed_text) for c in chunks), BM25Config()).get_scores(question)
    indexed = BM25(Postings.from_tokens(indexed_terms(c) for c in chunks), BM25Config()).get_scores(question)
    assert as_written[0] > as_written[1]  # the foreword's three "Testforskning" win when counted three times
    assert indexed[1] > indexed[0]
