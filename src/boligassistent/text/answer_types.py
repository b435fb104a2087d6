"""What kind of value a Norwegian question asks for, and whether a sentence holds such a value.

Rules about the language (question words, bokmål and nynorsk), not about particular questions:
- quantity: "hvor mye/mange/stor/høy/gammel", "kor mykje/mange", "hva kostet", "hvilket beløp", "hvor mange prosent";
- time: a question opening with "når", "hvilket år/dato/dag/måned", "hvor/kor lenge", "hvor lang tid", "frist";
- name: a question opening with "hvem" or "kven", "hva heter", "hvilken organisasjon/kommune/…";
- place: a question opening with "hvor"/"kor" (where), "hvilket sted/land/…".
A "når" inside a question ("hva skjer når …") is a condition, not a time question.
"""

from __future__ import annotations

import re
from enum import StrEnum


class AnswerType(StrEnum):
    QUANTITY = "quantity"
    TIME = "time"
    NAME = "name"
    PLACE = "place"


_Q = re.IGNORECASE
_TIME_Q = re.compile(r"^\W*(og\s+)?(når|kva tid)\b|\bhvilk(e|en|et)\s+(år|dato|dag|måned|tidspunkt|periode)\b"
                     r"|\b(hvor|kor)\s+lenge\b|\bhvor\s+lang\s+tid\b|\bfrist\w*\b|\b\w+frist(en)?\b", _Q)
_QUANTITY_Q = re.compile(r"\b(hvor|kor)\s+(mye|mykje|mange|stor|store|høy|høg|gammel|gamal|langt|lang|ofte|tung)\b"
                         r"|\bhva\s+kost(er|et|a)\b|\bkva\s+kosta\b|\bhvilke[nt]?\s+(beløp|sum|andel|prosent(andel)?)\b"
                         r"|\bhvor\s+mange\s+prosent\b", _Q)
_NAME_Q = re.compile(r"^\W*(hvem|kven)\b|\bhva\s+het(er|te)\b|\bkva\s+heiter\b"
                     r"|\bhvilk(e|en|et)\s+(organisasjon|parti|firma|selskap|etat|departement|person|klubb|lag|avis"
                     r"|bedrift|forening|band|film|bok)\w*\b", _Q)
_PLACE_Q = re.compile(r"^\W*(hvor|kor)\b(?!\s+(mye|mykje|mange|stor|store|høy|høg|gammel|gamal|langt?|lenge|ofte|tung))"
                      r"|\bhvilke[nt]?\s+(sted|land|by|kommune|fylke|bydel|område)\w*\b", _Q)

_NUMBER_WORDS = (r"to|tre|fire|fem|seks|sju|syv|åtte|ti|elleve|tolv|femten|tjue|tretti|førti|femti|hundre|tusen"
                 r"|millioner|million|milliarder|milliard|halvparten|dobbelt|tredjedel(er)?|fjerdedel(er)?")
_DIGITS = r"\d+(?:[.,]\d+)*"
_NUMBER = re.compile(rf"{_DIGITS}|\b({_NUMBER_WORDS})\b", _Q)
_TIME_VALUE = re.compile(rf"{_DIGITS}|\b(januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember"
                         r"|mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag|vår(en)?|høst(en)?|sommer(en)?|vinter(en)?"
                         rf"|i fjor|{_NUMBER_WORDS})\b", _Q)
# A capitalized word that does not open the sentence (a name), or an acronym anywhere.
_NAME_VALUE = re.compile(r"(?<=[^.!?:\s]\s)[A-ZÆØÅ][\wÆØÅæøå-]+|\b[A-ZÆØÅ]{2,}\b")

# Numbers that cite a provision, not a value: "§ 24", "§§ 7-3 og 7-4", "nr. 6", "kapittel 9", "annet ledd".
_PROVISION = re.compile(r"(§§?|\bnr\.|\bkap\.|\bkapittel|\bpkt\.|\bpunkt|\bbokstav)\s*\d+[\w-]*"
                        r"(\s*(,|og|eller|–|-)\s*\d+[\w-]*)*", re.I)

_VALUES = {AnswerType.QUANTITY: _NUMBER, AnswerType.TIME: _TIME_VALUE, AnswerType.NAME: _NAME_VALUE,
           AnswerType.PLACE: _NAME_VALUE}


def expected_answer_type(question: str) -> AnswerType | None:
    """The kind of value the question asks for; None for questions about rules, reasons or yes/no."""
    for kind, pattern in ((AnswerType.TIME, _TIME_Q), (AnswerType.QUANTITY, _QUANTITY_Q), (AnswerType.NAME, _NAME_Q),
                          (AnswerType.PLACE, _PLACE_Q)):
        if pattern.search(question):
            return kind
    return None


def holds_value(kind: AnswerType, sentence: str, question: str = "") -> bool:
    """True when the sentence holds a value of that kind (a number, a date or duration, a name) that the question
    does not already name: "I 1999 ble hun kåret …" does not answer "Hvem ble i 1999 kåret …?"."""
    asked = question.casefold()
    text = _PROVISION.sub(" ", sentence)
    return any(match.group(0).casefold() not in asked for match in _VALUES[kind].finditer(text))
