import time
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
from boligassistent.corpus.loaders.pdf_report import UnreadableDocument, parse_pdf
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


def test_a_word_hyphenated_across_a_page_break_is_joined_on_the_next_page(tmp_path):
    from tests.fixtures.make_corpus import make_pdf

    path = tmp_path / "sideskift.pdf"
    make_pdf(path, pages=[
        ["Funn", "I kommunene Tromsø og Karmøy ut-"],  # the word goes on over the page break
        ["gjorde handlingsplanen en felles plattform for samarbeid mellom tjenestene.",
         "Det gjelder helse- og omsorgstjenester, bo-"],
        ["og oppfølgingstjenester og andre tjenester."]])  # a coordinated compound: "bo- og" stays as it is
    doc = parse_pdf(path, "rapporter/sideskift.pdf")
    blocks = [(b.text, b.page) for s in doc.sections for b in s.blocks]
    assert ("I kommunene Tromsø og Karmøy", 1) in blocks
    assert any(t.startswith("utgjorde handlingsplanen en felles plattform") and page == 2 for t, page in blocks)
    text = " ".join(t for t, _ in blocks)
    assert "ut-" not in text and "bo-" in text and "og oppfølgingstjenester" in text


def test_footnote_markers_glued_to_words_are_removed_but_numbers_and_acronyms_stay(tmp_path):
    from tests.fixtures.make_corpus import make_pdf

    path = tmp_path / "fotnoter.pdf"
    make_pdf(path, pages=[
        ["Funn", "Stiftelsen Helse og Rehabilitering24 har gitt midler til kommunene i regionen.",
         "Tiltaket for en 24-åring ble evaluert i 2014 sammen med velferd7.",
         "Tjenestene PUT14 og G20 deltok.", "24 http://www.example.no/om-oss.html"]])
    text = " ".join(b.text for s in parse_pdf(path, "rapporter/fotnoter.pdf").sections for b in s.blocks)
    assert "Rehabilitering har gitt" in text and "sammen med velferd." in text
    assert "24-åring" in text and "i 2014" in text and "PUT14 og G20" in text and "24 http://www.example.no" in text
    assert "Rehabilitering24" not in text and "velferd7" not in text


def test_footnotes_set_in_the_middle_of_a_page_leave_the_running_text_for_a_section_of_their_own(tmp_path):
    from tests.fixtures.make_corpus import make_pdf

    path = tmp_path / "fotnoter-midt.pdf"
    make_pdf(path, pages=[
        ["Funn", "Familiene har hjelpere fra BUP1 og barnevernet, og G20 er et annet tall.",
         "En og samme familie kan ha kontakt med ni ulike aktører og tjenester fra barnevern,",
         "1  Barne- og ungdomspsykiatrisk poliklinikk.",  # extraction puts the page's footnotes mid-sentence
         "2  Stortinget vedtok en lovendring som trådte i kraft fra 1.",  # an ordinal: the footnote goes on
         "januar 1998. Loven gjaldt borettslag.",
         "NAV og sosialtjenesten. Tiltaket ble evaluert av forskerne»2 i 2014.",
         "7  Økt aktivitet er et nummerert punkt, ingen fotnote."],  # not the next footnote number: text
        ["Kommunene svarte på spørsmålene.", "3 https://www.example.no/rapport.pdf", "Planen ble vedtatt i 2016."]])
    doc = parse_pdf(path, "rapporter/fotnoter-midt.pdf")
    body = " ".join(b.text for s in doc.sections if s.title != "Fotnoter" for b in s.blocks)
    assert "ni ulike aktører og tjenester fra barnevern, NAV og sosialtjenesten." in body  # the sentence is whole
    assert "Stortinget" not in body and "poliklinikk" not in body and "example.no" not in body
    assert "fra BUP og barnevernet" in body and "forskerne» i 2014" in body  # the known footnotes' markers go
    assert "G20" in body and "7 Økt aktivitet er et nummerert punkt" in body
    notes = doc.sections[-1]
    assert notes.heading_path == ["Testrapport om boligsosialt arbeid", "Fotnoter"]
    assert [(b.page, b.text) for b in notes.blocks] == [
        (1, "1 Barne- og ungdomspsykiatrisk poliklinikk."),
        (1, "2 Stortinget vedtok en lovendring som trådte i kraft fra 1. januar 1998. Loven gjaldt borettslag."),
        (2, "3 https://www.example.no/rapport.pdf")]


def test_pdf_headings_nest_by_their_outline_numbers_and_footnotes_or_list_items_are_no_headings(tmp_path):
    from tests.fixtures.make_corpus import make_pdf

    path = tmp_path / "disposisjon.pdf"
    make_pdf(path, pages=[
        ["1. INNLEDNING", "Rapporten handler om samhandling i kommunene.",
         "2. SAMMENDRAG", "Kommunene samarbeider godt med Husbanken.",
         "7 NOU 2011:15 Rom for alle, s. 35",  # a footnote: no chapter 7 after chapter 2, and no dot like the chapters
         "Fotnoten viser til utredningen."],
        ["3. ROM FOR SAMHANDLING", "Kapitlet beskriver rommet for samhandling.",
         "3.2 Regionalt nivå", "Regionkontorene samarbeider med kommunene.",
         "3.2.1 Samhandling internt i Husbanken", "Husbanken samarbeider internt.",
         "Manglende kunnskapsdeling", "Regionkontorene deler lite kunnskap med hverandre.",
         "3.2.2 Samhandling med kommuner", "Avtalene med kommunene varierer.",
         "1. Spørreskjema", "Et nummerert punkt i en liste er ingen ny overskrift.",
         "Vedlegg 1 - spørreundersøkelse", "Spørsmålene gikk til alle kommunene.",
         "Veien videre", "Kommunene svarte på hva de vil gjøre videre."]])
    doc = parse_pdf(path, "rapporter/disposisjon.pdf")
    paths = {s.heading_path[-1]: s.heading_path[1:] for s in doc.sections}
    assert paths["2. SAMMENDRAG"] == ["2. SAMMENDRAG"]  # "2." is a chapter, not a subsection
    assert "7 NOU 2011:15 Rom for alle, s. 35" not in paths
    assert paths["3.2.1 Samhandling internt i Husbanken"] == [
        "3. ROM FOR SAMHANDLING", "3.2 Regionalt nivå", "3.2.1 Samhandling internt i Husbanken"]
    # an unnumbered heading is a subheading of the numbered section it stands in, and the next number closes it
    assert paths["Manglende kunnskapsdeling"] == [
        "3. ROM FOR SAMHANDLING", "3.2 Regionalt nivå", "3.2.1 Samhandling internt i Husbanken", "Manglende kunnskapsdeling"]
    assert paths["3.2.2 Samhandling med kommuner"] == [
        "3. ROM FOR SAMHANDLING", "3.2 Regionalt nivå", "3.2.2 Samhandling med kommuner"]
    assert "1. Spørreskjema" not in paths  # a numbered list item in chapter 3 is no chapter
    # an appendix is a part of its own, not a subsection of the chapter before it
    assert paths["Vedlegg 1 - spørreundersøkelse"] == ["Vedlegg 1 - spørreundersøkelse"]
    assert paths["Veien videre"] == ["Vedlegg 1 - spørreundersøkelse", "Veien videre"]
    text = " ".join(b.text for s in doc.sections for b in s.blocks)
    assert "7 NOU 2011:15 Rom for alle, s. 35" in text and "1. Spørreskjema" in text  # both stay as text


def test_a_single_numbered_heading_among_unnumbered_ones_makes_no_outline_but_capitals_rank_above_mixed_case(tmp_path):
    from tests.fixtures.make_corpus import make_pdf

    path = tmp_path / "deler.pdf"
    make_pdf(path, pages=[
        ["DEL I: Innledning", "Rapporten beskriver læringsnettverkene.",
         "1. Bedre bo- og levekår for barnefamilier", "Nettverket samlet åtte kommuner.",
         "Første samling", "Kommunene presenterte arbeidet sitt.",
         "DEL II: Oppsummering", "Nettverkene fungerte godt.",
         "IDEALFORMER AV NETTVERK", "Nettverk kan ha mange former.",
         "Styrker", "Stjernenettverket er raskt.",
         "Svakheter", "Stjernenettverket er sårbart.",
         "KONTAKTMØNSTRE", "Kommunene har ulike kontaktmønstre."]])
    paths = {s.heading_path[-1]: s.heading_path[1:] for s in parse_pdf(path, "rapporter/deler.pdf").sections}
    assert paths["Første samling"] == ["Første samling"]
    assert paths["DEL II: Oppsummering"] == ["DEL II: Oppsummering"]
    assert paths["Svakheter"] == ["IDEALFORMER AV NETTVERK", "Svakheter"]
    assert paths["KONTAKTMØNSTRE"] == ["KONTAKTMØNSTRE"]


def test_a_heading_with_no_text_that_the_next_heading_closes_is_its_caption(tmp_path):
    """A table per municipality: its name on a line of its own, then the table's head in capitals. The name must
    stay in the context of the rows below it, or a question naming the municipality cannot find them."""
    from tests.fixtures.make_corpus import make_pdf

    path = tmp_path / "tabeller.pdf"
    make_pdf(path, pages=[
        ["Resultater per kommune", "Tabellene viser sterke sider og utfordringer.",
         "Melhus", "OMRÅDE STERKE SIDER UTFORDRINGER", "Organisering: ti personer har ansvar for tildeling.",
         "Planarbeid", "God forankring i planverket.",
         "Namsos", "OMRÅDE STERKE SIDER UTFORDRINGER", "Organisering: egen boligtjeneste.",
         "OPPSUMMERING", "Kommunene er ulike.", "Styrker", "Brei kompetanse.",
         "Vedlegg", "Tabell A", "Tabell B", "Tallene er fra 2099."]])
    sections = parse_pdf(path, "rapporter/tabeller.pdf").sections
    by_text = {s.blocks[0].text: s for s in sections}
    melhus = by_text["Organisering: ti personer har ansvar for tildeling."]
    assert melhus.heading_path[1:] == ["Melhus – OMRÅDE STERKE SIDER UTFORDRINGER"]
    assert melhus.label.endswith("› Melhus – OMRÅDE STERKE SIDER UTFORDRINGER")
    assert by_text["God forankring i planverket."].heading_path[1:] == ["Melhus – OMRÅDE STERKE SIDER UTFORDRINGER",
                                                                       "Planarbeid"]
    assert by_text["Organisering: egen boligtjeneste."].heading_path[-1] == "Namsos – OMRÅDE STERKE SIDER UTFORDRINGER"
    # a heading with text of its own stays a part; one the next heading does not close stays its parent
    assert by_text["Kommunene er ulike."].heading_path[1:] == ["OPPSUMMERING"]
    assert by_text["Brei kompetanse."].heading_path[1:] == ["OPPSUMMERING", "Styrker"]
    # an empty heading above one of its own rank is an empty part, no caption
    assert by_text["Tallene er fra 2099."].heading_path[-1] == "Tabell B"


def test_a_line_ending_in_a_function_word_is_a_sentence_going_on_not_a_heading(tmp_path):
    from tests.fixtures.make_corpus import make_pdf

    path = tmp_path / "setning.pdf"
    make_pdf(path, pages=[
        ["Bakgrunn", "Prosjektet startet i 2018.",
         "Husbanken skulle bidra til å etablere en regional arena i samarbeid med",
         "Statsforvalteren i Vestland og Rogaland.",
         "Mål for arbeidet", "Kommunene skulle samarbeide bedre."]])
    doc = parse_pdf(path, "rapporter/setning.pdf")
    headings = [s.heading_path[-1] for s in doc.sections]
    assert "Bakgrunn" in headings and "Mål for arbeidet" in headings
    assert not any(h.startswith("Husbanken skulle") for h in headings)
    assert any("regional arena i samarbeid med Statsforvalteren i Vestland" in b.text for s in doc.sections for b in s.blocks)


def test_a_line_as_wide_as_the_running_text_is_a_sentence_wrapped_at_the_margin_not_a_heading(tmp_path):
    from tests.fixtures.make_corpus import make_pdf

    path = tmp_path / "ombrutt.pdf"
    body = ["Kommunen brukte lang tid på innsiktsarbeidet og refleksjoner rundt funnene i prosjektet.",
            "Kommunen hentet inspirasjon fra Askers velferdslabb, og valgte å utvikle sitt eget",
            "Veikart. Dette Veikartet er et kart over en families situasjon på viktige områder som bolig.",
            "Målet med arbeidet har vært å øke innbyggerinvolveringen i tjenesteutviklingen i kommunen.",
            "Hvordan kan kommunen følge opp familiene?", "Kommunen kan bruke veikartet i møter med familiene."]
    make_pdf(path, pages=[["Sola kommune", *body]])
    doc = parse_pdf(path, "rapporter/ombrutt.pdf")
    headings = [s.heading_path[-1] for s in doc.sections]
    assert "Sola kommune" in headings and "Hvordan kan kommunen følge opp familiene?" in headings  # a short one asks
    assert not any(h.startswith("Kommunen hentet") for h in headings)
    assert any("Askers velferdslabb, og valgte å utvikle sitt eget Veikart." in b.text for s in doc.sections for b in s.blocks)


def test_a_symbol_font_bullet_extracted_as_yy_is_a_bullet_and_its_items_are_units(tmp_path):
    from boligassistent.text.sentences import split_units
    from tests.fixtures.make_corpus import make_pdf

    path = tmp_path / "kulepunkt.pdf"
    make_pdf(path, pages=[
        ["Gode grep", "Kommunene trekker fram flere gode grep:",
         "yy Tverrfaglige møter hver måned om boligsaker.", "yy Felles kartlegging av brukernes behov.",
         "Kommunene ønsker å fortsette arbeidet."]])
    doc = parse_pdf(path, "rapporter/kulepunkt.pdf")
    text = "\n".join(b.text for s in doc.sections for b in s.blocks)
    assert "yy" not in text and "• Tverrfaglige møter hver måned om boligsaker." in text
    assert "Felles kartlegging av brukernes behov." in split_units(text)


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


@pytest.mark.parametrize("text, title", [
    ("Longyearbyen\nLongyearbyen er det største tettstedet på Svalbard.\n\nByen ligger i Adventdalen.", "Longyearbyen"),
    ("Tiltak mot bostedsløshet i kommunen\n«Bolig først» er en modell.", "Tiltak mot bostedsløshet i kommunen"),
    # prose, a hard-wrapped line, a lead-in, a one-line file and a Markdown heading are no title lines
    ("Kommunen har mange boliger.\nDe fleste er små.", "notat 7"),
    ("Kommunen har i mange år arbeidet med å skaffe\nboliger til vanskeligstilte.", "notat 7"),
    ("Dette må avklares:\nHusleie og depositum.", "notat 7"),
    ("Bare én linje uten punktum", "notat 7"),
    ("Innledning\n# Boligplan 2030\nPlanen beskriver tiltakene.", "Boligplan 2030"),
])
def test_a_plain_text_title_is_its_heading_else_a_title_line_else_the_file_name(text, title):
    from boligassistent.corpus.loaders.plain_text import parse_plain_text

    doc = parse_plain_text(text, "notat-7.txt")
    assert doc.title == title
    assert doc.sections[0].heading_path[0] == title
    blocks = [b.text for s in doc.sections for b in s.blocks]
    assert text.splitlines()[0] in " ".join(blocks)  # nothing is lost
    if doc.title == text.splitlines()[0]:  # a title line is a block of its own, not the opening of the next sentence
        assert blocks[:2] == text.split("\n\n")[0].split("\n", 1)


def test_a_title_line_heads_every_chunk_of_a_long_plain_text(tmp_path):
    from boligassistent.corpus.loaders.plain_text import parse_plain_text
    from boligassistent.indexing.chunker import ChunkerConfig, chunk_document

    body = "\n\n".join(f"Avsnitt {i}: Byen fikk lokalstyre, og mange flyttet dit for å arbeide i gruvene." for i in range(30))
    doc = parse_plain_text(f"Longyearbyen\n{body}", "a1b2c3.txt")
    chunks = chunk_document(doc, ChunkerConfig(max_chars=400, overlap_chars=0))
    assert len(chunks) > 3
    assert all(c.indexed_text.startswith("Longyearbyen") for c in chunks)  # a passage deep in the text names its subject


def test_invalid_utf8_is_unreadable(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Bostøtte".encode("latin-1"))
    with pytest.raises(UnreadableDocument, match="UTF-8"):
        load_document(SourceFile(path=path, doc_id="latin1.txt", sha256=file_hash(path)))


# --- hostile or damaged input (issue 15, Low) ---------------------------------------------------------------

@pytest.mark.parametrize("source", ["javascript:alert(document.cookie)", "JavaScript:alert(1)", "data:text/html,<b>x</b>",
                                    "file:///etc/passwd", "ittps://example.invalid/x", "//example.invalid/x",
                                    "https://exa mple.invalid/x", "vbscript:msgbox(1)"])
def test_only_http_urls_from_a_document_become_links(source):
    markup = GUIDANCE_HTML.replace("https://example.invalid/taushetsplikt; https://example.invalid/annen",
                                   f"{source}; https://example.invalid/annen")
    doc = parse_html_guidance(markup, "veiledning/taushetsplikt.html")
    assert doc.url == "https://example.invalid/annen"  # the first http(s) URL, the rest are dropped
    assert {s.url for s in doc.sections} == {"https://example.invalid/annen"}
    assert doc.meta["source"] == "https://example.invalid/annen"
    only_bad = parse_html_guidance(GUIDANCE_HTML.replace("https://example.invalid/taushetsplikt; https://example.invalid/annen",
                                                         source), "veiledning/taushetsplikt.html")
    assert only_bad.url is None and all(s.url is None for s in only_bad.sections) and "source" not in only_bad.meta


def test_a_lovdata_refid_that_is_no_url_path_gives_no_link():
    doc = parse_lovdata_markdown(LAW_MD.replace('refid: "lov/2099-01-01-1"', 'refid: "lov/x\\" onclick=\\"alert(1)"'),
                                 "lover/lov-2099-01-01-1.md")
    assert doc.url is None and all(s.url is None for s in doc.sections)


def _alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "---\n" + "\n".join(lines) + f'\ntittel: *a{levels - 1}\n---\n\n#### § 1. Føremål\n\nTekst.\n'


@pytest.mark.parametrize("front_matter", [_alias_bomb(7), "---\nself: &s [*s]\ntittel: *s\n---\n\n#### § 1. A\n\nTekst.\n"])
def test_yaml_front_matter_that_blows_up_through_aliases_is_skipped_quickly(tmp_path, front_matter):
    path = tmp_path / "lov-bombe.md"
    path.write_text(front_matter, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(UnreadableDocument, match="YAML front matter expands to more than 10000 values"):
        load_document(SourceFile(path=path, doc_id="lover/lov-bombe.md", sha256=file_hash(path)))
    assert time.perf_counter() - started < 0.5


def test_yaml_front_matter_with_a_few_aliases_still_loads():
    text = LAW_MD.replace('departement: "Testdepartementet"', 'departement: &dep "Testdepartementet"\nutgiver: *dep')
    doc = parse_lovdata_markdown(text, "lover/lov-2099-01-01-1.md")
    assert doc.publisher == "Testdepartementet" and doc.meta["utgiver"] == "Testdepartementet"


def test_yaml_front_matter_that_is_not_a_mapping_is_a_clear_skip():
    with pytest.raises(UnreadableDocument, match="YAML front matter is a list, not a mapping"):
        parse_lovdata_markdown("---\n- tittel: x\n---\n\n#### § 1. A\n\nTekst.\n", "lover/x.md")


@pytest.mark.parametrize("encoding", ["UTF-8", "utf-8", "ISO-8859-1"])
def test_xml_with_an_encoding_declaration_parses(tmp_path, encoding):
    markup = LAW_XML.replace("–", "-")  # the en dash has no ISO-8859-1 form
    path = tmp_path / "nl-20980326-017.xml"
    path.write_bytes(f'<?xml version="1.0" encoding="{encoding}"?>\n{markup}'.encode(encoding))
    doc = load_document(SourceFile(path=path, doc_id="lovdata-xml/nl-20980326-017.xml", sha256=file_hash(path)))
    assert [s.label for s in doc.sections] == ["testleieloven § 9-9", "testleieloven § 9-3a"]
    assert "Leieforholdets opphør" in doc.sections[0].heading_path[0]  # ø decoded by the declared encoding


def test_xml_with_an_unknown_declared_encoding_is_a_clear_skip(tmp_path):
    path = tmp_path / "x.xml"
    path.write_bytes(b'<?xml version="1.0" encoding="klingon-8"?>\n' + LAW_XML.encode())
    with pytest.raises(UnreadableDocument, match="unknown encoding 'klingon-8'"):
        load_document(SourceFile(path=path, doc_id="lovdata-xml/x.xml", sha256=file_hash(path)))


def test_a_repeated_lovdata_xml_article_keeps_section_ids_unique():
    start = LAW_XML.index('<article class="legalArticle" data-name="§9-3a"')
    end = LAW_XML.index("</article></section>") + len("</article>")
    doc = parse_lovdata_xml(LAW_XML[:end] + LAW_XML[start:end] + LAW_XML[end:], "lovdata-xml/nl-20980326-017.xml")
    ids = [s.section_id for s in doc.sections]
    assert ids[:2] == ["§9-9", "§9-3a"] and len(ids) == 3 and len(set(ids)) == 3


def test_every_pypdf_error_is_a_skip_with_a_reason(fixture_corpus, tmp_path):
    data = (fixture_corpus / "rapporter" / "2099-testrapport.pdf").read_bytes()
    assert b"/FlateDecode" in data
    path = tmp_path / "ukjent-filter.pdf"
    path.write_bytes(data.replace(b"/FlateDecode", b"/FlateDecodX"))  # same length: the xref table stays valid
    with pytest.raises(UnreadableDocument, match="corrupt PDF: NotImplementedError: .*FlateDecodX"):
        parse_pdf(path, "rapporter/ukjent-filter.pdf")


def test_a_repealed_section_keeps_its_repeal_note_as_its_text():
    """"§ 4. (Opphevet)" has no text but its note: it stays a section (so "Gjelder § 4 fortsatt?" is answered, and a
    cited § 4 is not taken for one the law lacks); other sections' amendment notes are still no body text."""
    repealed = LAW_MD + "\n#### § 4. (Opphevet)\n\n*Opphevet ved lov 3 jan 2099 nr. 4 (i kraft 1 juli 2099).*\n"
    doc = parse_lovdata_markdown(repealed, "lover/lov-2099-01-01-1.md")
    assert [s.section_id for s in doc.sections] == ["§1", "§2", "§3", "§4"]
    assert [b.text for b in doc.sections[3].blocks] == ["Opphevet ved lov 3 jan 2099 nr. 4 (i kraft 1 juli 2099)."]
    assert all("Endra ved" not in b.text for s in doc.sections for b in s.blocks)
