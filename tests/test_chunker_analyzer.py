from boligassistent.domain.documents import Block, Document, Section
from boligassistent.indexing.chunker import ChunkerConfig, chunk_document
from boligassistent.retrieval.fusion import rrf_fuse


def _doc(sections):
    return Document(doc_id="lover/x.md", title="Testlova", kind="lov", sections=sections, url="https://lovdata.no/lov/x")


def test_short_sections_stay_whole_and_never_merge_across_sections():
    doc = _doc([Section("§1", ["§ 1. A"], "testlova § 1", [Block("Første paragraf.", ledd=1)]),
                Section("§2", ["§ 2. B"], "testlova § 2", [Block("Andre paragraf.", ledd=1), Block("Andre ledd.", ledd=2)])])
    chunks = chunk_document(doc, ChunkerConfig(max_chars=1000, overlap_chars=100))
    assert [c.section_id for c in chunks] == ["§1", "§2"]
    assert chunks[1].text == "Andre paragraf.\nAndre ledd."
    assert chunks[1].ledd == (1, 2)
    assert chunks[1].header == "Testlova › § 2. B"
    assert chunks[1].citation() == "testlova § 2, 1.–2. ledd"


def test_a_report_is_known_by_its_publisher_in_every_context_header():
    def report(title, publisher, kind="rapport"):
        section = Section("s-1", [title, "Funn"], f"{title} › Funn", [Block("Kommunene samarbeider tett.")])
        return Document(doc_id="rapporter/r.pdf", title=title, kind=kind, sections=[section], publisher=publisher)

    assert chunk_document(report("Bolig for velferd", "Testforskning"), ChunkerConfig())[0].header == \
        "Bolig for velferd (Testforskning) › Funn"
    # a publisher the title already names, a document without one, and a law (known by its title) stay as they are
    assert chunk_document(report("Testforskning om bolig", "Testforskning"), ChunkerConfig())[0].header == \
        "Testforskning om bolig › Funn"
    assert chunk_document(report("Veileder", None, kind="veiledning"), ChunkerConfig())[0].header == "Veileder › Funn"
    assert chunk_document(report("Testlova", "Testdepartementet", kind="lov"), ChunkerConfig())[0].header == \
        "Testlova › Funn"


def test_long_units_split_on_sentences_with_overlap_and_pages():
    sentences = [f"Setning nummer {i} handler om bostøtte og husleie i kommunen." for i in range(40)]
    blocks = [Block(" ".join(sentences[:20]), page=3), Block(" ".join(sentences[20:]), page=4)]
    doc = Document(doc_id="rapporter/r.pdf", title="Rapport", kind="rapport",
                   sections=[Section("s-1", ["Rapport", "Funn"], "Rapport › Funn", blocks)])
    chunks = chunk_document(doc, ChunkerConfig(max_chars=400, overlap_chars=80))
    assert len(chunks) > 3
    assert all(len(c.text) <= 400 for c in chunks)
    for a, b in zip(chunks, chunks[1:]):  # consecutive chunks share their boundary sentence(s)
        assert a.text.split("\n")[-1] in b.text
    assert chunks[0].pages == (3, 3) and chunks[-1].pages == (4, 4)
    assert any(c.pages == (3, 4) for c in chunks)
    joined = " ".join(c.text for c in chunks)
    assert all(s in joined for s in sentences)  # nothing lost
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_weighted_rrf():
    fused = rrf_fuse([([1, 2, 3], 1.0), ([3, 1], 2.0)], k=60)
    assert fused[1] == 1 / 61 + 2 / 62
    assert fused[3] == 1 / 63 + 2 / 61
    assert fused[2] == 1 / 62
    assert max(fused, key=fused.get) == 3
