from pathlib import Path

import pytest

from boligassistent.corpus.discovery import (
    SourceFile,
    discover,
    file_hash,
    load_document,
)
from boligassistent.corpus.loaders.html_guidance import parse_html_guidance
from boligassistent.corpus.loaders.lovdata_markdown import parse_lovdata_markdown
from boligassistent.corpus.loaders.lovdata_xml import parse_lovdata_xml
from boligassistent.corpus.loaders.pdf_report import UnreadableDocument
from tests.fixtures.make_corpus import GUIDANCE_HTML, LAW_MD, LAW_XML


def _load(corpus: Path, rel: str):
    path = corpus / rel
    return load_document(SourceFile(path=path, doc_id=rel, sha256=file_hash(path)))


def test_lovdata_markdown_front_matter_paragraphs_and_ledd():
    doc = parse_lovdata_markdown(LAW_MD, "lover/lov-2099-01-01-1.md")
    assert doc.kind == "lov"
    assert doc.title == "Lov om bustøtte til testing (testlova)"
    assert doc.publisher == "Testdepartementet"
    assert doc.meta["refid"] == "lov/2099-01-01-1"
    assert [s.section_id for s in doc.sections] == ["§1", "§2", "§3"]
    student = doc.sections[1]
    assert student.label == "testlova § 2"
    assert student.url == "https://lovdata.no/lov/2099-01-01-1/§2"
    assert student.heading_path == ["Kapittel 1. Allmenne føresegner", "§ 2. Unntak for studentar"]
    assert [b.ledd for b in student.blocks] == [1, 2]
    assert all("Endra ved" not in b.text for s in doc.sections for b in s.blocks)  # amendment notes are not body text
    assert all("Overskrift tilføyd" not in b.text for s in doc.sections for b in s.blocks)
    # list items stay inside their ledd
    prison = doc.sections[2]
    assert len(prison.blocks) == 2 and "- om husleiga blir betalt." in prison.blocks[1].text
    assert prison.heading_path[0] == "Kapittel 2. Opphald i institusjon"


def test_lovdata_xml_numbers_from_data_name_and_no_footnotes_or_amendments():
    doc = parse_lovdata_xml(LAW_XML, "lovdata-xml/nl-20980326-017.xml")
    assert doc.title == "Lov om leie av testbolig (testleieloven)"
    assert doc.short_title == "testleieloven"
    assert doc.date == "2098-01-01"
    assert [s.label for s in doc.sections] == ["testleieloven § 9-9", "testleieloven § 9-3a"]
    heving = doc.sections[0]
    assert heving.url == "https://lovdata.no/lov/2098-03-26-17/§9-9"
    assert heving.heading_path == ["Kapittel 9. Leieforholdets opphør", "§ 9-9. Heving"]
    assert [b.ledd for b in heving.blocks] == [1, 2]
    assert "a. unnlater å betale husleie i tre måneder" in heving.blocks[0].text
    assert heving.blocks[1].text == "Heving skal skje skriftlig."
    text = " ".join(b.text for s in doc.sections for b in s.blocks)
    assert "Endret ved" not in text and "Fotnote" not in text


def test_html_guidance_sections_by_heading_with_meta():
    doc = parse_html_guidance(GUIDANCE_HTML, "veiledning/taushetsplikt.html")
    assert doc.kind == "veiledning"
    assert doc.title == "Taushetsplikt og samtykke"
    assert doc.date == "2099-05-01"
    assert doc.url == "https://example.invalid/taushetsplikt"
    assert doc.description == "Veiledning om taushetsplikt og samtykke."
    paths = [s.heading_path for s in doc.sections]
    assert ["Taushetsplikt og samtykke", "Deling uten samtykke", "Politiet"] in paths
    assert not any("Meny" in b.text for s in doc.sections for b in s.blocks)  # nav is not content
    deling = next(s for s in doc.sections if s.title == "Deling uten samtykke")
    assert any(b.text == "- Vurderingen skal dokumenteres." for b in deling.blocks)


def test_pdf_pages_headers_footers_dehyphenation_and_metadata(fixture_corpus):
    doc = _load(fixture_corpus, "rapporter/2099-testrapport.pdf")
    assert doc.title == "Testrapport om boligsosialt arbeid"
    assert doc.publisher == "Testforskning"
    assert doc.date == "2099-03-01"
    text = " ".join(b.text for s in doc.sections for b in s.blocks)
    assert "Testforskning - rapport" not in text  # running header removed
    assert "boligkartlegging skjer" in text  # hyphenated word joined across the line break
    funn = next(s for s in doc.sections if s.title == "Funn om bostøtte")
    assert funn.pages == (2, 2)
    assert all(b.page is not None for s in doc.sections for b in s.blocks)
    assert not any(b.text.strip() in {"1", "2", "3"} for s in doc.sections for b in s.blocks)  # page numbers removed


@pytest.mark.parametrize("name, reason", [("rapporter/odelagt.pdf", "corrupt PDF"), ("rapporter/kryptert.pdf", "encrypted PDF")])
def test_bad_pdfs_raise_clear_errors(fixture_corpus, name, reason):
    with pytest.raises(UnreadableDocument, match=reason):
        _load(fixture_corpus, name)


def test_discover_skips_unsupported_and_empty(fixture_corpus):
    files, skipped = discover(fixture_corpus)
    ids = {f.doc_id for f in files}
    assert "lover/lov-2099-01-01-1.md" in ids and "notater.txt" in ids
    assert dict(skipped) == {"bilde.png": "unsupported file type '.png'", "veiledning/tom.html": "empty file"}


def test_plain_text_fallback(fixture_corpus):
    doc = _load(fixture_corpus, "notater.txt")
    assert "Husleierestanse bør følges opp tidlig av NAV-kontoret." in doc.sections[0].text


def test_invalid_utf8_is_unreadable(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Bostøtte".encode("latin-1"))
    with pytest.raises(UnreadableDocument, match="UTF-8"):
        load_document(SourceFile(path=path, doc_id="latin1.txt", sha256=file_hash(path)))
