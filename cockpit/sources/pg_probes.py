"""The checklists' `postgres` checks, asked with psycopg 3 (sync) on one short connection.

Connection settings follow libpq: a conninfo string (may be empty) plus the PG* environment
variables and ~/.pgpass, which libpq reads itself. Each probe answers (pass | fail |
unknown, what was seen): "PostgreSQL 15.18", "revision 004_x, expected 005_y",
"connection refused: 127.0.0.1:5999". Passwords never reach a detail: libpq and pg_dump
messages may quote the connection string, so every text is scrubbed before it leaves.
Connecting and explaining failures is `cockpit.clients.postgres`, shared with the backups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from pydantic import ValidationError

from cockpit.clients.postgres import Link, explain, open_link
from cockpit.model.checklist import PostgresCheck
from cockpit.model.placeholders import fill, missing
from cockpit.model.units import OPERATORS, Compare, parse_duration

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"

Params = Mapping[str, str | int | float]
Verdict = tuple[str, str]


# --- the probes --------------------------------------------------------------------------


def _connect(conn: psycopg.Connection, params: Params, expect: Compare | None) -> Verdict:
    conn.execute("SELECT 1")
    info = conn.info
    return PASS, f"connected as {info.user} to {info.host}:{info.port}/{info.dbname}"


def _server_version(conn: psycopg.Connection, params: Params, expect: Compare | None) -> Verdict:
    number = conn.info.server_version
    actual = (number // 10000, number % 10000)
    seen = f"PostgreSQL {actual[0]}.{actual[1]}"
    if expect is None:
        return PASS, seen
    wanted = tuple(int(part) for part in str(expect.right).split("."))
    held = OPERATORS[expect.op](actual[: len(wanted)], wanted)
    return (PASS, seen) if held else (FAIL, f"{seen}, expected {expect}")


def _alembic_revision(conn: psycopg.Connection, params: Params, expect: Compare | None) -> Verdict:
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version ORDER BY 1").fetchall()
    except psycopg.errors.UndefinedTable:
        return FAIL, f"no alembic_version table in {conn.info.dbname} (no migration applied)"
    if not rows:
        return FAIL, "alembic_version is empty (no migration applied)"
    actual = ",".join(row[0] for row in rows)
    seen = f"revision {actual}"
    if expect is None or expect.holds(actual):
        return PASS, seen
    return FAIL, f"{seen}, expected {expect.right}" if expect.op == "==" else f"{seen} {expect}"


def _database_exists(conn: psycopg.Connection, params: Params, expect: Compare | None) -> Verdict:
    name = str(params["database"])
    found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return (PASS, f"database {name} exists") if found else (FAIL, f"no database {name}")


DATABASE_PRIVILEGES = ("CONNECT", "CREATE", "TEMPORARY")


def _role_privileges(conn: psycopg.Connection, params: Params, expect: Compare | None) -> Verdict:
    role, database = str(params["role"]), str(params["database"])
    wanted = [p.strip().upper() for p in str(params.get("privileges", "ALL")).split(",")]
    wanted = list(DATABASE_PRIVILEGES) if wanted == ["ALL"] else wanted
    if unknown := [p for p in wanted if p not in (*DATABASE_PRIVILEGES, "TEMP")]:
        return UNKNOWN, f"not a database privilege: {', '.join(unknown)}"
    login, exists = conn.execute(
        "SELECT (SELECT rolcanlogin FROM pg_roles WHERE rolname = %s),"
        " EXISTS (SELECT 1 FROM pg_database WHERE datname = %s)",
        (role, database),
    ).fetchone()
    if login is None:
        return FAIL, f"no role {role}"
    if not exists:
        return FAIL, f"no database {database}"
    if not login:
        return FAIL, f"role {role} cannot log in (NOLOGIN)"
    lacking = [
        p
        for p in wanted
        if not conn.execute(
            "SELECT has_database_privilege(%s, %s, %s)", (role, database, p)
        ).fetchone()[0]
    ]
    if lacking:
        return FAIL, f"{role} lacks {', '.join(lacking)} on {database}"
    return PASS, f"{role} has {', '.join(wanted)} on {database}"


def _count_verdict(count: int, seen: str, expect: Compare) -> Verdict:
    return (PASS, seen) if expect.holds(count) else (FAIL, f"{seen} (expected {expect})")


def _long_queries(conn: psycopg.Connection, params: Params, expect: Compare | None) -> Verdict:
    threshold = parse_duration(params.get("threshold", "60s")).total_seconds()
    # only the statement's first word: query texts may hold data or even passwords
    rows = conn.execute(
        "SELECT pid, coalesce(usename, '?'), split_part(ltrim(query), ' ', 1),"
        " extract(epoch FROM now() - query_start)::float8"
        " FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()"
        " AND backend_type = 'client backend' AND now() - query_start > make_interval(secs => %s)"
        " ORDER BY query_start",
        (threshold,),
    ).fetchall()
    if not rows:
        seen = f"no query running longer than {threshold:g} s"
    else:
        shown = "; ".join(f"pid {p} {u} {q} {s:.0f} s" for p, u, q, s in rows[:3])
        seen = f"{len(rows)} running longer than {threshold:g} s: {shown}"
    return _count_verdict(len(rows), seen, expect or Compare(op="==", right=0))


def _blocking_locks(conn: psycopg.Connection, params: Params, expect: Compare | None) -> Verdict:
    rows = conn.execute(
        "SELECT pid, pg_blocking_pids(pid),"
        " coalesce(extract(epoch FROM now() - query_start), 0)::float8"
        " FROM pg_stat_activity WHERE cardinality(pg_blocking_pids(pid)) > 0 ORDER BY query_start"
    ).fetchall()
    if not rows:
        seen = "no session waits for a lock held by another"
    else:
        shown = "; ".join(f"pid {p} blocked by {b} for {s:.0f} s" for p, b, s in rows[:3])
        seen = f"{len(rows)} blocked: {shown}"
    return _count_verdict(len(rows), seen, expect or Compare(op="==", right=0))


def _replication_active(
    conn: psycopg.Connection, params: Params, expect: Compare | None
) -> Verdict:
    rows = conn.execute(
        "SELECT coalesce(application_name, ''), state, sync_state FROM pg_stat_replication"
    ).fetchall()
    if rows and all(state is None for _, state, _ in rows):
        return UNKNOWN, f"{len(rows)} standby(s) connected, state hidden: grant pg_monitor"
    streaming = [(name, sync) for name, state, sync in rows if state == "streaming"]
    if streaming:
        seen = f"{len(streaming)} streaming: " + ", ".join(
            f"{n or '?'} ({s})" for n, s in streaming
        )
    else:
        seen = (
            "no standby streaming (pg_stat_replication: "
            + (", ".join(str(state) for _, state, _ in rows) or "empty")
            + ")"
        )
    return _count_verdict(len(streaming), seen, expect or Compare(op=">=", right=1))


def _backup_age(params: Params, expect: Compare | None, now: datetime) -> Verdict:
    """The newest backup the backup action verified (its .sha256 is written only then)."""
    from cockpit.clients.backups import list_backups

    directory = Path(str(params["directory"]))
    if not directory.is_dir():
        return FAIL, f"no backup directory {directory}"
    verified = [b for b in list_backups(directory) if b.verified]
    if not verified:
        return FAIL, f"no verified backup in {directory}"
    newest = verified[0]
    age = (now - datetime.fromisoformat(newest.taken_at)).total_seconds()
    seen = f"{newest.name}, {age_text(age)} old"
    expect = expect or Compare(op="<", right=24, unit="h")
    return (PASS, seen) if expect.holds(age) else (FAIL, f"{seen} (expected {expect})")


def age_text(seconds: float) -> str:
    """`42 s`, `17 min`, `5 h 03 min`, `3 d 4 h`: an age a person reads at a glance."""
    seconds = max(0, int(seconds))
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{minutes} min"
    if seconds < 2 * 86400:
        return f"{hours} h {minutes % 60:02d} min"
    return f"{days} d {hours % 24} h"


DbProbe = Callable[[psycopg.Connection, Params, Compare | None], Verdict]
DB_PROBES: dict[str, DbProbe] = {
    "connect": _connect,
    "server_version": _server_version,
    "alembic_revision": _alembic_revision,
    "database_exists": _database_exists,
    "role_privileges": _role_privileges,
    "long_queries": _long_queries,
    "blocking_locks": _blocking_locks,
    "replication_active": _replication_active,
}
#: probe → (required params, optional params), as the checklists write them
PARAMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "database_exists": (("database",), ()),
    "role_privileges": (("role", "database"), ("privileges",)),
    "backup_age": (("directory",), ()),
    "long_queries": ((), ("threshold",)),
}


def _params(check: PostgresCheck, values: Mapping[str, str]) -> dict[str, Any] | str:
    """The params with placeholders filled, or why the check cannot be asked."""
    required, optional = PARAMS.get(check.probe, ((), ()))
    if unknown := sorted(set(check.params) - {*required, *optional}):
        takes = ", ".join((*required, *optional)) or "no params"
        return f"{check.probe} does not take {', '.join(unknown)} (takes {takes})"
    if absent := [name for name in required if name not in check.params]:
        return f"{check.probe} needs params.{absent[0]}"
    filled: dict[str, Any] = {}
    for name, value in check.params.items():
        if isinstance(value, str) and (unfilled := missing(value, values)):
            return f"no value for {unfilled} (set vars in the config)"
        filled[name] = fill(value, values) if isinstance(value, str) else value
    return filled


def _expectation(check: PostgresCheck, values: Mapping[str, str]) -> Compare | str | None:
    """The check's expectation with ${placeholders} filled, or why it cannot be."""
    if check.expect is None:
        return None
    written = str(check.expect)
    if unfilled := missing(written, values):
        return f"no value for {unfilled} (set vars in the config)"
    if check.probe == "alembic_revision":  # a revision is text, even when it looks like a number
        return Compare(op=check.expect.op, right=fill(str(check.expect.right), values))
    try:
        return Compare.model_validate(fill(written, values)) if "${" in written else check.expect
    except ValidationError as error:
        return f"bad expectation {fill(written, values)!r}: {error.errors()[0]['msg']}"


def evaluate(
    check: PostgresCheck, link: Link, values: Mapping[str, str], now: datetime | None = None
) -> Verdict:
    """(pass | fail | unknown, what was seen) for one check over the round's connection."""
    params, expect = _params(check, values), _expectation(check, values)
    if isinstance(params, str):
        return UNKNOWN, params
    if isinstance(expect, str):
        return UNKNOWN, expect
    if check.probe == "backup_age":
        return _backup_age(params, expect, now or datetime.now(UTC))
    if link.conn is None:
        return (FAIL, link.problem) if check.probe == "connect" else (UNKNOWN, link.problem)
    try:
        return DB_PROBES[check.probe](link.conn, params, expect)
    except psycopg.Error as error:
        return UNKNOWN, f"{check.probe}: {explain(str(error), link.dsn)[1]}"


def probe_once(
    check: PostgresCheck, dsn: str, values: Mapping[str, str], now: datetime | None = None
) -> Verdict:
    """One check on a connection of its own (a single re-run from the UI, the tests)."""
    link = open_link(dsn) if check.probe != "backup_age" else Link(dsn, None)
    try:
        return evaluate(check, link, values, now)
    finally:
        link.close()
