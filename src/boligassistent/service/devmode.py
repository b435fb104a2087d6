"""The unauthenticated development modes (`--dev-no-auth`, the Teams local mode) are for loopback hosts only."""

from __future__ import annotations

from boligassistent.channels.loopback import is_loopback_host


class UnsafeDevMode(ValueError):
    """An unauthenticated mode was asked for on a host reachable from other machines."""


def check_dev_mode(host: str, dev_no_auth: bool, teams_local_no_auth: bool = False) -> None:
    """Raise UnsafeDevMode (with what to do instead) when an unauthenticated mode would listen beyond loopback."""
    if is_loopback_host(host):
        return
    if dev_no_auth:
        raise UnsafeDevMode(
            f"refusing to start without authentication on host {host!r}: development mode (BOLIG_DEV_NO_AUTH, "
            "--dev-no-auth) is only allowed on a loopback host (127.0.0.1, ::1, localhost). To serve other machines, "
            "set BOLIG_ADMIN_KEY and create API keys with `boligassistent keys create`; to develop, use "
            "BOLIG_HOST=127.0.0.1.")
    if teams_local_no_auth:
        raise UnsafeDevMode(
            f"refusing to start the Teams bot without authentication on host {host!r}: BOLIG_TEAMS_LOCAL_NO_AUTH is "
            "only allowed on a loopback host (127.0.0.1, ::1, localhost); in production set BOLIG_TEAMS_APP_ID, "
            "BOLIG_TEAMS_APP_PASSWORD and BOLIG_TEAMS_TENANT_ID instead.")
