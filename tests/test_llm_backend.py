"""Generative backend against a small real OpenAI-compatible HTTP server on loopback."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.followup import condense, is_follow_up
from assistant.pipeline import Assistant
from boligassistent.runtime import Runtime


class FakeChatServer:
    """Speaks POST /v1/chat/completions; the reply is chosen per test. Records the requests it gets."""

    def __init__(self) -> None:
        self.reply = ""
        self.delay = 0.0
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                time.sleep(outer.delay)
                data = json.dumps({"choices": [{"message": {"role": "assistant", "content": outer.reply}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture()
def llm(fixture_runtime):
    server = FakeChatServer()
    settings = fixture_runtime.settings.model_copy(update={"llm_base_url": server.url, "llm_model": "test-model",
                                                           "llm_api_key": "sk-test", "llm_timeout_s": 1.0})
    runtime = Runtime(settings=settings, embedder=fixture_runtime.embedder, index=fixture_runtime.index, retriever=fixture_runtime.retriever)
    yield server, Assistant(runtime)
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
