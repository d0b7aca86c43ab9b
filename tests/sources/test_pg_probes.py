"""The `postgres` probes against a real PostgreSQL: each probe passing and failing."""

from __future__ import annotations

import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from cockpit.clients.postgres import explain, scrub, target
from cockpit.model.checklist import PostgresCheck
from cockpit.sources.pg_probes import probe_once
from tests.helpers.poll import eventually
from tests.postgres_server import ALEMBIC_HEAD, Database, PostgresServer, fake_backup

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


def check(probe: str, expect: str | None = None, **params) -> PostgresCheck:
    return PostgresCheck.model_validate(
        {"kind": "postgres", "probe": probe, "params": params, "expect": expect}
    )


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- connect, version, revision ------------------------------------------------------------


def test_connect_passes_and_names_where(postgres_server: PostgresServer):
    status, detail = probe_once(check("connect"), postgres_server.dsn(), {})
    assert status == "pass"
    assert detail == f"connected as cockpit to 127.0.0.1:{postgres_server.port}/valeo_erp"


def test_server_version_against_the_expectation(postgres_server: PostgresServer):
    number = int(postgres_server.sql("SHOW server_version_num")[0][0])
    seen = f"PostgreSQL {number // 10000}.{number % 10000}"
    assert probe_once(check("server_version", ">= 14"), postgres_server.dsn(), {}) == (
        "pass",
        seen,
    )
    assert probe_once(check("server_version", f"== {number // 10000}"), postgres_server.dsn(), {})[
        0
    ] == ("pass")
    assert probe_once(check("server_version", ">= 99"), postgres_server.dsn(), {}) == (
        "fail",
        f"{seen}, expected >= 99",
    )
    newer_minor = f">= {number // 10000}.{number % 10000 + 1}"
    assert probe_once(check("server_version", newer_minor), postgres_server.dsn(), {})[0] == "fail"


def test_alembic_revision_matches_the_head(postgres_server: PostgresServer):
    dsn = postgres_server.dsn()
    written = check("alembic_revision", f"== {ALEMBIC_HEAD}")
    assert probe_once(written, dsn, {}) == ("pass", f"revision {ALEMBIC_HEAD}")
    placeholder = check("alembic_revision", "== ${alembic_head}")
    assert probe_once(placeholder, dsn, {"alembic_head": ALEMBIC_HEAD})[0] == "pass"
    assert probe_once(placeholder, dsn, {"alembic_head": "005_add_audit_table"}) == (
        "fail",
        f"revision {ALEMBIC_HEAD}, expected 005_add_audit_table",
    )


def test_alembic_revision_unknown_without_the_head_value(postgres_server: PostgresServer):
    status, detail = probe_once(check("alembic_revision", "== ${alembic_head}"), "", {})
    assert (status, detail) == ("unknown", "no value for ${alembic_head} (set vars in the config)")


def test_alembic_revision_fails_without_migrations(
    postgres_server: PostgresServer, fresh_database: Database
):
    postgres_server.sql("DELETE FROM alembic_version", dbname=fresh_database.name)
    probe = check("alembic_revision", f"== {ALEMBIC_HEAD}")
    assert probe_once(probe, fresh_database.dsn, {}) == (
        "fail",
        "alembic_version is empty (no migration applied)",
    )
    postgres_server.sql("DROP TABLE alembic_version", dbname=fresh_database.name)
    assert probe_once(probe, fresh_database.dsn, {}) == (
        "fail",
        f"no alembic_version table in {fresh_database.name} (no migration applied)",
    )


# --- databases and roles ---------------------------------------------------------------------


def test_database_exists(postgres_server: PostgresServer):
    dsn = postgres_server.dsn()
    assert probe_once(check("database_exists", database="valeo_erp"), dsn, {}) == (
        "pass",
        "database valeo_erp exists",
    )
    assert probe_once(check("database_exists", database="valeo_erp_old"), dsn, {}) == (
        "fail",
        "no database valeo_erp_old",
    )


def test_database_exists_needs_its_param(postgres_server: PostgresServer):
    assert probe_once(check("database_exists"), postgres_server.dsn(), {}) == (
        "unknown",
        "database_exists needs params.database",
    )
    assert probe_once(check("database_exists", name="x"), postgres_server.dsn(), {}) == (
        "unknown",
        "database_exists does not take name (takes database)",
    )


@pytest.fixture
def valeo_role(postgres_server: PostgresServer):
    """A login role with only PUBLIC's default privileges (CONNECT, TEMPORARY) on valeo_erp."""
    postgres_server.sql("CREATE ROLE valeo LOGIN")
    yield "valeo"
    postgres_server.sql("DROP OWNED BY valeo")  # and the grants on databases
    postgres_server.sql("DROP ROLE valeo")


def test_role_privileges(postgres_server: PostgresServer, valeo_role: str):
    dsn = postgres_server.dsn()
    owner = check("role_privileges", role="cockpit", database="valeo_erp")
    assert probe_once(owner, dsn, {}) == (
        "pass",
        "cockpit has CONNECT, CREATE, TEMPORARY on valeo_erp",
    )
    plain = check("role_privileges", role="valeo", database="valeo_erp")
    assert probe_once(plain, dsn, {}) == ("fail", "valeo lacks CREATE on valeo_erp")
    postgres_server.sql("GRANT ALL PRIVILEGES ON DATABASE valeo_erp TO valeo")
    assert probe_once(plain, dsn, {})[0] == "pass"
    postgres_server.sql("ALTER ROLE valeo NOLOGIN")
    assert probe_once(plain, dsn, {}) == ("fail", "role valeo cannot log in (NOLOGIN)")


def test_role_privileges_named_ones_and_missing_role(
    postgres_server: PostgresServer, valeo_role: str
):
    dsn = postgres_server.dsn()
    connect_only = check(
        "role_privileges", role="valeo", database="valeo_erp", privileges="connect"
    )
    assert probe_once(connect_only, dsn, {}) == ("pass", "valeo has CONNECT on valeo_erp")
    nobody = check("role_privileges", role="nobody", database="valeo_erp")
    assert probe_once(nobody, dsn, {}) == ("fail", "no role nobody")
    bad = check("role_privileges", role="valeo", database="valeo_erp", privileges="SELECT")
    assert probe_once(bad, dsn, {}) == ("unknown", "not a database privilege: SELECT")


# --- connection failures, without the password ------------------------------------------------


def test_wrong_password_fails_clearly_without_the_password(postgres_server: PostgresServer):
    wrong = "Wr0ng-" + postgres_server.password
    for dsn in (
        postgres_server.dsn(password=wrong),
        f"postgresql://cockpit:{wrong}@127.0.0.1:{postgres_server.port}/valeo_erp",
    ):
        status, detail = probe_once(check("connect"), dsn, {})
        assert (status, detail) == ("fail", "password authentication failed for user cockpit")
        status, detail = probe_once(check("server_version", ">= 14"), dsn, {})
        assert status == "unknown"
        assert wrong not in detail and postgres_server.password not in detail


def test_password_from_the_environment_as_libpq_reads_it(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PGPASSWORD", postgres_server.password)
    monkeypatch.setenv("PGHOST", "127.0.0.1")
    monkeypatch.setenv("PGPORT", str(postgres_server.port))
    monkeypatch.setenv("PGUSER", "cockpit")
    monkeypatch.setenv("PGDATABASE", "valeo_erp")
    assert probe_once(check("database_exists", database="valeo_erp"), "", {})[0] == "pass"
    assert str(target("")) == f"cockpit@127.0.0.1:{postgres_server.port}/valeo_erp"


def test_missing_database_in_the_dsn(postgres_server: PostgresServer):
    dsn = postgres_server.dsn(dbname="valeo_erp_typo")
    assert probe_once(check("connect"), dsn, {}) == (
        "fail",
        "database valeo_erp_typo does not exist",
    )


def test_nobody_listening_is_connection_refused():
    port = _free_port()
    dsn = f"host=127.0.0.1 port={port} user=cockpit password=s3cret-pw dbname=valeo_erp"
    assert probe_once(check("connect"), dsn, {}) == (
        "fail",
        f"connection refused: 127.0.0.1:{port}",
    )
    assert probe_once(check("alembic_revision", "== x"), dsn, {}) == (
        "unknown",
        f"connection refused: 127.0.0.1:{port}",
    )


def test_scrub_and_explain_hide_every_spelling_of_the_password():
    dsn = "host=db user=cockpit password='p@ss w/rd'"
    text = "bad: postgresql://cockpit:p%40ss%20w%2Frd@db/x and p@ss w/rd and p%40ss+w%2Frd"
    assert scrub(text, dsn) == "bad: postgresql://cockpit:***@db/x and *** and ***"
    reachable, reason = explain("pg_dump: error: weird failure with p@ss w/rd inside", dsn)
    assert (reachable, reason) == (True, "weird failure with *** inside")


# --- activity: long queries, locks, replication ---------------------------------------------


def test_long_queries(postgres_server: PostgresServer):
    probe = check("long_queries", threshold="1s")
    assert probe_once(probe, postgres_server.admin_dsn(), {}) == (
        "pass",
        "no query running longer than 1 s",
    )
    sleeper = threading.Thread(
        target=lambda: postgres_server.sql("SELECT pg_sleep(4)", dbname="valeo_erp")
    )
    sleeper.start()
    try:  # until the query has run past the 1 s threshold (it runs 4 s)
        status, detail = eventually(
            lambda: (
                (said := probe_once(probe, postgres_server.admin_dsn(), {}))[0] == "fail" and said
            ),
            what="the probe to see the query running longer than 1 s",
            every=0.1,
        )
    finally:
        sleeper.join()
    assert status == "fail"
    assert detail.startswith("1 running longer than 1 s: pid ")
    assert " cockpit_test_admin SELECT " in detail


def test_blocking_locks(postgres_server: PostgresServer, fresh_database: Database):
    probe = check("blocking_locks")
    assert probe_once(probe, postgres_server.admin_dsn(), {}) == (
        "pass",
        "no session waits for a lock held by another",
    )
    holder = psycopg.connect(fresh_database.dsn)
    holder.execute("LOCK TABLE numbering IN ACCESS EXCLUSIVE MODE")
    holder_pid = holder.info.backend_pid
    waiter = threading.Thread(
        target=lambda: postgres_server.sql("SELECT * FROM numbering", dbname=fresh_database.name)
    )
    waiter.start()
    try:
        eventually(
            lambda: (
                postgres_server.sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                )[0][0]
                == 1
            ),
            what="one session waiting for the lock",
        )
        status, detail = probe_once(probe, postgres_server.admin_dsn(), {})
    finally:
        holder.rollback()
        holder.close()
        waiter.join()
    assert status == "fail"
    assert detail.startswith("1 blocked: pid ")
    assert f"blocked by [{holder_pid}]" in detail


def test_replication_active_without_and_with_a_standby(postgres_server: PostgresServer, tmp_path):
    probe = check("replication_active")
    assert probe_once(probe, postgres_server.admin_dsn(), {}) == (
        "fail",
        "no standby streaming (pg_stat_replication: empty) (expected >= 1)",
    )
    receiver = subprocess.Popen(
        [
            str(postgres_server.bindir / "pg_receivewal"),
            f"--dbname={postgres_server.admin_dsn(password='', application_name='standby1')}",
            "--directory",
            str(tmp_path),
            "--no-password",
        ],
        env={"PGPASSWORD": postgres_server.superuser_password, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        eventually(
            lambda: (
                postgres_server.sql("SELECT state FROM pg_stat_replication") == [("streaming",)]
            ),
            what="the standby streaming",
        )
        admin = probe_once(probe, postgres_server.admin_dsn(), {})
        app = probe_once(probe, postgres_server.dsn(), {})
        two = probe_once(check("replication_active", ">= 2"), postgres_server.admin_dsn(), {})
    finally:
        receiver.terminate()
        receiver.wait(timeout=20)
    assert admin == ("pass", "1 streaming: standby1 (async)")
    assert app == ("unknown", "1 standby(s) connected, state hidden: grant pg_monitor")
    assert two == ("fail", "1 streaming: standby1 (async) (expected >= 2)")


# --- backup age: the files the backup action writes -----------------------------------------


def test_backup_age_uses_the_newest_verified_backup(tmp_path: Path):
    fake_backup(tmp_path, NOW - timedelta(hours=30))
    fake_backup(tmp_path, NOW - timedelta(hours=3, minutes=5))
    fake_backup(tmp_path, NOW - timedelta(minutes=10), verified=False)
    probe = check("backup_age", "< 24h", directory="${backup_dir}")
    values = {"backup_dir": str(tmp_path)}
    assert probe_once(probe, "", values, now=NOW) == (
        "pass",
        "valeo_erp-20250615T085500Z.dump, 3 h 05 min old",
    )
    assert probe_once(probe, "", values, now=NOW + timedelta(hours=22)) == (
        "fail",
        "valeo_erp-20250615T085500Z.dump, 25 h 05 min old (expected < 24h)",
    )


def test_backup_age_fails_without_backups_and_waits_for_its_directory(tmp_path: Path):
    probe = check("backup_age", "< 24h", directory="${backup_dir}")
    fake_backup(tmp_path, NOW - timedelta(hours=1), verified=False)
    assert probe_once(probe, "", {"backup_dir": str(tmp_path)}, now=NOW) == (
        "fail",
        f"no verified backup in {tmp_path}",
    )
    missing = tmp_path / "nope"
    assert probe_once(probe, "", {"backup_dir": str(missing)}, now=NOW) == (
        "fail",
        f"no backup directory {missing}",
    )
    assert probe_once(probe, "", {}, now=NOW) == (
        "unknown",
        "no value for ${backup_dir} (set vars in the config)",
    )
