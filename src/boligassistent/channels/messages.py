"""User-facing texts shared by the HTTP API and the bots (Norwegian bokmål), in one place."""

from __future__ import annotations

SERVICE_NOT_READY = "Tjenesten starter eller mangler indeks. Prøv igjen om litt."  # HTTP API: no index loaded
ASSISTANT_NOT_READY = "Assistenten starter eller mangler indeks. Prøv igjen om litt."  # bots: no index loaded
INDEX_UNAVAILABLE = "Kunnskapsbasen er ikke tilgjengelig akkurat nå. Prøv igjen om litt."  # index backend unreachable
FEEDBACK_THANKS = "Takk for tilbakemeldingen!"
FEEDBACK_UNKNOWN_ANSWER = "Fant ikke svaret det gis tilbakemelding på."
ABSTAIN_TITLE = "Finner ikke svar i kildene"
EMPTY_QUESTION_HELP = "Skriv et spørsmål, for eksempel: {command}Kan en student få bostøtte?"


def rate_limited(wait_s: float) -> str:
    """The bots' reply when a user has asked too much too fast (the shared rate limiter)."""
    return f"Du har stilt mange spørsmål på kort tid. Vent {max(1, round(wait_s + 0.5))} sekunder og prøv igjen."
