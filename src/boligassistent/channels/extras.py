"""Channels whose libraries are optional extras: a clear error when one is configured but not installed."""

from __future__ import annotations


class MissingExtra(RuntimeError):
    def __init__(self, channel: str, extra: str, error: ModuleNotFoundError) -> None:
        super().__init__(f"the {channel} bot is configured, but its library is not installed ({error}); "
                         f"install it with: pip install 'boligassistent[{extra}]'")
