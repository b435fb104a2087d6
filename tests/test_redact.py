from boligassistent.text.redact import is_fodselsnummer, redact


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
