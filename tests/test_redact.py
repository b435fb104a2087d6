import pytest

from boligassistent.text.redact import is_account_number, is_fodselsnummer, redact


def test_fodselsnummer_checksum():
    assert is_fodselsnummer("01010100050")  # valid synthetic fødselsnummer
    assert is_fodselsnummer("41010100044")  # valid synthetic D-nummer
    assert not is_fodselsnummer("01010100051")


def test_redacts_ids_phones_and_email():
    text = "Bruker 010101 00050 ringte fra 912 34 567 og skrev til ola@example.no om 12345678901."
    out = redact(text)
    assert "00050" not in out and "[fødselsnummer]" in out
    assert "912 34 567" not in out and "[telefon]" in out
    assert "ola@example.no" not in out and "[e-post]" in out
    assert "12345678901" not in out and "[id-nummer]" in out
    assert redact("Bostøtte etter § 4 i 2012") == "Bostøtte etter § 4 i 2012"



@pytest.mark.parametrize("written", [
    "01010100050", "010101 00050", "010101  00050", "010101\t00050", "01 01 01 00050", "01.01.01 00050",
    "010101-00050", "010101 - 00050", "01.01.01-00050", "010101 000 50",
])
def test_fodselsnummer_in_any_grouping(written):
    out = redact(f"Bruker med fnr. {written}, bor i kommunal bolig.")
    assert out == "Bruker med fnr. [fødselsnummer], bor i kommunal bolig."


@pytest.mark.parametrize("written", ["1234 56 78903", "1234.56.78903", "12345678903"])
def test_bank_account_numbers(written):
    assert is_account_number("12345678903") and not is_account_number("12345678904")
    assert redact(f"Husleien betales til konto {written} hver måned.") == "Husleien betales til konto [kontonummer] hver måned."


def test_other_eleven_digit_numbers_are_still_redacted():
    assert redact("Saksnummer 12 34 56 78901 er registrert.") == "Saksnummer [id-nummer] er registrert."


@pytest.mark.parametrize("text", [
    "Etter husleieloven § 9-6 kan utleier si opp leieavtalen.",
    "Se §§ 7-3 og 7-4, kapittel 9 og lov 2009-06-19-100.",
    "Bostøtten var 12 500 kroner i 2023, mot 11 900 kroner i 2022.",
    "Mellom 2019 og 2020 økte antallet fra 1 250 000 til 1 300 000.",
    "Vedtaket av 01.01.2024 gjelder fra 15.03.2024.",
    "Kommunen har 2 771 boliger og 135 søkere på venteliste.",
])
def test_ordinary_numbers_are_left_alone(text):
    assert redact(text) == text


def test_log_lines_go_to_the_current_stderr_redacted_and_never_to_a_closed_one(monkeypatch):
    """The log handler writes to stderr as it is at each record: a stream swapped in after set-up gets the line, and
    a closed one (a finished test's capture, while a server thread still logs) is not written to."""
    import io
    import json
    import logging
    import sys

    from boligassistent.logs import setup_logging

    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    setup_logging("INFO")
    try:
        first.close()
        second = io.StringIO()
        monkeypatch.setattr(sys, "stderr", second)
        logging.getLogger("boligassistent.test").info("ring 912 34 567")
        assert json.loads(second.getvalue())["msg"] == "ring [telefon]"
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_bolig", False)]:
            root.removeHandler(handler)
