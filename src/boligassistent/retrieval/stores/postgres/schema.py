"""Schema migrations: the numbered SQL files in migrations/, each applied once, in order, in a transaction."""

from __future__ import annotations

import logging
from importlib import resources

import psycopg

from boligassistent.retrieval.stores.postgres.connection import (
    PostgresPool,
    missing_pgvector,
    one_row,
)

log = logging.getLogger(__name__)

_LOCK_ID = 0x626F6C6967  # advisory lock: one migrator at a time


def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every bundled migration, in order."""
    out = []
    for entry in resources.files("boligassistent.retrieval.stores.postgres").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            out.append((int(entry.name.split("_", 1)[0]), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def applied_versions(conn: psycopg.Connection) -> set[int]:
    exists = one_row(conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL"))[0]
    if not exists:
        return set()
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}


def migrate(pool: PostgresPool) -> list[str]:
    """Apply pending migrations; returns the names applied. Fails clearly when pgvector is missing."""
    applied: list[str] = []
    with pool.connection() as conn:
        available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone()
        if available is None:
            raise missing_pgvector(pool.where)
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                         "version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
            done = applied_versions(conn)
            for version, name, sql in migration_files():
                if version in done:
                    continue
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))
                log.info("migration applied", extra={"migration": name, "database": pool.where})
                applied.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
    return applied


def is_current(conn: psycopg.Connection) -> bool:
    return {v for v, _, _ in migration_files()} <= applied_versions(conn)
