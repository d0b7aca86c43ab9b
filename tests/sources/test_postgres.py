"""PostgresSource against a real server: rounds of the shipped checklists' checks, the
server going away and coming back, a wrong password, and stopping."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.load.checklist_yaml import parse_checklist
from cockpit.model import events as ev
from cockpit.model.checklist import Runbook
from cockpit.sources.postgres import PostgresSettings, PostgresSource
from tests.helpers.poll import eventually
from tests.postgres_server import ALEMBIC_HEAD, PostgresServer, fake_backup

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
PRE = "pre-deployment-check"
VERSION_ITEM = "phase-2-database-migrations/2-1-postgresql-setup/postgresql-laeuft-version-14"
DATABASE_ITEM = "phase-2-database-migrations/2-1-postgresql-setup/database-valeoerp-erstellt"
ROLE_ITEM = "phase-2-database-migrations/2-1-postgresql-setup/user-valeo-hat-rechte"
ALEMBIC_ITEM = "phase-2-database-migrations/2-2-migrations/4-migrations-angewendet"
RPO_ITEM = "phase-5-backups-dr/5-2-restore-test/rpo-24h-erreicht"


@pytest.fixture(scope="module")
def runbooks(repo_dir: Path) -> dict[str, Runbook]:
    names = (PRE, "go-live-checklist")
    return {
        name: parse_checklist((repo_dir / "checklists" / f"{name}.yaml").read_text(), name)
        for name in names
    }


def settings_for(runbooks, dsn: str, backup_dir: Path) -> PostgresSettings:
    return PostgresSettings.from_runbooks(runbooks, dsn, {}, backup_dir=backup_dir, interval=0.1)


def one_round(settings: PostgresSettings) -> list[ev.Event]:
    events: list[ev.Event] = []
    PostgresSource(settings, events.append, clock=lambda: NOW).round()
    return events


def results(events: list[ev.Event]) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (e.checklist, e.item): (e.status, e.detail) for e in events if isinstance(e, ev.CheckResult)
    }


def test_from_runbooks_finds_every_postgres_check(runbooks):
    settings = PostgresSettings.from_runbooks(runbooks, "", {"alembic_head": "x"})
    found = {(c.checklist, c.check.probe) for c in settings.checks}
    assert found == {
        (PRE, "server_version"),
        (PRE, "database_exists"),
        (PRE, "role_privileges"),
        (PRE, "alembic_revision"),
        (PRE, "backup_age"),
        ("go-live-checklist", "alembic_revision"),
        ("go-live-checklist", "connect"),
        ("go-live-checklist", "backup_age"),
    }
    assert settings.filled == {"alembic_head": "x"}


def test_a_round_judges_every_item_and_reports_ok(
    runbooks, postgres_server: PostgresServer, tmp_path: Path
):
    fake_backup(tmp_path, NOW - timedelta(hours=2))
    events = one_round(settings_for(runbooks, postgres_server.dsn(), tmp_path))
    seen = results(events)
    assert len(seen) == 8
    assert seen[(PRE, VERSION_ITEM)][0] == "pass"
    assert seen[(PRE, VERSION_ITEM)][1].startswith("PostgreSQL 15.")
    assert seen[(PRE, DATABASE_ITEM)] == ("pass", "database valeo_erp exists")
    assert seen[(PRE, ROLE_ITEM)] == ("fail", "no role valeo")  # the runbook's role, not ours
    assert seen[(PRE, ALEMBIC_ITEM)] == ("pass", f"revision {ALEMBIC_HEAD}")
    assert seen[(PRE, RPO_ITEM)] == ("pass", "valeo_erp-20250615T100000Z.dump, 2 h 00 min old")
    go_live = {item: verdict for (name, item), verdict in seen.items() if name != PRE}
    assert sorted(status for status, _ in go_live.values()) == ["pass", "pass", "unknown"]
    assert ("unknown", "no value for ${alembic_head} (set vars in the config)") in go_live.values()
    status = events[-1]
    assert isinstance(status, ev.SourceStatus)
    assert (status.source, status.state, status.at) == ("postgres", "ok", NOW.isoformat())
    assert status.detail.startswith("connected in ")


def test_server_stopped_is_unreachable_and_recovers(
    runbooks, postgres_server: PostgresServer, tmp_path: Path
):
    fake_backup(tmp_path, NOW - timedelta(hours=2))
    settings = settings_for(runbooks, postgres_server.dsn(), tmp_path)
    refused = f"connection refused: 127.0.0.1:{postgres_server.port}"
    postgres_server.stop()
    try:
        events = one_round(settings)
    finally:
        postgres_server.start()
    status = events[-1]
    assert (status.state, status.detail) == ("unreachable", refused)
    seen = results(events)
    assert seen[(PRE, VERSION_ITEM)] == ("unknown", refused)
    connect = [v for v in seen.values() if v[0] == "fail"]
    assert connect == [("fail", refused)]
    assert seen[(PRE, RPO_ITEM)][0] == "pass"  # the backup directory does not need the server
    assert one_round(settings)[-1].state == "ok"


def test_wrong_password_is_an_error_that_never_shows_the_password(
    runbooks, postgres_server: PostgresServer, tmp_path: Path
):
    wrong = "not-" + postgres_server.password
    events = one_round(settings_for(runbooks, postgres_server.dsn(password=wrong), tmp_path))
    status = events[-1]
    assert (status.state, status.detail) == (
        "error",
        "password authentication failed for user cockpit",
    )
    journal = json.dumps([e.to_data() for e in events])
    assert wrong not in journal and postgres_server.password not in journal
    assert (
        "password authentication failed for user cockpit"
        in results(events).get(
            (
                "go-live-checklist",
                "phase-3-post-deployment/verification/database/connection-pool-healthy",
            ),
            ("", ""),
        )[1]
    )


def test_runs_in_its_loop_until_stopped(runbooks, postgres_server: PostgresServer, tmp_path):
    events: list[ev.Event] = []
    source = PostgresSource(settings_for(runbooks, postgres_server.dsn(), tmp_path), events.append)
    assert source.name == "postgres"
    (loop,) = source.loops()
    thread = threading.Thread(target=loop)
    thread.start()
    eventually(
        lambda: sum(isinstance(e, ev.SourceStatus) for e in events) >= 2,
        what="two rounds of the source's loop",
        every=0.02,
    )
    source.stop()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert all(e.state == "ok" for e in events if isinstance(e, ev.SourceStatus))
