"""Microsoft Teams bot on the Microsoft 365 Agents SDK, at POST /api/messages.

Production: BOLIG_TEAMS_APP_ID / BOLIG_TEAMS_APP_PASSWORD / BOLIG_TEAMS_TENANT_ID turn on the Agents SDK's JWT
validation of incoming activities (signature, audience, and the issuer against the SDK's allow-list) and MSAL tokens
for replies; as the Bot Framework auth spec requires, the token's `serviceurl` claim must equal the activity's
`serviceUrl`, and that URL must be https on an allow-listed Bot Framework host (`TeamsConfig.service_hosts`,
checked by the SDK's OutboundHostValidator). Development and tests: BOLIG_TEAMS_LOCAL_NO_AUTH=true runs the same
endpoint without authentication, and then the bot only replies to a loopback `serviceUrl` (the emulator on this
machine), so nobody can make the server send requests elsewhere. Answers are Adaptive Cards from the shared
formatting layer; the conversation (including a channel thread) is the assistant's conversation, owned by
`teams:<tenant>:<conversation>`; the shared rate limiter counts per conversation and user. Needs the `teams` extra.
"""

from __future__ import annotations

import asyncio
import logging
import re

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from boligassistent.channels.config import TeamsConfig
from boligassistent.channels.extras import MissingExtra
from boligassistent.channels.formatting import adaptive_card, plain_text
from boligassistent.channels.gateway import AnswerGateway
from boligassistent.channels.loopback import is_loopback_url
from boligassistent.channels.messages import (
    ASSISTANT_NOT_READY,
    EMPTY_QUESTION_HELP,
    FEEDBACK_THANKS,
    FEEDBACK_UNKNOWN_ANSWER,
    rate_limited,
)

try:
    from microsoft_agents.activity import Activity, ActivityTypes
    from microsoft_agents.hosting.core import (
        AgentApplication,
        AgentAuthConfiguration,
        AnonymousTokenProvider,
        AuthenticationConstants,
        CardFactory,
        ClaimsIdentity,
        Connections,
        MemoryStorage,
        MessageFactory,
        OutboundHostValidator,
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
                                        tenant_id=teams.tenant_id, anonymous_allowed=False, validate_issuer=True)
        return config, MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})
    return AgentAuthConfiguration(anonymous_allowed=True), LocalConnections()


def _host_validator(teams: TeamsConfig) -> OutboundHostValidator | None:
    """Production: the SDK checks that an activity's serviceUrl is https on an allowed host and that its host is
    the one in the token's serviceurl claim. None in local mode (loopback is checked by `_refusal`)."""
    if not teams.app_id:
        return None
    return OutboundHostValidator(list(teams.service_hosts), enabled=True, include_default_microsoft_hosts=False)


def _same_url(a: str, b: str) -> bool:
    return a.strip().rstrip("/").casefold() == b.strip().rstrip("/").casefold()


def _refusal(teams: TeamsConfig, activity: object, claims: ClaimsIdentity | None) -> str | None:
    """Why an incoming activity is refused before the bot acts on it (it would send its replies to serviceUrl)."""
    if not isinstance(activity, dict):
        return "the body is not an activity"
    service_url = activity.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url:
        return "the activity has no serviceUrl"
    if not teams.app_id:
        return None if is_loopback_url(service_url) else "local mode replies only to a loopback serviceUrl"
    claimed = claims.get_claim_value(AuthenticationConstants.SERVICE_URL_CLAIM) if claims else None
    if not isinstance(claimed, str) or not _same_url(claimed, service_url):
        return "the token's serviceurl claim does not match the activity's serviceUrl"
    return None


def _identity(activity: Activity) -> tuple[str, str]:
    """(conversation owner, rate-limit identity): `teams:<tenant>:<conversation>` and that plus the user."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = activity.conversation.tenant_id or (channel_data.get("tenant") or {}).get("id") or "-"
    owner = f"teams:{tenant}:{activity.conversation.id}"
    user = activity.from_property.aad_object_id or activity.from_property.id if activity.from_property else "-"
    return owner, f"{owner}:{user}"


def mount_teams(app: FastAPI, gateway: AnswerGateway, teams: TeamsConfig) -> None:
    """The bot's endpoint at POST /api/messages."""
    if teams.local_no_auth and not teams.app_id:
        log.warning("Teams endpoint runs WITHOUT authentication (BOLIG_TEAMS_LOCAL_NO_AUTH); for the emulator and tests "
                    "only: replies go to loopback serviceUrls only")
    config, connections = _auth(teams)
    adapter = CloudAdapter(connection_manager=connections, host_validator=_host_validator(teams))
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
        owner, caller = _identity(activity)
        wait = gateway.throttle(caller)
        if wait is not None:
            await context.send_activity(rate_limited(wait))
            return
        await context.send_activity(Activity(type=ActivityTypes.typing))
        answer = await asyncio.to_thread(gateway.answer, question, conversation_id=owner, owner=owner, channel="teams")
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
        try:
            activity = await request.json()
        except ValueError:
            activity = None
        refused = _refusal(teams, activity, getattr(request.state, "claims_identity", None))
        if refused is not None:
            log.warning("teams activity refused", extra={"reason": refused})
            return JSONResponse({"error": "activity refused"}, status_code=401)
        return await start_agent_process(request, agent, adapter)
