"""Which URLs from a document may become a link: absolute http(s) URLs with a host, nothing else.

A corpus file is input we do not control: a `<meta name="source">` of `javascript:…`, `data:…` or `file:…`
would otherwise reach the widget's and the bots' source links."""

from __future__ import annotations

from urllib.parse import urlsplit

_SCHEMES = frozenset({"http", "https"})
_FORBIDDEN = frozenset('<>"\\`')


def http_url(value: object) -> str | None:
    """`value` stripped, if it is an absolute http or https URL with a host; otherwise None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or any(ch.isspace() or not ch.isprintable() or ch in _FORBIDDEN for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    if parts.scheme.lower() not in _SCHEMES or not host:
        return None
    return url
