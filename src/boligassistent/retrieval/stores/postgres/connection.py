"""psycopg 3 connection pools (one per DSN per process) and the mapping of driver errors to index errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from boligassistent.indexing.generation import IndexError_, IndexUnavailable


@dataclass(frozen=True)
class PostgresConfig:
    dsn: str
    pool_min: int = 1
    pool_max: int = 8
    connect_timeout_s: float = 5.0
    statement_timeout_ms: int = 10_000
    ef_search: int = 100


def one_row(cursor: psycopg.Cursor) -> tuple:
    """The row of a query that always returns exactly one (aggregates, RETURNING, SELECT of an expression)."""
    row = cursor.fetchone()
    if row is None:
        raise IndexError_("PostgreSQL returned no row where one is always expected")
    return row


def describe_dsn(dsn: str) -> str:
    """The DSN without its password, for messages and logs."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "<invalid DSN>"
    host = parts.get("host") or "localhost"
    return f"postgresql://{parts.get('user') or ''}@{host}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}"


class MissingPgvector(IndexError_):
    pass


def missing_pgvector(where: str) -> MissingPgvector:
    return MissingPgvector(
        f"PostgreSQL at {where} has no pgvector extension ('vector'). Install pgvector on the server (managed "
        "services: allow the 'vector' extension), or start a local server with pgvector: boligassistent db start")


class PostgresPool:
    """A psycopg pool whose connections have pgvector registered and our session settings applied."""

    def __init__(self, config: PostgresConfig) -> None:
        self.config = config
        self.where = describe_dsn(config.dsn)
        self._pool = ConnectionPool(config.dsn, min_size=config.pool_min, max_size=config.pool_max, open=False,
                                    kwargs={"connect_timeout": max(1, int(config.connect_timeout_s)), "autocommit": True},
                                    configure=self._configure, timeout=config.connect_timeout_s, name="boligassistent")
        self._opened = False
        self._lock = threading.Lock()

    def _configure(self, conn: psycopg.Connection) -> None:
        from pgvector.psycopg import register_vector

        conn.execute(f"SET statement_timeout = {int(self.config.statement_timeout_ms)}")
        # Set even before pgvector is installed: a pooled connection outlives `migrate` creating the extension,
        # and pgvector adopts these placeholder values when it loads. Without them HNSW returns at most 40 rows.
        conn.execute(f"SET hnsw.ef_search = {int(self.config.ef_search)}")
        conn.execute("SET hnsw.iterative_scan = relaxed_order")  # filtered searches keep scanning the graph
        try:
            register_vector(conn)
        except psycopg.ProgrammingError:
            pass  # no pgvector yet: only `migrate` can run, and it reports the missing extension

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; an unreachable or failing server becomes IndexUnavailable."""
        with self._lock:
            if not self._opened:
                self._pool.open(wait=False)
                self._opened = True
        try:
            with self._pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise IndexUnavailable(f"PostgreSQL at {self.where} is unreachable (no connection within "
                                   f"{self.config.connect_timeout_s:g} s). Is the server running? "
                                   "Local development: boligassistent db start") from exc
        except psycopg.OperationalError as exc:
            raise IndexUnavailable(f"PostgreSQL at {self.where}: {str(exc).strip()}") from exc

    def close(self) -> None:
        if self._opened:
            self._pool.close()
            self._opened = False


_POOLS: dict[PostgresConfig, PostgresPool] = {}
_POOLS_LOCK = threading.Lock()


def get_pool(config: PostgresConfig) -> PostgresPool:
    """One pool per configuration per process, shared by every generation (hot swaps reuse it)."""
    with _POOLS_LOCK:
        if config not in _POOLS:
            _POOLS[config] = PostgresPool(config)
        return _POOLS[config]


def close_pools() -> None:
    """Close every pool of this process (their background reconnect threads stop); the next `get_pool` opens anew."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.close()
