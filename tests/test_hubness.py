"""Hub chunks: the diagnostic (k-occurrence) and the two causes the chunker guards against (a listing section of
link titles, a very long heading repeated as every chunk's context header)."""

from __future__ import annotations

import statistics

import pytest

from boligassistent.domain.documents import Block, Chunk, Document, Section
from boligassistent.evals.dataset import load_questions
from boligassistent.evals.hubness import Probe, heading_probes, k_occurrence
from boligassistent.indexing.bm25 import BM25, BM25Config, Postings
from boligassistent.indexing.chunker import ChunkerConfig, chunk_document, is_listing
from boligassistent.indexing.terms import indexed_terms
from boligassistent.text.analyzer import analyze
from tests.conftest import SHARED_EVALS

# Invented text: a guidance note with two content sections and a "Kilder" list whose link titles name every topic.
TOPICS = ["husleie", "depositum", "bostøtte", "startlån", "utkastelse", "sosialhjelp", "fengsel", "flyktninger"]
SOURCES = [f"- Etaten: Veileder om {t} og {TOPICS[(i + 1) % len(TOPICS)]}" for i, t in enumerate(TOPICS)]


def guidance(sources_heading: str = "Kilder") -> Document:
    sections = [
        Section("s-1", ["Notat", "Depositum"], "Notat › Depositum",
                [Block("Kommunen kan stille garanti for depositum når leietaker ikke har penger til det selv.")]),
        Section("s-2", ["Notat", "Tjenester"], "Notat › Tjenester",
                [Block("Kommunen skal tilby:"), Block("- råd og veiledning"), Block("- midlertidig botilbud")]),
        Section("s-3", ["Notat", sources_heading], f"Notat › {sources_heading}", [Block(s) for s in SOURCES]),
    ]
    return Document(doc_id="veiledning/notat.html", title="Notat", kind="veiledning", sections=sections)


def test_a_list_of_sources_is_not_indexed_but_a_list_in_content_is():
    config = ChunkerConfig()
    doc = guidance()
    assert [is_listing(s, config) for s in doc.sections] == [False, False, True]
    assert [c.section_id for c in chunk_document(doc, config)] == ["s-1", "s-2"]
    assert [c.section_id for c in chunk_document(guidance("Innhaldsliste"), config)] == ["s-1", "s-2"]
    # the same items under a content heading, or items that are sentences, stay
    assert len(chunk_document(guidance("Veiledere om bolig"), config)) == 3
    prose = Section("s-4", ["Notat", "Kilder"], "Notat › Kilder", [Block("Vi har brukt mange kilder i dette notatet.")])
    assert not is_listing(prose, config)
    # laws are never cut: a § titled like a listing is still law
    law = Document(doc_id="lover/x.md", title="Testlova", kind="lov", sections=[guidance().sections[2]])
    assert len(chunk_document(law, config)) == 1


def test_a_table_of_contents_is_known_by_its_dot_leaders_whatever_its_heading():
    """PDF text of a contents page: entries with dot leaders, the page numbers often opening the next line."""
    entries = Block("Sammendrag ........................................\n8 Mål for arbeidet ....................\n"
                    "10 Krav til deltakelse . . . . . . . . . . . 11\nLitteratur ………… 40")
    contents = Section("c", ["Rapport", "Rapport om boligsosialt arbeid"], "Rapport › c", [entries, entries])
    doc = Document(doc_id="rapporter/r.pdf", title="Rapport", kind="rapport", sections=[
        contents, Section("m", ["Rapport", "Mål for arbeidet"], "Rapport › m",
                          [Block("Målet var bedre samordning av det boligsosiale arbeidet.")])])
    config = ChunkerConfig()
    assert is_listing(contents, config)
    assert [c.section_id for c in chunk_document(doc, config)] == ["m"]
    # prose with an ellipsis, or one entry among prose, is content
    prose = Section("p", ["Rapport", "Funn"], "Rapport › p", [
        Block("Kommunene nevnte tid, ressurser ... og mangel på felles mål."),
        Block("Se kapittel 3 ........ 12"), Block("Tiltakene ble evaluert i 2013."), Block("Alle deltok.")])
    assert not is_listing(prose, config)


def test_a_listing_section_is_a_lexical_hub_before_the_fix():
    """Reproduces the cause: with the list indexed, it is in the BM25 top 2 for every single-topic query."""
    all_chunks = chunk_document(guidance(), ChunkerConfig(listing_min_share=2.0))  # listing detection off
    assert len(all_chunks) == 3
    bm25 = BM25(Postings.from_tokens(indexed_terms(c) for c in all_chunks), BM25Config())
    hub = next(i for i, c in enumerate(all_chunks) if c.section_id == "s-3")
    for topic in TOPICS:
        scores = bm25.get_scores(analyze(topic))
        assert hub in sorted(range(len(all_chunks)), key=lambda i: -scores[i])[:2]


def test_a_long_heading_is_cut_in_every_context_header():
    long_heading = "FORORDNING " + " ".join(f"ord{i}" for i in range(80)) + " (personvernforordningen)"
    doc = Document(doc_id="lover/p.md", title="Personlova", kind="lov", sections=[
        Section(f"a{i}", ["Personlova", long_heading, f"Artikkel {i}"], f"personlova Artikkel {i}",
                [Block(f"Tekst i artikkel {i}.")]) for i in range(3)])
    config = ChunkerConfig(max_heading_chars=60)
    chunks = chunk_document(doc, config)
    for chunk in chunks:
        parts = chunk.header.split(" › ")
        assert parts[0] == "Personlova" and parts[-1] == chunk.heading_path[-1]
        assert all(len(p) <= 60 + 2 for p in parts) and parts[1].endswith(" …") and parts[1].startswith("FORORDNING ord0")
    assert chunks[0].heading_path[1] == long_heading  # the structure itself is unchanged (citations, outline)


def _chunk(doc: str, i: int, heading: str = "") -> Chunk:
    return Chunk(chunk_id=f"{doc}#{i}", doc_id=doc, section_id=f"s{i}", ordinal=i, text=f"tekst {i}", header="",
                 label=f"{doc} {i}", title=doc, kind="rapport", heading_path=[doc, heading] if heading else [doc])


def test_k_occurrence_counts_hubs_and_skips_the_probes_own_document():
    chunks = [_chunk("a", 1, "Tre ord her"), _chunk("a", 2, "To ord"), _chunk("b", 1, "Fire ord i heading")]
    hub = chunks[2]
    probes = heading_probes(chunks)
    assert probes == [Probe("Tre ord her", "a"), Probe("Fire ord i heading", "b")]  # short and repeated headings skipped
    probes += [Probe("spørsmål 1"), Probe("spørsmål 2")]

    def search(text: str, k: int) -> list[Chunk]:
        return [hub, chunks[0]][:k]

    report = k_occurrence(search, probes, chunks, mode="test", k=2, top=2)
    assert report.counts[hub.chunk_id] == 3  # its own heading's probe does not count
    assert report.counts[chunks[0].chunk_id] == 3  # the probe from document a does not count it either
    assert [row.n_k for row in report.top] == [3, 3] and report.median == 3 and report.share(hub.chunk_id) == 0.75
    flat = k_occurrence(lambda text, k: [], probes, chunks, mode="none")
    assert flat.median == 0 and flat.skewness == 0 and flat.top == []


# A chunk in the top 10 for more than this share of the probes (every heading of the corpus + the dev questions)
# is a hub. Before the fix the "Kilder" lists of the guidance notes reached it lexically; no content chunk does.
HUB_MAX_SHARE = 0.03


@pytest.mark.corpus
def test_no_chunk_of_the_reference_corpus_is_a_hub(reference_runtime):
    runtime = reference_runtime
    chunks = list(runtime.index.iter_chunks())
    assert not [c for c in chunks if c.heading_path and c.heading_path[-1].strip().lower() == "kilder"
                and not c.is_legal]
    assert max(len(part) for c in chunks for part in c.header.split(" › ")[1:]) <= ChunkerConfig().max_heading_chars + 2
    questions = [q for path in sorted(SHARED_EVALS.glob("dev-*.jsonl")) for q in load_questions(path)]
    probes = heading_probes(chunks) + [Probe(q.question) for q in questions]
    for mode in ("bm25", "hybrid"):
        report = k_occurrence(lambda text, k, mode=mode: [h.chunk for h in runtime.retriever.search(text, k=k, mode=mode).hits],
                              probes, chunks, mode=mode)
        worst = report.top[0]
        assert worst.n_k / report.probes < HUB_MAX_SHARE, (mode, worst, statistics.median(report.counts.values()))
