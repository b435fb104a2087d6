"""API keys (stored hashed, with scopes and allowed origins), the admin key's minimum length, a token-bucket
rate limiter, and the client address of a request (the socket's peer, or X-Forwarded-For behind a trusted proxy)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

SCOPES = ("query", "admin")
MIN_ADMIN_KEY_CHARS = 24  # a shorter admin key (BOLIG_ADMIN_KEY) is refused at startup


class ServiceSettingError(ValueError):
    """A security setting of the service is unusable; the message says which and how to fix it."""


class AdminKeyTooShort(ServiceSettingError):
    """The configured admin key is shorter than MIN_ADMIN_KEY_CHARS."""

    def __init__(self) -> None:
        super().__init__(f"BOLIG_ADMIN_KEY must be at least {MIN_ADMIN_KEY_CHARS} characters "
                         "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')")


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
        if admin_key is not None and len(admin_key) < MIN_ADMIN_KEY_CHARS:
            raise AdminKeyTooShort
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
    """Token bucket per caller (the API names callers by key and client address): `per_minute` requests,
    refilled continuously. Buckets that have refilled completely are forgotten once there are more than
    `max_buckets`, so many distinct callers cannot grow the table without bound."""

    per_minute: int
    max_buckets: int = 10_000
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _forget_full(self, now: float) -> None:
        """Drop buckets idle for a full minute (refilled to capacity: the same as a new bucket)."""
        for key in [k for k, (_, last) in self._buckets.items() if now - last >= 60.0]:
            del self._buckets[key]

    def check(self, key: str) -> float | None:
        """None if allowed, else seconds until a request will be allowed."""
        if self.per_minute <= 0:
            return None
        rate = self.per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            if len(self._buckets) >= self.max_buckets and key not in self._buckets:
                self._forget_full(now)
            tokens, last = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / rate


def parse_networks(values: tuple[str, ...] | list[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Addresses or CIDR networks (`10.0.0.5`, `10.0.0.0/8`); ServiceSettingError names a malformed entry."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ServiceSettingError(f"BOLIG_TRUSTED_PROXIES: not an IP address or network: {value!r}") from None
    return tuple(networks)


def _in(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(peer: str | None, forwarded_for: str | None,
                   trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> str:
    """The client's address: the socket peer, unless the peer is a trusted proxy; then the rightmost address of
    `X-Forwarded-For` that is not itself a trusted proxy (entries left of it could be forged by the client)."""
    address = peer or "unknown"
    if not trusted_proxies or not forwarded_for or not _in(address, trusted_proxies):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        address = hop
        if not _in(hop, trusted_proxies):
            break
    return address[:64]
