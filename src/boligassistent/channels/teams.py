"""Microsoft Teams bot on the Microsoft 365 Agents SDK, at POST /api/messages.

Production: BOLIG_TEAMS_APP_ID / BOLIG_TEAMS_APP_PASSWORD / BOLIG_TEAMS_TENANT_ID turn on JWT validation of
incoming activities and MSAL tokens for replies. Development and tests: BOLIG_TEAMS_LOCAL_NO_AUTH=true runs the
same endpoint without authentication (emulator/loopback only). Answers are Adaptive Cards from the shared
formatting layer; the conversation (including a channel thread) is the assistant's conversation. Needs the
`teams` extra.
"""

from __future__ import annotations

import asyncio
import logging
import re

from fastapi import FastAPI, Request

from boligassistent.channels.config import TeamsConfig
from boligassistent.channels.extras import MissingExtra
from boligassistent.channels.formatting import adaptive_card, plain_text
from boligassistent.channels.gateway import AnswerGateway
from boligassistent.channels.messages import (
    ASSISTANT_NOT_READY,
    EMPTY_QUESTION_HELP,
    FEEDBACK_THANKS,
    FEEDBACK_UNKNOWN_ANSWER,
)

try:
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
except ModuleNotFoundError as exc:
    raise MissingExtra("Teams", "teams", exc) from exc

log = logging.getLogger("teams")
_AT_MENTION = re.compile(r"<at>.*?</at>", re.S)


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


def _auth(teams: TeamsConfig) -> tuple[AgentAuthConfiguration, Connections]:
    if teams.app_id:
        from microsoft_agents.authentication.msal import MsalConnectionManager

        config = AgentAuthConfiguration(client_id=teams.app_id, client_secret=teams.app_password,
                                        tenant_id=teams.tenant_id, anonymous_allowed=False)
        return config, MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})
    return AgentAuthConfiguration(anonymous_allowed=True), LocalConnections()


def mount_teams(app: FastAPI, gateway: AnswerGateway, teams: TeamsConfig) -> None:
    """The bot's endpoint at POST /api/messages."""
    if teams.local_no_auth and not teams.app_id:
        log.warning("Teams endpoint runs WITHOUT authentication (BOLIG_TEAMS_LOCAL_NO_AUTH); for the emulator and tests only")
    config, connections = _auth(teams)
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
            await context.send_activity(EMPTY_QUESTION_HELP.format(command=""))
            return
        await context.send_activity(Activity(type=ActivityTypes.typing))
        answer = await asyncio.to_thread(gateway.answer, question, conversation_id=f"teams:{activity.conversation.id}",
                                         channel="teams")
        if answer is None:
            await context.send_activity(ASSISTANT_NOT_READY)
            return
        card = CardFactory.adaptive_card(adaptive_card(answer))
        await context.send_activity(MessageFactory.attachment(card, text=plain_text(answer)))
        log.info("teams answer", extra={"answer_id": answer.answer_id, "abstained": answer.abstained})

    async def _feedback(context: TurnContext, value: dict) -> None:
        rating = "up" if value.get("rating") == "up" else "down"
        stored = await asyncio.to_thread(gateway.record_feedback, str(value.get("answer_id") or ""), rating, channel="teams")
        await context.send_activity(FEEDBACK_THANKS if stored else FEEDBACK_UNKNOWN_ANSWER)

    @app.post("/api/messages", include_in_schema=False)
    @jwt_authorization_decorator
    async def messages(request: Request):
        return await start_agent_process(request, agent, adapter)
