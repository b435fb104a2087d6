"""Slack bot (slack-bolt): slash command, app mentions and direct messages on the same answering pipeline.

HTTP Events API at /slack/events with signature verification (bolt checks the signing secret and rejects
timestamps older than five minutes); bolt's dispatch runs in a worker thread, never on the event loop, and the
answers in bolt's listener threads. Socket Mode via `boligassistent slack-socket`. A thread is a conversation of
each user in it, owned by `slack:<team>:<user>`; every user is rate-limited by the service's shared limiter.
Message contents are never logged. Needs the `slack` extra.
"""

from __future__ import annotations

import asyncio
import logging
import re
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI, Request
from fastapi.responses import Response

from boligassistent.channels.config import SlackConfig
from boligassistent.channels.extras import MissingExtra
from boligassistent.channels.formatting import plain_text, slack_blocks
from boligassistent.channels.gateway import AnswerGateway
from boligassistent.channels.messages import (
    ASSISTANT_NOT_READY,
    EMPTY_QUESTION_HELP,
    FEEDBACK_THANKS,
    FEEDBACK_UNKNOWN_ANSWER,
    rate_limited,
)

try:
    from slack_bolt import App
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
    from slack_sdk import WebClient
except ModuleNotFoundError as exc:
    raise MissingExtra("Slack", "slack", exc) from exc

log = logging.getLogger("slack")
_MENTION = re.compile(r"<@[A-Z0-9]+>")


def create_slack_app(gateway: AnswerGateway, config: SlackConfig) -> App:
    client = WebClient(token=config.bot_token, base_url=config.api_base_url)
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    app = App(token=config.bot_token, signing_secret=config.signing_secret, client=client,
              token_verification_enabled=False, logger=logging.getLogger("slack_bolt"),
              listener_executor=ThreadPoolExecutor(max_workers=config.listener_threads, thread_name_prefix="slack"))
    empty_help = EMPTY_QUESTION_HELP.format(command=config.command + " ")

    @app.command(config.command)
    def slash_command(ack, command, respond, context):
        ack()  # within Slack's 3 s; the answer follows through response_url
        question = (command.get("text") or "").strip()
        if not question:
            respond(text=empty_help, response_type="ephemeral")
            return
        owner = slack_identity(command.get("team_id") or context.team_id, command.get("user_id"))
        wait = gateway.throttle(owner)
        if wait is not None:
            respond(text=rate_limited(wait), response_type="ephemeral")
            return
        result = gateway.answer(question, conversation_id=f"{owner}:{command.get('channel_id')}:cmd", owner=owner,
                                channel="slack")
        if result is None:
            respond(text=ASSISTANT_NOT_READY, response_type="ephemeral")
            return
        respond(text=plain_text(result), blocks=slack_blocks(result), response_type="in_channel")
        log.info("slack answer", extra={"kind": "command", "answer_id": result.answer_id, "abstained": result.abstained})

    def reply_in_thread(event: dict, say, team_id: str | None) -> None:
        question = _MENTION.sub("", event.get("text") or "").strip()
        thread = event.get("thread_ts") or event.get("ts")
        if not question:
            say(text=empty_help, thread_ts=thread)
            return
        owner = slack_identity(team_id or event.get("team"), event.get("user"))
        wait = gateway.throttle(owner)
        if wait is not None:
            say(text=rate_limited(wait), thread_ts=thread)
            return
        result = gateway.answer(question, conversation_id=f"{owner}:{event.get('channel')}:{thread}", owner=owner,
                                channel="slack")
        if result is None:
            say(text=ASSISTANT_NOT_READY, thread_ts=thread)
            return
        say(text=plain_text(result), blocks=slack_blocks(result), thread_ts=thread)
        log.info("slack answer", extra={"kind": event.get("type"), "answer_id": result.answer_id, "abstained": result.abstained})

    @app.event("app_mention")
    def on_mention(event, say, context):
        reply_in_thread(event, say, context.team_id)

    @app.event("message")
    def on_message(event, say, context):
        if event.get("channel_type") == "im" and not event.get("bot_id") and not event.get("subtype"):
            reply_in_thread(event, say, context.team_id)

    @app.action(re.compile(r"^feedback_(up|down)$"))
    def on_feedback(ack, action, respond):
        ack()
        rating = "up" if action["action_id"].endswith("up") else "down"
        stored = gateway.record_feedback(action.get("value") or "", rating, channel="slack")
        respond(text=FEEDBACK_THANKS if stored else FEEDBACK_UNKNOWN_ANSWER, response_type="ephemeral", replace_original=False)

    return app


def slack_identity(team_id: str | None, user_id: str | None) -> str:
    """A Slack user as the owner of their conversations and the key of their rate limit."""
    return f"slack:{team_id or '-'}:{user_id or '-'}"


def mount_slack(app: FastAPI, gateway: AnswerGateway, config: SlackConfig) -> None:
    """The Events API endpoint (slash commands, events and button actions) at POST /slack/events. Bolt's dispatch
    is synchronous (it verifies the signature and waits for the listener's ack()), so it runs in a worker thread:
    a busy bot never stalls the event loop and with it every other request."""
    bolt = create_slack_app(gateway, config)

    @app.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        bolt_request = to_bolt_request(request, await request.body())
        return to_starlette_response(await asyncio.to_thread(bolt.dispatch, bolt_request))


def run_socket_mode(gateway: AnswerGateway, config: SlackConfig) -> None:
    """Serve the bot over Socket Mode (no public URL needed); blocks."""
    SocketModeHandler(create_slack_app(gateway, config), config.app_token).start()
