"""Errors of the corpus layer."""


class UnreadableDocument(Exception):
    """Raised for encrypted, corrupt or text-less files; the builder skips and reports them."""
