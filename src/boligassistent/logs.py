"""Structured JSON log lines with personal data redacted before anything is written."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from boligassistent.service.context import request_id  # set per HTTP request by the service middleware
from boligassistent.text.redact import redact

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname, "logger": record.name,
                   "msg": redact(record.getMessage())}
        rid = request_id.get()
        if rid:
            payload["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes each record to the process's stderr as it is when the record is written, so a stream swapped in after
    set-up (a test's output capture, a daemon's redirect) is followed, and one closed since is never written to."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def setup_logging(level: str = "INFO", log_file: Path | None = None) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_bolig", False):
            root.removeHandler(handler)
    handlers: list[logging.Handler] = [_StderrHandler()]
    if log_file:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
        handler._bolig = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "faiss", "urllib3", "bm25s", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
