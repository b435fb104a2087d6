"""Typed configuration of the chat channels (built from Settings in runtime.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str | None = None  # xoxb-…
    signing_secret: str | None = None  # verifies requests to /slack/events
    app_token: str | None = None  # xapp-…, for Socket Mode
    command: str = "/bolig"  # the slash command
    api_base_url: str = "https://slack.com/api/"
    # requests handled at once; each holds a thread until it has answered, and a request waiting for a thread is not
    # acknowledged (Slack gives up after 3 s): bolt's own default is 5
    listener_threads: int = 32

    @property
    def events_api(self) -> bool:
        """Mount the HTTP Events API endpoint (/slack/events): needs the bot token and the signing secret."""
        return bool(self.bot_token and self.signing_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.bot_token and self.app_token)


@dataclass(frozen=True)
class TeamsConfig:
    app_id: str | None = None  # turns on JWT validation of incoming activities and MSAL tokens for replies
    app_password: str | None = None
    tenant_id: str | None = None
    local_no_auth: bool = False  # emulator/tests only: no JWT validation, no outbound credentials, loopback serviceUrl only
    # production: the hosts (or parent domains) an activity's https serviceUrl may name (Bot Framework, Teams)
    service_hosts: tuple[str, ...] = ("smba.trafficmanager.net", "botframework.com")

    @property
    def enabled(self) -> bool:
        """Mount /api/messages: with an app id, or in local (unauthenticated) mode."""
        return bool(self.app_id or self.local_no_auth)
