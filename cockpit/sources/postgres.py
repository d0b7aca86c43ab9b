"""PostgreSQL checks, asked every `interval` seconds: the checklists' `postgres` items.

One short connection per round (libpq conninfo plus PG* variables and ~/.pgpass), every
check of the loaded runbooks over it, a `CheckResult` per item and the source's status:
ok, unreachable (nobody answers) or error (the server refused us: password, database).
`backup_age` looks at the backup directory, so it is judged even when the server is down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.clients.postgres import Link, open_link
from cockpit.model.checklist import PostgresCheck, Runbook
from cockpit.sources.base import CheckingSource, Emit
from cockpit.sources.pg_probes import evaluate

SOURCE = "postgres"


@dataclass(frozen=True)
class PgCheck:
    checklist: str
    item: str
    check: PostgresCheck


@dataclass(frozen=True)
class PostgresSettings:
    dsn: str = field(repr=False)  # may hold the password
    checks: tuple[PgCheck, ...] = ()
    values: Mapping[str, str] = field(default_factory=dict)
    interval: float = 30.0
    backup_dir: Path | None = None

    @classmethod
    def from_runbooks(
        cls,
        runbooks: Mapping[str, Runbook],
        dsn: str,
        values: Mapping[str, str],
        backup_dir: Path | None = None,
        interval: float = 30.0,
    ) -> PostgresSettings:
        """Every `postgres` check of the loaded runbooks, keyed by checklist name."""
        checks = tuple(
            PgCheck(name, item.id, item.check)
            for name, runbook in runbooks.items()
            for item in runbook.walk_items()
            if isinstance(item.check, PostgresCheck)
        )
        return cls(dsn, checks, values, interval, backup_dir)

    @property
    def filled(self) -> Mapping[str, str]:
        """`values`, with `${backup_dir}` from `backup_dir` unless the values name one."""
        if self.backup_dir is None or "backup_dir" in self.values:
            return self.values
        return {**self.values, "backup_dir": str(self.backup_dir)}


class PostgresSource(CheckingSource):
    name = SOURCE

    def __init__(self, settings: PostgresSettings, emit: Emit, clock=None) -> None:
        super().__init__(emit, clock)
        self.settings = settings

    def round(self) -> None:
        """Connect once, judge every check, then say how the server is doing."""
        needs_server = any(c.check.probe != "backup_age" for c in self.settings.checks)
        link = open_link(self.settings.dsn) if needs_server else Link(self.settings.dsn, None)
        try:
            for c in self.settings.checks:
                status, detail = evaluate(c.check, link, self.settings.filled, self.clock())
                self.result(c.checklist, c.item, status, detail)
            state, detail = _state(link, needs_server)
        finally:
            link.close()
        self.status(state, detail)

    def run(self) -> None:
        while not self._stop.is_set():
            self.round()
            self._stop.wait(self.settings.interval)


def _state(link: Link, needs_server: bool) -> tuple[str, str]:
    if not needs_server:
        return "ok", "no check asks the server"
    if link.conn is not None and link.conn.broken:
        return "unreachable", "the connection broke during the checks"
    if link.conn is not None:
        return "ok", f"connected in {link.connect_ms:.0f} ms"
    return ("error" if link.reachable else "unreachable"), link.problem
