"""PostgreSQL as the cockpit reaches it, shared by the checks and the backup action.

Connection settings follow libpq: a conninfo string (may be empty) plus the PG* environment
variables and ~/.pgpass, which libpq reads itself. libpq and pg_dump messages may quote the
connection string, so every text is scrubbed of the password before it leaves here.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

import psycopg

CONNECT_TIMEOUT = 5.0
APPLICATION_NAME = "cockpit"


# --- where we connect to, and what went wrong, without the password ------------------------


@dataclass(frozen=True)
class Target:
    """Where a conninfo leads once libpq's defaults and PG* variables apply; no password."""

    host: str
    port: str
    user: str
    dbname: str

    def __str__(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"


def target(dsn: str) -> Target:
    """The effective host, port, user and database, as libpq would resolve them."""
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.pq import Conninfo

    defaults = {
        o.keyword.decode(): o.val.decode() for o in Conninfo.get_defaults() if o.val is not None
    }
    given = {k: str(v) for k, v in conninfo_to_dict(dsn).items() if v not in (None, "")}
    merged = defaults | given
    user = merged.get("user", "")
    return Target(
        host=merged.get("host") or merged.get("hostaddr") or "/var/run/postgresql",
        port=merged.get("port", "5432"),
        user=user,
        dbname=merged.get("dbname") or user,
    )


def secrets_of(dsn: str) -> tuple[str, ...]:
    """Every spelling of the password a message could quote: as given, URL-encoded."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = conninfo_to_dict(dsn).get("password")
    except psycopg.ProgrammingError:
        given = None
    found = {str(p) for p in (given, os.environ.get("PGPASSWORD")) if p}
    found |= {quote(p, safe="") for p in found} | {quote_plus(p) for p in found}
    return tuple(sorted(found, key=len, reverse=True))


def scrub(text: str, dsn: str) -> str:
    """`text` with every spelling of the password replaced by ***."""
    for secret in secrets_of(dsn):
        text = text.replace(secret, "***")
    return text


#: libpq / server messages worth shortening, and whether the server was reachable at all
_REASONS: tuple[tuple[re.Pattern[str], bool], ...] = (
    (re.compile(r'password authentication failed for user "([^"]*)"'), True),
    (re.compile(r"no password supplied"), True),
    (re.compile(r'database "([^"]*)" does not exist'), True),
    (re.compile(r'role "([^"]*)" does not exist'), True),
    (re.compile(r'no pg_hba\.conf entry for host "([^"]*)", user "([^"]*)"'), True),
    (
        re.compile(r'server at "([^"]*)"(?: \([^)]*\))?, port (\d+) failed: Connection refused'),
        False,
    ),
    (re.compile(r'socket "([^"]*)" failed: (No such file or directory|Connection refused)'), False),
    (
        re.compile(r"failed to resolve host '([^']*)'|could not translate host name \"([^\"]*)\""),
        False,
    ),
    (re.compile(r"timeout expired|timed out"), False),
)


def explain(text: str, dsn: str) -> tuple[bool, str]:
    """(reachable, short reason) for a libpq, psycopg or pg_dump error message, scrubbed."""
    text = scrub(text, dsn)
    for pattern, reachable in _REASONS:
        found = pattern.search(text)
        if found:
            return reachable, _reason(found, target(dsn))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return True, "unknown error"
    first = re.sub(r"^(connection failed|connection is bad|pg_\w+): (error: )?", "", lines[0])
    return True, first[:200]


def _reason(found: re.Match[str], where: Target) -> str:
    text = found.group(0)
    if "password authentication failed" in text:
        return f"password authentication failed for user {found.group(1)}"
    if "no password supplied" in text:
        return f"no password for {where.user} (set it in the DSN, PGPASSWORD or ~/.pgpass)"
    if "does not exist" in text:
        kind = "database" if text.startswith("database") else "role"
        return f"{kind} {found.group(1)} does not exist"
    if "pg_hba.conf" in text:
        return f"no pg_hba.conf entry for {found.group(2)} from {found.group(1)}"
    if "Connection refused" in text and "port" in text:
        return f"connection refused: {found.group(1)}:{found.group(2)}"
    if "socket" in text:
        return f"no server on socket {found.group(1)}"
    if "resolve" in text or "translate" in text:
        return f"unknown host {found.group(1) or found.group(2)}"
    return f"no answer within {CONNECT_TIMEOUT:g} s from {where.host}:{where.port}"


def with_defaults(dsn: str) -> dict[str, Any]:
    """The conninfo's keywords plus a short connect timeout and our application name, unless
    the conninfo or PGCONNECT_TIMEOUT already say: libpq would otherwise wait for TCP's."""
    from psycopg.conninfo import conninfo_to_dict

    params = {"fallback_application_name": APPLICATION_NAME} | conninfo_to_dict(dsn)
    if "connect_timeout" not in params and not os.environ.get("PGCONNECT_TIMEOUT"):
        params["connect_timeout"] = round(CONNECT_TIMEOUT)
    return params


def connect(dsn: str, read_only: bool = True) -> psycopg.Connection:
    """An autocommit connection whose statements give up after a few seconds; read-only for
    the probes, which must never change what they look at."""
    conn = psycopg.connect(**with_defaults(dsn), autocommit=True)
    conn.execute("SET statement_timeout = '5s'")
    if read_only:
        conn.execute("SET default_transaction_read_only = on")
    return conn


@dataclass(frozen=True)
class Link:
    """A round's connection, or why there is none (already explained and scrubbed)."""

    dsn: str
    conn: psycopg.Connection | None
    problem: str = ""
    reachable: bool = True
    connect_ms: float = 0.0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def open_link(dsn: str) -> Link:
    started = time.monotonic()
    try:
        conn = connect(dsn)
    except psycopg.Error as error:
        reachable, reason = explain(str(error), dsn)
        return Link(dsn, None, reason, reachable)
    return Link(dsn, conn, connect_ms=(time.monotonic() - started) * 1000)
