"""API keys (stored hashed, with scopes and allowed origins) and a per-key rate limiter."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

SCOPES = ("query", "admin")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    scopes: frozenset[str]
    origins: tuple[str, ...] = ()


class KeyStore:
    """Keys live in the state database; only their SHA-256 is stored. The admin key may come from env."""

    def __init__(self, db_path: Path, admin_key: str | None = None) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(db_path), check_same_thread=False, isolation_level=None)
        self._db.execute("CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, name TEXT, hash TEXT UNIQUE, scopes TEXT, "
                         "origins TEXT, created REAL)")
        self._lock = threading.Lock()
        self._admin_hash = hash_key(admin_key) if admin_key else None

    def create(self, name: str, scopes: list[str], origins: list[str] | None = None) -> tuple[ApiKey, str]:
        bad = [s for s in scopes if s not in SCOPES]
        if bad or not scopes:
            raise ValueError(f"unknown scope(s) {bad}; use {SCOPES}")
        secret = "bk_" + secrets.token_urlsafe(32)
        key = ApiKey(key_id=uuid.uuid4().hex[:12], name=name, scopes=frozenset(scopes), origins=tuple(origins or ()))
        with self._lock:
            self._db.execute("INSERT INTO api_keys VALUES (?,?,?,?,?,?)",
                             (key.key_id, name, hash_key(secret), ",".join(sorted(scopes)), ",".join(key.origins), time.time()))
        return key, secret

    def revoke(self, key_id: str) -> bool:
        with self._lock:
            return bool(self._db.execute("DELETE FROM api_keys WHERE id=?", (key_id,)).rowcount)

    def list(self) -> list[ApiKey]:
        with self._lock:
            rows = self._db.execute("SELECT id, name, scopes, origins FROM api_keys ORDER BY created").fetchall()
        return [ApiKey(r[0], r[1], frozenset(filter(None, r[2].split(","))), tuple(filter(None, r[3].split(",")))) for r in rows]

    def lookup(self, secret: str) -> ApiKey | None:
        digest = hash_key(secret)
        if self._admin_hash and hmac.compare_digest(digest, self._admin_hash):
            return ApiKey("admin-env", "admin (env)", frozenset(SCOPES))
        with self._lock:
            row = self._db.execute("SELECT id, name, scopes, origins FROM api_keys WHERE hash=?", (digest,)).fetchone()
        if row is None:
            return None
        return ApiKey(row[0], row[1], frozenset(filter(None, row[2].split(","))), tuple(filter(None, row[3].split(","))))

    def all_origins(self) -> set[str]:
        return {o for key in self.list() for o in key.origins}


@dataclass
class RateLimiter:
    """Token bucket per key: `per_minute` requests, refilled continuously."""

    per_minute: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, key: str) -> float | None:
        """None if allowed, else seconds until a request will be allowed."""
        if self.per_minute <= 0:
            return None
        rate = self.per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / rate
