"""Corpus tier: spelling variants and compounds reach the law's own wording (reference corpus, both backends).

The questions are written here, in words the law does not use: "fremleie" where husleieloven says "framleie",
"oppsigelsestid" where it says "oppsigelsesfrist"."""

from __future__ import annotations

import pytest


def _labels(result, k: int) -> list[str]:
    return [h.chunk.label for h in result.hits[:k]]


@pytest.mark.parametrize("question", [
    "Kan leietakeren fremleie en del av leiligheten uten å spørre utleier?",
    "Har en leier lov til å fremleie boligen sin når han skal jobbe et år i utlandet?",
])
def test_fremleie_reaches_husleieloven_framleie_sections(any_reference_runtime, question):
    labels = _labels(any_reference_runtime.retriever.search(question, k=3), 3)
    assert {"husleieloven § 7-3", "husleieloven § 7-4"} & set(labels), labels


@pytest.mark.parametrize("question", [
    "Hvor lang er oppsigelsestiden for en leieavtale?",
    "Hvilken oppsigelsestid gjelder når utleier vil si opp en tidsubestemt husleiekontrakt?",
])
def test_oppsigelsestid_reaches_husleieloven_9_6(any_reference_runtime, question):
    labels = _labels(any_reference_runtime.retriever.search(question, k=3), 3)
    assert "husleieloven § 9-6" in labels, labels
