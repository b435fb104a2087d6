"""Corpus tier: answer-first composition on the reference corpus (skips without ../shared/corpus)."""

from __future__ import annotations

import re

from boligassistent.answering.backends.trim import ELLIPSIS
from boligassistent.runtime import create_assistant
from boligassistent.text.normalize import collapse_ws


def _source_text(runtime, chunk_id: str) -> str:
    chunk = runtime.index.chunk(chunk_id)
    return collapse_ws(re.sub(r"^\s*[-–•*]\s+", " ", chunk.text, flags=re.M))


def test_prison_answer_opens_with_a_rule_and_quotes_the_six_month_sentence_not_the_list(reference_runtime):
    answer = create_assistant(reference_runtime).answer(
        "Mister man bostøtten når man soner i fengsel lenger enn seks måneder?")
    assert not answer.abstained
    units = [text for text, _ in answer.sentences]
    assert 2 <= len(units) <= 4  # the opening and at most three points
    assert len(answer.text) <= reference_runtime.settings.answer_max_chars
    assert answer.text.startswith("«" + units[0])  # the opening comes first, on its own line
    assert not re.match(r"[a-zæøå]", units[0]) and not units[0].endswith(":")  # no list item or lead-in opens
    assert any("seks måneder" in unit for unit in units[:2])  # the one sentence that answers, right at the top
    assert any(c.doc_id == "veiledning/bostotte-institusjon-fengsel.html" for c in answer.citations)
    by_n = {c.n: c.chunk_id for c in answer.citations}
    for text, numbers in answer.sentences:  # verbatim, or cut at marked ellipses, from the passage it cites
        source = _source_text(reference_runtime, by_n[numbers[0]])
        assert all(piece.strip() in source for piece in text.split(ELLIPSIS)), text
