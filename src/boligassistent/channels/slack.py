"""Slack bot (slack-bolt): slash command, app mentions and direct messages on the same answering pipeline.

HTTP Events API at /slack/events with signature verification (bolt checks the signing secret and rejects
timestamps older than five minutes); Socket Mode via `boligassistent slack-socket`. A thread is a
conversation. Message contents are never logged.
"""

from __future__ import annotations

import logging
import re

from slack_bolt import App
from slack_sdk import WebClient

from boligassistent.channels.formatting import (
    FEEDBACK_THANKS,
    FEEDBACK_UNKNOWN_ANSWER,
    NOT_READY_TEXT,
    plain_text,
    slack_blocks,
)
from boligassistent.service.service import Service

log = logging.getLogger("slack")
_MENTION = re.compile(r"<@[A-Z0-9]+>")
EMPTY_HELP = "Skriv et spørsmål, for eksempel: /bolig Kan en student få bostøtte?"


def create_slack_app(service: Service) -> App:
    settings = service.settings
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_base_url)
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    app = App(token=settings.slack_bot_token, signing_secret=settings.slack_signing_secret, client=client,
              token_verification_enabled=False, logger=logging.getLogger("slack_bolt"))

    @app.command(settings.slack_command)
    def slash_command(ack, command, respond):
        ack()  # within Slack's 3 s; the answer follows through response_url
        question = (command.get("text") or "").strip()
        if not question:
            respond(text=EMPTY_HELP, response_type="ephemeral")
            return
        result = service.answer(question, conversation_id=f"slack:{command.get('channel_id')}:{command.get('user_id')}:cmd",
                                channel="slack")
        if result is None:
            respond(text=NOT_READY_TEXT, response_type="ephemeral")
            return
        respond(text=plain_text(result), blocks=slack_blocks(result), response_type="in_channel")
        log.info("slack answer", extra={"kind": "command", "answer_id": result.answer_id, "abstained": result.abstained})

    def reply_in_thread(event: dict, say) -> None:
        question = _MENTION.sub("", event.get("text") or "").strip()
        thread = event.get("thread_ts") or event.get("ts")
        if not question:
            say(text=EMPTY_HELP, thread_ts=thread)
            return
        result = service.answer(question, conversation_id=f"slack:{event.get('channel')}:{thread}", channel="slack")
        if result is None:
            say(text=NOT_READY_TEXT, thread_ts=thread)
            return
        say(text=plain_text(result), blocks=slack_blocks(result), thread_ts=thread)
        log.info("slack answer", extra={"kind": event.get("type"), "answer_id": result.answer_id, "abstained": result.abstained})

    @app.event("app_mention")
    def on_mention(event, say):
        reply_in_thread(event, say)

    @app.event("message")
    def on_message(event, say):
        if event.get("channel_type") == "im" and not event.get("bot_id") and not event.get("subtype"):
            reply_in_thread(event, say)

    @app.action(re.compile(r"^feedback_(up|down)$"))
    def on_feedback(ack, action, respond):
        ack()
        rating = "up" if action["action_id"].endswith("up") else "down"
        stored = service.record_feedback(action.get("value") or "", rating, channel="slack")
        respond(text=FEEDBACK_THANKS if stored else FEEDBACK_UNKNOWN_ANSWER, response_type="ephemeral", replace_original=False)

    return app
