"""A real, private PostgreSQL cluster for the tests: initdb, pg_ctl, torn down at the end.

The cluster lives in a temporary directory, listens on 127.0.0.1 on a free port (socket in
that directory) and asks for a SCRAM password over TCP, like a production server would, so
the probes and the backup see real authentication errors. initdb refuses to run as root:
then the server runs as the `postgres` OS user (Debian's package creates it). Missing
binaries fail the tests loudly: a skipped database test would hide a broken CI.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

REPO_ROOT = Path(__file__).resolve().parents[1]
SUPERUSER = "cockpit_test_admin"
APP_USER = "cockpit"
APP_DB = "valeo_erp"
ALEMBIC_HEAD = "004_add_numbering_table"
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",  # a throw-away cluster: speed over durability
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "40",
}


def find_bindir() -> Path:
    """The server binaries: `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if done.returncode == 0:
            candidates.append(Path(done.stdout.strip()))
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(versions, key=lambda p: _major(p.parent.name), reverse=True)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    pytest.fail(
        "PostgreSQL server binaries (initdb, pg_ctl) not found via pg_config --bindir or in "
        "/usr/lib/postgresql/*/bin: install Debian's postgresql and postgresql-client "
        "(.ci/run does that)",
        pytrace=False,
    )


def _major(name: str) -> int:
    return int(name) if name.isdigit() else -1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    """One running cluster; `dsn()` connects as the application role to `valeo_erp`."""

    bindir: Path
    base: Path
    port: int
    host: str = "127.0.0.1"
    user: str = APP_USER
    password: str = field(default_factory=lambda: "app-" + secrets.token_hex(12))
    dbname: str = APP_DB
    superuser: str = SUPERUSER
    superuser_password: str = field(default_factory=lambda: "su-" + secrets.token_hex(12))
    as_postgres: bool = field(default_factory=lambda: os.geteuid() == 0)

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def logfile(self) -> Path:
        return self.base / "server.log"

    def dsn(self, **overrides: Any) -> str:
        """A libpq conninfo string for the application role; keywords replace any part."""
        params = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": self.dbname,
            "connect_timeout": 5,
        }
        return make_conninfo("", **(params | overrides))

    def admin_dsn(self, **overrides: Any) -> str:
        """Like `dsn()`, as the tests' superuser."""
        admin = {"user": self.superuser, "password": self.superuser_password}
        return self.dsn(**(admin | overrides))

    def sql(self, query: str | sql.Composable, params: Any = None, dbname: str = "postgres"):
        """Run one statement as superuser (autocommit); the rows, or [] when it returns none."""
        with psycopg.connect(self.admin_dsn(dbname=dbname), autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def _run(self, *argv: str | Path) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return subprocess.run(
            [*prefix, *map(str, argv)], capture_output=True, text=True, timeout=120
        )

    def _check(self, step: str, done: subprocess.CompletedProcess[str]) -> None:
        if done.returncode != 0:
            log = self.logfile.read_text() if self.logfile.exists() else ""
            raise AssertionError(f"{step} failed ({done.returncode}):\n{done.stderr}\n{log}")

    def initdb(self) -> None:
        pwfile = self.base / "pwfile"
        pwfile.write_text(self.superuser_password + "\n")
        if self.as_postgres:
            shutil.chown(self.base, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        self.base.chmod(0o700)
        initdb = [self.bindir / "initdb", "-D", self.datadir, "-U", self.superuser]
        options = ["--pwfile", pwfile, "--auth-host=scram-sha-256", "--auth-local=trust"]
        self._check("initdb", self._run(*initdb, *options, "-E", "UTF8", "--locale=C", "-N"))
        pwfile.unlink()
        settings = SERVER_SETTINGS | {
            "port": str(self.port),
            "unix_socket_directories": f"'{self.base}'",
        }
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> None:
        ctl = [self.bindir / "pg_ctl", "start", "-D", self.datadir, "-l", self.logfile]
        self._check("pg_ctl start", self._run(*ctl, "-w", "-t", "60"))

    def stop(self) -> None:
        self._check("pg_ctl stop", self._run(self.bindir / "pg_ctl", "stop", "-D", self.datadir))

    def running(self) -> bool:
        return self._run(self.bindir / "pg_ctl", "status", "-D", self.datadir).returncode == 0

    def provision(self) -> None:
        """The application's role and database, at Alembic revision `ALEMBIC_HEAD`."""
        self.sql(
            sql.SQL("CREATE ROLE {} LOGIN CREATEDB PASSWORD {}").format(
                sql.Identifier(self.user), sql.Literal(self.password)
            )
        )
        self.sql(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(self.dbname), sql.Identifier(self.user)
            )
        )
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            fill_database(conn, ALEMBIC_HEAD)


def fill_database(conn: psycopg.Connection, revision: str, rows: int = 40_000) -> None:
    """Alembic's table at `revision` and a few tables with enough rows to make a dump of MBs."""
    conn.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
    conn.execute("INSERT INTO alembic_version VALUES (%s)", (revision,))
    conn.execute("CREATE TABLE documents (id bigint PRIMARY KEY, title text, body text)")
    conn.execute("CREATE TABLE numbering (prefix text PRIMARY KEY, next bigint NOT NULL)")
    conn.execute(
        "INSERT INTO documents SELECT g, 'doc ' || g, repeat(md5(g::text), 4)"
        " FROM generate_series(1, %s) AS g",
        (rows,),
    )
    conn.execute("INSERT INTO numbering VALUES ('INV', 1000), ('ORD', 5000)")


@dataclass(frozen=True)
class Database:
    """A database of its own for one test, owned by the application role."""

    name: str
    dsn: str


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A private cluster for the whole session; stopped and deleted even when setup fails."""
    bindir = find_bindir()
    base = Path(tempfile.mkdtemp(prefix="cockpit-pg-"))
    server = PostgresServer(bindir=bindir, base=base, port=_free_port())
    try:
        server.initdb()
        server.start()
        server.provision()
        yield server
    finally:
        if server.datadir.exists() and server.running():
            server._run(bindir / "pg_ctl", "stop", "-D", server.datadir, "-m", "immediate")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def fresh_database(postgres_server: PostgresServer) -> Iterator[Database]:
    """An empty-but-migrated database at `ALEMBIC_HEAD` for one test, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:10]}"
    postgres_server.sql(
        sql.SQL("CREATE DATABASE {} OWNER {}").format(
            sql.Identifier(name), sql.Identifier(postgres_server.user)
        )
    )
    dsn = postgres_server.dsn(dbname=name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        fill_database(conn, ALEMBIC_HEAD, rows=100)
    try:
        yield Database(name=name, dsn=dsn)
    finally:
        if postgres_server.running():
            postgres_server.sql(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def fake_backup(
    directory: Path, taken_at: datetime, database: str = APP_DB, verified: bool = True
) -> Path:
    """A file named and checksummed like `run_backup` publishes one (not a real dump): for
    the tests of backup_age and retention, which look only at names and checksums."""
    dump = directory / f"{database}-{taken_at.astimezone(UTC):%Y%m%dT%H%M%SZ}.dump"
    dump.write_bytes(f"PGDMP fake {dump.name}".encode())
    if verified:
        digest = hashlib.sha256(dump.read_bytes()).hexdigest()
        (directory / f"{dump.name}.sha256").write_text(f"{digest}  {dump.name}\n")
    return dump
