"""Microsoft Teams bot on the Microsoft 365 Agents SDK, at POST /api/messages.

Production: BOLIG_TEAMS_APP_ID / BOLIG_TEAMS_APP_PASSWORD / BOLIG_TEAMS_TENANT_ID turn on JWT validation of
incoming activities and MSAL tokens for replies. Development and tests: BOLIG_TEAMS_LOCAL_NO_AUTH=true runs the
same endpoint without authentication (emulator/loopback only). Answers are Adaptive Cards from the shared
formatting layer; the conversation (including a channel thread) is the assistant's conversation.
"""

from __future__ import annotations

import asyncio
import logging
import re

from fastapi import FastAPI, Request
from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    CardFactory,
    Connections,
    MemoryStorage,
    MessageFactory,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.fastapi import (
    CloudAdapter,
    jwt_authorization_decorator,
    start_agent_process,
)

from boligassistent.channels.formatting import (
    FEEDBACK_THANKS,
    FEEDBACK_UNKNOWN_ANSWER,
    NOT_READY_TEXT,
    adaptive_card,
    plain_text,
)
from boligassistent.service.service import Service

log = logging.getLogger("teams")
_AT_MENTION = re.compile(r"<at>.*?</at>", re.S)
EMPTY_HELP = "Skriv et spørsmål, for eksempel: Kan en student få bostøtte?"


class LocalConnections(Connections):
    """No credentials: only for the emulator and loopback tests (BOLIG_TEAMS_LOCAL_NO_AUTH=true)."""

    def get_connection(self, connection_name):
        return AnonymousTokenProvider()

    def get_default_connection(self):
        return AnonymousTokenProvider()

    def get_token_provider(self, claims_identity, service_url):
        return AnonymousTokenProvider()

    def get_token_provider_from_activity(self, *args, **kwargs):
        return AnonymousTokenProvider()

    def get_default_connection_configuration(self):
        return AgentAuthConfiguration(anonymous_allowed=True)


def _auth(settings) -> tuple[AgentAuthConfiguration, Connections]:
    if settings.teams_app_id:
        from microsoft_agents.authentication.msal import MsalConnectionManager

        config = AgentAuthConfiguration(client_id=settings.teams_app_id, client_secret=settings.teams_app_password,
                                        tenant_id=settings.teams_tenant_id, anonymous_allowed=False)
        return config, MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})
    return AgentAuthConfiguration(anonymous_allowed=True), LocalConnections()


def mount_teams(app: FastAPI, service: Service) -> None:
    config, connections = _auth(service.settings)
    adapter = CloudAdapter(connection_manager=connections)
    agent = AgentApplication[TurnState](storage=MemoryStorage(), adapter=adapter, connection_manager=connections)
    app.state.agent_configuration = config

    @agent.activity("message")
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        value = activity.value if isinstance(activity.value, dict) else None
        if value and value.get("action") == "feedback":
            await _feedback(context, value)
            return
        question = _AT_MENTION.sub("", activity.text or "").strip()
        if not question:
            await context.send_activity(EMPTY_HELP)
            return
        await context.send_activity(Activity(type=ActivityTypes.typing))
        answer = await asyncio.to_thread(service.answer, question, conversation_id=f"teams:{activity.conversation.id}", channel="teams")
        if answer is None:
            await context.send_activity(NOT_READY_TEXT)
            return
        await context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(adaptive_card(answer)), text=plain_text(answer)))
        log.info("teams answer", extra={"answer_id": answer.answer_id, "abstained": answer.abstained})

    async def _feedback(context: TurnContext, value: dict) -> None:
        rating = "up" if value.get("rating") == "up" else "down"
        stored = service.record_feedback(str(value.get("answer_id") or ""), rating, channel="teams")
        await context.send_activity(FEEDBACK_THANKS if stored else FEEDBACK_UNKNOWN_ANSWER)

    @app.post("/api/messages", include_in_schema=False)
    @jwt_authorization_decorator
    async def messages(request: Request):
        return await start_agent_process(request, agent, adapter)
