"""Vague questions ("Hva gjelder her?", "Har hun rett på det?", "Hva bør vi gjøre nå?") get a clarifying
question, not a guess.

A question is vague when, after the analyzer has removed stopwords (question words, pronouns, auxiliaries),
nothing is left that names a topic: only words that any question may use (verbs like "si", "skje", "gjøre",
"søke"; nouns like "rett", "regel", "sak", "situasjon"). This is about the language, not about the corpus: a
question with one topical word ("Hvem får bostøtte?") is not vague. The reply suggests a few topics the corpus
covers (`answering.scope.CorpusScope.topics`).
"""

from __future__ import annotations

from boligassistent.text.analyzer import analyze

# Words that name no topic of their own: verbs and nouns of any question, and deictic adverbs (bokmål and nynorsk).
GENERIC_WORDS = """
si sier sa seie seier sagt skje skjer skjedde bør burde gjøre gjorde gjere hjelpe hjelp hjelper trenge trenger trengs bety betyr
finnes fins gå går gikk ta tar tok gi gir gav ga komme kommer stå står vite vet veit mene mener tenke tenker
søke søker søkt kreve krever gjelde gjeldende rett rettigheter rettighet regel regler reglene lov loven lova sak saken
saka saker ting tilfelle tilfellet situasjon situasjonen svar svare hjelpa mulighet muligheter mulig mogleg
spørsmål lurer lure tips råd gjøres handle handler akkurat nå no her der da slik sånn ok greit forstå forstår
person personen personer bruker brukeren brukar brukaren ham henne hun han dem det noe noen annet andre nok
gjer treng fekk lova lovene
""".split()
GENERIC_TERMS = frozenset(term for word in GENERIC_WORDS for term in analyze(word))

CLARIFY_TEXT = ("Jeg er ikke sikker på hva spørsmålet gjelder. Kan du si litt mer om saken, for eksempel hvilken "
                "ordning, lov eller situasjon det handler om?")
SUGGEST_TEXT = " Jeg har kilder om blant annet {topics}."


def topic_terms(question: str) -> list[str]:
    """The question's analyzer terms that name a topic (generic question words removed)."""
    return [t for t in analyze(question) if t not in GENERIC_TERMS and not t.isdigit()]


def is_vague(question: str) -> bool:
    """No word of the question names a topic."""
    return not topic_terms(question)


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " og " + items[-1]


def clarifying_question(topics: list[str]) -> str:
    """The reply to a vague question, suggesting `topics` (from the corpus) when there are any."""
    return CLARIFY_TEXT + (SUGGEST_TEXT.format(topics=_listing([f"«{t}»" for t in topics])) if topics else "")
