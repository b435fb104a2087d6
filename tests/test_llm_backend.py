"""Generative backend against a small real OpenAI-compatible HTTP server on loopback."""

from __future__ import annotations

import dataclasses
import json
import time

import pytest

from boligassistent.answering.followup import condense, is_follow_up
from boligassistent.runtime import create_assistant
from tests.fixtures.loopback import RecordingServer


class FakeChatServer(RecordingServer):
    """Speaks POST /v1/chat/completions; the reply is chosen per test."""

    def __init__(self) -> None:
        self.reply = ""
        super().__init__(lambda _: {"choices": [{"message": {"role": "assistant", "content": self.reply}}]})
        self.url += "/v1"

    @property
    def requests(self) -> list[dict]:
        return [{"path": r.path, "auth": r.headers.get("Authorization"), "body": json.loads(r.body)} for r in self.records]


@pytest.fixture()
def llm(fixture_runtime):
    server = FakeChatServer()
    settings = fixture_runtime.settings.model_copy(update={"llm_base_url": server.url, "llm_model": "test-model",
                                                           "llm_api_key": "sk-test", "llm_timeout_s": 1.0})
    yield server, create_assistant(dataclasses.replace(fixture_runtime, settings=settings))
    server.close()


def test_supported_sentences_kept_and_renumbered(llm):
    server, assistant = llm
    server.reply = ("Studenter uten barn i husstanden har ikke rett til bostøtte etter testlova § 2 [1]. "
                    "Månen er laget av ost [2]. Dette står i kilde [9].")
    answer = assistant.answer("Kan en student få bostøtte?")
    assert answer.backend == "llm" and not answer.abstained
    assert len(answer.sentences) == 1 and answer.sentences[0][1] == [1]  # unsupported and invalid citations removed
    assert answer.citations[0].section == "testlova § 2"
    assert "Månen" not in answer.text and answer.text.endswith("§ 2. [1]")
    request = server.requests[-1]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-test"
    assert "[1]" in request["body"]["messages"][1]["content"] and request["body"]["model"] == "test-model"


def test_unsupported_answer_falls_back_to_extractive(llm):
    server, assistant = llm
    server.reply = "Alle får alltid bostøtte uansett [1]."
    answer = assistant.answer("Kan en student få bostøtte?")
    assert answer.backend == "extractive" and answer.citations[0].section == "testlova § 2"


def test_timeout_falls_back_to_extractive(llm):
    server, assistant = llm
    server.reply = "Studenter har ikke rett til bostøtte [1]."
    server.delay = 2.0
    started = time.perf_counter()
    answer = assistant.answer("Kan en student få bostøtte?")
    assert answer.backend == "extractive" and time.perf_counter() - started < 10


def test_rule_based_follow_up_condensing():
    assert is_follow_up("hva med når det er barn i husstanden?")
    assert is_follow_up("gjelder det også varetekt?")
    assert not is_follow_up("Hvem kan få startlån fra Husbanken?")
    assert condense("gjelder det også varetekt?", ["Hva skjer med bostøtten ved soning?"]) == \
        "Hva skjer med bostøtten ved soning? gjelder det også varetekt?"
    assert condense("Hvem kan få startlån?", ["Kan en student få bostøtte?"]) == "Hvem kan få startlån?"
