"""The text of an abstention, by reason, with the closest sources as a hint (except when out of domain)."""

from __future__ import annotations

from boligassistent.answering.clarify import clarifying_question
from boligassistent.domain.documents import is_legal
from boligassistent.retrieval.types import ScoredChunk

ABSTAIN_TEXT = ("Jeg finner ikke svar på dette i kildene jeg har tilgang til (lover, forskrifter, veiledere og "
                "evalueringsrapporter om boligsosialt arbeid).")
OUT_OF_DOMAIN_TEXT = ("Jeg kan bare svare på spørsmål om boligsosialt arbeid ut fra lover, forskrifter, veiledere og "
                      "evalueringsrapporter, og finner ikke noe om dette i kildene.")
LIVE_DATA_TEXT = ("Kildene mine er faste utgaver av lover, veiledere og rapporter, og jeg har ikke dagsaktuelle tall "
                  "som renter, satser eller saksbehandlingstider, og heller ikke priser, tilbud eller åpningstider. "
                  "Sjekk oppdatert informasjon hos Husbanken, NAV, tilbyderen eller den aktuelle etaten.")
OUT_OF_SCOPE_TEXT = "Jeg har ikke {names} blant kildene mine, så jeg kan ikke svare på dette."
YEAR_TEXT = "Kildene som handler om dette, sier ikke noe om {years}, så jeg kan ikke svare på det."
ANSWER_TYPE_TEXT = "Kildene mine handler om dette, men jeg finner ikke {what} som svarer på spørsmålet."
# the value an answer-type refusal says it did not find, by `text.answer_types.AnswerType` or, when the question
# names the unit it asks in ("hvor mange kroner"), by that unit (`text.answer_types.asked_unit`)
VALUE_NAMES = {"quantity": "noe tall", "count": "noe antall", "share": "noen andel", "amount": "noe beløp",
               "time": "noe tidspunkt", "duration": "noen frist eller varighet", "person": "noe navn på en person",
               "name": "noe navn", "place": "noe sted", "money": "noe beløp"}
CLOSEST_HINT = " Disse kildene ligger nærmest og kan være verdt å se på:"
_TEXTS = {"out-of-domain": OUT_OF_DOMAIN_TEXT, "live-data": LIVE_DATA_TEXT}
INPUT_REFUSALS = frozenset({"question-too-long", "empty-question"})  # reasons about the input, not the sources
TOO_LONG_TEXT = "Spørsmålet er for langt (maks {limit} tegn). Skriv det kortere, gjerne ett spørsmål om gangen."
EMPTY_TEXT = "Skriv et spørsmål, for eksempel: Kan en student få bostøtte?"


def input_refusal(reason: str, limit: int) -> str:
    """The reply to unusable input: an empty or an over-long question."""
    return TOO_LONG_TEXT.format(limit=limit) if reason == "question-too-long" else EMPTY_TEXT


def closest_sources(hits: list[ScoredChunk], n: int) -> list[dict]:
    """The best hit of each of the first `n` distinct documents."""
    seen: set[str] = set()
    out = []
    for hit in hits:
        if hit.chunk.doc_id in seen:
            continue
        seen.add(hit.chunk.doc_id)
        out.append({"chunk_id": hit.chunk.chunk_id, "doc_id": hit.chunk.doc_id, "title": hit.chunk.title,
                    "kind": hit.chunk.kind, "citation": hit.chunk.citation(), "url": hit.chunk.url})
        if len(out) >= n:
            break
    return out


def _names(names: tuple[str, ...]) -> str:
    """'a', 'a eller b', 'a, b eller c'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " eller " + names[-1]


def refusal(reason: str | None, hits: list[ScoredChunk], closest_n: int,
            missing: tuple[str, ...] = (), suggestions: tuple[str, ...] = ()) -> tuple[str, list[dict]]:
    """(text, closest sources) of an abstention for `reason`; `missing` names what the sources lack; `suggestions`:
    the topics a clarifying question (reason "vague") offers, instead of sources."""
    if reason == "vague":
        return clarifying_question(list(suggestions)), []
    closest = [] if reason == "out-of-domain" else closest_sources(hits, closest_n)
    if reason == "out-of-scope" and missing:
        text = OUT_OF_SCOPE_TEXT.format(names=_names(missing))
    elif reason == "year" and missing:
        text = YEAR_TEXT.format(years=_names(missing))
    elif reason == "answer-type" and missing:
        text = ANSWER_TYPE_TEXT.format(what=VALUE_NAMES.get(missing[-1], "noe svar"))
    else:
        text = _TEXTS.get(reason or "", ABSTAIN_TEXT)
    if closest:
        text += CLOSEST_HINT + " " + "; ".join(f"{c['citation']} ({c['title']})" if is_legal(c["kind"])
                                               else f"{c['title']}" for c in closest) + "."
    return text, closest
