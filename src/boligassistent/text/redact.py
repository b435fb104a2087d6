"""Redaction of personal data: fødselsnummer/D-nummer (checksum-validated), phone numbers, e-mail."""

from __future__ import annotations

import re

_ELEVEN_DIGITS = re.compile(r"(?<!\d)(\d{6})[ .-]?(\d{5})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w])(\+47[ -]?|0047[ -]?)?(\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}|\d{3}[ ]?\d{2}[ ]?\d{3})(?![\w])")


def is_fodselsnummer(digits: str) -> bool:
    """True for a valid Norwegian fødselsnummer or D-nummer (both mod-11 check digits)."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    d = [int(c) for c in digits]
    w1 = [3, 7, 6, 1, 8, 9, 4, 5, 2]
    w2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
    k1 = 11 - sum(a * b for a, b in zip(w1, d[:9])) % 11
    k1 = 0 if k1 == 11 else k1
    k2 = 11 - sum(a * b for a, b in zip(w2, d[:10])) % 11
    k2 = 0 if k2 == 11 else k2
    if k1 == 10 or k2 == 10 or k1 != d[9] or k2 != d[10]:
        return False
    day = d[0] * 10 + d[1]
    month = d[2] * 10 + d[3]
    if day > 40:  # D-nummer: first digit + 4
        day -= 40
    if month > 40:  # H-nummer / synthetic test numbers
        month -= 40
    return 1 <= day <= 31 and 1 <= month <= 12


def redact(text: str) -> str:
    if not text:
        return text

    def _id(match: re.Match[str]) -> str:
        digits = match.group(1) + match.group(2)
        return "[fødselsnummer]" if is_fodselsnummer(digits) else "[id-nummer]"

    text = _ELEVEN_DIGITS.sub(_id, text)
    text = _EMAIL.sub("[e-post]", text)
    text = _PHONE.sub("[telefon]", text)
    return text
