"""Redaction of personal data: fødselsnummer/D-nummer and bank account numbers (11 digits in any usual grouping,
told apart by their check digits), phone numbers, e-mail. Names are not detected.

An 11-digit number is redacted however it is written: `01019012345`, `010190 12345`, `010190  12345`,
`01 01 90 12345`, `01.01.90 12345`, `010190-12345`, `1234 56 78903`, `1234.56.78903`. Shorter numbers (years,
§ numbers, amounts such as `12 500`) are left alone.
"""

from __future__ import annotations

import re

# 11 digits as a fødselsnummer (date ddmmyy, then 5 digits) or an account number (4.2.5) may be grouped: date
# parts or account groups split by one space or dot, then up to three spaces, tabs, dots or hyphens
_ELEVEN_DIGITS = re.compile(r"(?<![\d])(\d{2})[ .]?(\d{2})[ .]?(\d{2})[ \t.-]{0,3}(\d{3})[ .]?(\d{2})(?!\d)")
_MOD11_ACCOUNT = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
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


def is_account_number(digits: str) -> bool:
    """True for a Norwegian bank account number (11 digits, mod-11 check digit)."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    check = 11 - sum(w * int(c) for w, c in zip(_MOD11_ACCOUNT, digits)) % 11
    return check != 10 and (0 if check == 11 else check) == int(digits[10])


def _label(digits: str) -> str:
    if is_fodselsnummer(digits):
        return "[fødselsnummer]"
    return "[kontonummer]" if is_account_number(digits) else "[id-nummer]"


def redact(text: str) -> str:
    if not text:
        return text
    text = _ELEVEN_DIGITS.sub(lambda match: _label("".join(match.groups())), text)
    text = _EMAIL.sub("[e-post]", text)
    text = _PHONE.sub("[telefon]", text)
    return text
