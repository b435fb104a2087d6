"""Loopback hosts and URLs: the only places the unauthenticated development modes may listen on or send to."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "localhost."})


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 (also bracketed or IPv4-mapped) or the name `localhost`; never resolved through DNS."""
    host = host.strip().strip("[]").casefold()
    if host in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool((mapped or address).is_loopback)


def is_loopback_url(url: str) -> bool:
    """An http(s) URL without user info whose host is a loopback host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and host is not None and not parts.username and is_loopback_host(host)
