"""The backup engine against a real server: plan, dump, verify, publish, fail cleanly,
retention, and restore (into a scratch database and over a target)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from psycopg.conninfo import make_conninfo

from cockpit.actions.backup import (
    BackupPlan,
    BackupSettings,
    Conninfo,
    _child,
    apply_retention,
    plan_backup,
    restore,
    run_backup,
)
from cockpit.clients.backups import list_backups
from tests.helpers.poll import eventually
from tests.postgres_server import REPO_ROOT, Database, PostgresServer, fake_backup


def no_progress(done: int, elapsed: float) -> None:
    """For runs whose progress the test does not look at."""


def files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def backup(dsn: str, directory: Path) -> tuple[BackupPlan, object]:
    plan = plan_backup(BackupSettings(dsn, directory))
    return plan, run_backup(plan, no_progress, threading.Event())


# --- plan -------------------------------------------------------------------------------------


def test_plan_names_the_target_and_passes_its_preconditions(
    postgres_server: PostgresServer, tmp_path: Path
):
    now = datetime(2025, 6, 15, 2, 0, 7, tzinfo=UTC)
    settings = BackupSettings(postgres_server.dsn(), tmp_path)
    plan = plan_backup(settings, now=now)
    assert (plan.database, plan.host, plan.port, plan.user) == (
        "valeo_erp",
        "127.0.0.1",
        str(postgres_server.port),
        "cockpit",
    )
    assert plan.path == tmp_path / "valeo_erp-20250615T020007Z.dump"
    assert {p.name: p.status for p in plan.preconditions} == {
        "directory": "passed",
        "pg_dump": "passed",
        "pg_restore": "passed",
        "database": "passed",
        "pg_dump version": "passed",
        "free space": "passed",
    }
    assert plan.ready and plan.free_bytes > 0 and plan.database_bytes > 1_000_000
    journaled = json.dumps(dataclasses.asdict(plan))
    for text in (journaled, repr(plan), repr(settings), str(plan.conninfo)):
        assert postgres_server.password not in text


def test_plan_fails_for_a_missing_directory_and_a_wrong_password(
    postgres_server: PostgresServer, tmp_path: Path
):
    wrong = "not-" + postgres_server.password
    plan = plan_backup(BackupSettings(postgres_server.dsn(password=wrong), tmp_path / "nope"))
    failed = {p.name: p.detail for p in plan.preconditions if p.status == "failed"}
    assert failed == {
        "directory": f"{tmp_path / 'nope'} does not exist",
        "database": "password authentication failed for user cockpit",
    }
    assert not plan.ready
    result = run_backup(plan, no_progress, threading.Event())
    assert (result.ok, result.step) == (False, "plan")
    assert "password authentication failed for user cockpit" in result.error
    assert wrong not in json.dumps(dataclasses.asdict(result))
    assert files(tmp_path) == []


# --- a good backup -----------------------------------------------------------------------------


def test_backup_writes_a_verified_dump_and_its_checksum(
    postgres_server: PostgresServer, tmp_path: Path
):
    plan = plan_backup(BackupSettings(postgres_server.dsn(), tmp_path))
    seen: list[tuple[int, float]] = []
    result = run_backup(plan, lambda done, elapsed: seen.append((done, elapsed)), threading.Event())
    assert (result.ok, result.step, result.error) == (True, "done", "")
    dump = Path(result.path)
    assert files(tmp_path) == [dump.name, f"{dump.name}.sha256"]
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert result.size_bytes == dump.stat().st_size > 100_000
    check = subprocess.run(
        ["sha256sum", "--check", f"{dump.name}.sha256"], cwd=tmp_path, capture_output=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert (tmp_path / f"{dump.name}.sha256").read_text() == f"{result.sha256}  {dump.name}\n"
    listing = subprocess.run([plan.pg_restore, "--list", str(dump)], capture_output=True, text=True)
    assert listing.returncode == 0 and "TABLE DATA public documents" in listing.stdout
    assert result.toc_entries >= 6
    sizes = [done for done, _ in seen]
    assert len(sizes) > 3 and sizes == sorted(set(sizes)) and sizes[-1] == result.size_bytes
    assert [t for _, t in seen] == sorted(t for _, t in seen)
    assert [b.name for b in list_backups(tmp_path, check_sums=True) if b.verified] == [dump.name]


# --- failures leave nothing that looks like a backup ---------------------------------------------


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"password": "wrong-horse"}, "password authentication failed for user cockpit"),
        ({"dbname": "valeo_erp_gone"}, "database valeo_erp_gone does not exist"),
    ],
)
def test_pg_dump_failure_is_explained_and_leaves_no_file(
    postgres_server: PostgresServer, tmp_path: Path, override: dict, reason: str
):
    plan = plan_backup(BackupSettings(postgres_server.dsn(), tmp_path))
    # the server changed its mind after the plan: pg_dump itself is refused
    broken = dataclasses.replace(plan, conninfo=Conninfo(postgres_server.dsn(**override)))
    result = run_backup(broken, no_progress, threading.Event())
    assert (result.ok, result.step) == (False, "pg_dump")
    assert result.error == f"pg_dump failed (exit 1): {reason}"
    assert "wrong-horse" not in json.dumps(dataclasses.asdict(result))
    assert files(tmp_path) == []


DISK_FULL_CHILD = """
import json, os, resource, sys, threading
from dataclasses import asdict
from pathlib import Path
from cockpit.actions.backup import BackupSettings, plan_backup, run_backup

resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))
plan = plan_backup(BackupSettings(os.environ["COCKPIT_TEST_DSN"], Path(sys.argv[1])))
result = run_backup(plan, lambda done, elapsed: None, threading.Event())
print(json.dumps(asdict(result)))
"""


def test_full_disk_is_reported_and_leaves_no_file(postgres_server: PostgresServer, tmp_path):
    """RLIMIT_FSIZE makes the writes fail with EFBIG, as a full disk fails them with ENOSPC."""
    child = subprocess.run(
        [sys.executable, "-c", DISK_FULL_CHILD, str(tmp_path)],
        env={**os.environ, "COCKPIT_TEST_DSN": postgres_server.dsn()},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout)
    assert (result["ok"], result["step"]) == (False, "write")
    found = re.fullmatch(
        r"disk full: writing valeo_erp-\d{8}T\d{6}Z\.dump\.partial failed after (\d+) bytes:"
        r" File too large",
        result["error"],
    )
    assert found, result["error"]
    assert 0 < int(found.group(1)) <= 300_000
    assert files(tmp_path) == []


def test_cancel_stops_pg_dump_and_leaves_no_file(postgres_server: PostgresServer, tmp_path):
    plan = plan_backup(BackupSettings(postgres_server.dsn(), tmp_path))
    cancel = threading.Event()
    result = run_backup(plan, lambda done, elapsed: cancel.set(), cancel)
    assert (result.ok, result.step) == (False, "cancelled")
    assert result.error.startswith("cancelled by the operator after ")
    assert files(tmp_path) == []
    eventually(
        lambda: (
            not postgres_server.sql(
                "SELECT 1 FROM pg_stat_activity WHERE application_name = 'cockpit-backup'"
            )
        ),
        what="the cancelled pg_dump's session to end",
    )


# --- retention --------------------------------------------------------------------------------


def test_retention_keeps_the_newest_of_each_day_and_month(tmp_path: Path):
    now = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
    day = datetime(2024, 1, 1, 2, 0, tzinfo=UTC)
    while day <= now:
        fake_backup(tmp_path, day)
        day += timedelta(days=1)
    fake_backup(tmp_path, datetime(2025, 6, 15, 10, 0, tzinfo=UTC))  # today's second
    fake_backup(tmp_path, datetime(2025, 6, 15, 3, 0, tzinfo=UTC), database="other_db")
    unverified = fake_backup(tmp_path, datetime(2023, 1, 1, tzinfo=UTC), verified=False)
    foreign = [tmp_path / "notes.dump", tmp_path / "valeo_erp-20230101T000000Z.dump.partial"]
    for path in foreign:
        path.write_text("not ours")

    deleted = apply_retention(tmp_path, keep_daily=30, keep_monthly=12, now=now)

    daily = [f"2025{m:02d}{d:02d}T020000Z" for m, d in [(5, d) for d in range(17, 32)]] + [
        f"202506{d:02d}T020000Z" for d in range(1, 15)
    ]
    monthly = [
        "20240731T020000Z",
        "20240831T020000Z",
        "20240930T020000Z",
        "20241031T020000Z",
        "20241130T020000Z",
        "20241231T020000Z",
        "20250131T020000Z",
        "20250228T020000Z",
        "20250331T020000Z",
        "20250430T020000Z",
    ]
    kept = {f"valeo_erp-{stamp}.dump" for stamp in [*daily, *monthly, "20250615T100000Z"]}
    kept |= {"other_db-20250615T030000Z.dump"}
    assert len(kept) == 29 + 10 + 1 + 1
    assert {b.name for b in list_backups(tmp_path) if b.verified} == kept
    assert all((tmp_path / f"{name}.sha256").exists() for name in kept)
    assert Path(tmp_path / "valeo_erp-20250615T020000Z.dump") in deleted
    assert not (tmp_path / "valeo_erp-20250615T020000Z.dump.sha256").exists()
    assert len(deleted) == (now.date() - datetime(2024, 1, 1).date()).days + 2 - len(kept) + 1
    assert unverified.exists() and all(path.exists() for path in foreign)


def test_retention_runs_after_a_good_backup_and_never_after_a_failed_one(
    postgres_server: PostgresServer, tmp_path: Path
):
    now = datetime.now(UTC)
    old = [fake_backup(tmp_path, now - timedelta(days=days)) for days in (400, 401)]
    recent = fake_backup(tmp_path, now - timedelta(days=2))
    plan = plan_backup(BackupSettings(postgres_server.dsn(), tmp_path))
    failing = dataclasses.replace(plan, conninfo=Conninfo(postgres_server.dsn(password="nope")))
    assert not run_backup(failing, no_progress, threading.Event()).ok
    assert all(p.exists() for p in [*old, recent])

    result = run_backup(plan, no_progress, threading.Event())
    assert result.ok
    assert sorted(result.deleted) == sorted(str(p) for p in old)
    assert not any(p.exists() for p in old) and recent.exists() and Path(result.path).exists()


def test_list_backups_newest_first_and_checks_sums_when_asked(tmp_path: Path):
    older = fake_backup(tmp_path, datetime(2025, 6, 14, 2, 0, tzinfo=UTC))
    newer = fake_backup(tmp_path, datetime(2025, 6, 15, 2, 0, tzinfo=UTC))
    bare = fake_backup(tmp_path, datetime(2025, 6, 16, 2, 0, tzinfo=UTC), verified=False)
    assert [(b.name, b.verified) for b in list_backups(tmp_path)] == [
        (bare.name, False),
        (newer.name, True),
        (older.name, True),
    ]
    newer.write_bytes(b"tampered")
    assert [b.verified for b in list_backups(tmp_path)] == [False, True, True]
    assert [b.verified for b in list_backups(tmp_path, check_sums=True)] == [False, False, True]


# --- restore ----------------------------------------------------------------------------------


def _restore_test_databases(server: PostgresServer) -> list[str]:
    return [
        row[0]
        for row in server.sql(
            "SELECT datname FROM pg_database WHERE datname LIKE '%\\_restore\\_test\\_%'"
        )
    ]


def test_restore_into_a_scratch_database_then_drops_it(
    postgres_server: PostgresServer, tmp_path: Path
):
    _, made = backup(postgres_server.dsn(), tmp_path)
    (latest,) = list_backups(tmp_path)
    seen: list[int] = []
    result = restore(
        latest,
        BackupSettings(postgres_server.dsn(), tmp_path),
        scratch=True,
        progress=lambda done, elapsed: seen.append(done),
        cancel=threading.Event(),
    )
    assert (result.ok, result.step, result.error) == (True, "done", "")
    assert result.database.startswith("valeo_erp_restore_test_")
    assert (result.tables, result.expected_tables) == (3, 3)
    assert result.dropped and result.bytes_read == made.size_bytes == seen[-1]
    assert _restore_test_databases(postgres_server) == []
    assert postgres_server.password not in json.dumps(dataclasses.asdict(result))


def test_restore_refuses_a_file_that_does_not_match_its_checksum(
    postgres_server: PostgresServer, tmp_path: Path
):
    _, made = backup(postgres_server.dsn(), tmp_path)
    dump = Path(made.path)
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    checked: list[str] = []
    result = restore(
        dump,
        postgres_server.dsn(),
        True,
        no_progress,
        threading.Event(),
        on_checksum=checked.append,
    )
    assert (result.ok, result.step, result.bytes_read, checked) == (False, "checksum", 0, [])
    assert "does not match its checksum" in result.error
    assert "refusing to restore it" in result.error
    assert _restore_test_databases(postgres_server) == []


def test_restore_over_the_target_brings_the_data_back(
    postgres_server: PostgresServer, fresh_database: Database, tmp_path: Path
):
    _, made = backup(fresh_database.dsn, tmp_path)
    assert made.ok
    postgres_server.sql("DELETE FROM documents", dbname=fresh_database.name)
    postgres_server.sql(
        "UPDATE alembic_version SET version_num = '005_x'", dbname=fresh_database.name
    )
    checked: list[str] = []
    result = restore(
        Path(made.path),
        fresh_database.dsn,
        False,
        no_progress,
        threading.Event(),
        on_checksum=checked.append,
    )
    assert (result.ok, result.step, result.database, result.dropped) == (
        True,
        "done",
        fresh_database.name,
        False,
    )
    assert (result.tables, result.expected_tables) == (3, 3)  # counted in the target
    assert checked == [made.sha256] == [result.sha256]  # recomputed, before pg_restore ran
    assert postgres_server.sql("SELECT count(*) FROM documents", dbname=fresh_database.name) == [
        (100,)
    ]
    assert postgres_server.sql(
        "SELECT version_num FROM alembic_version", dbname=fresh_database.name
    ) == [("004_add_numbering_table",)]


def test_the_password_reaches_the_tools_in_a_private_passfile_not_their_environment(
    tmp_path: Path, monkeypatch
):
    """As the PostgreSQL docs advise: PGPASSWORD is readable in the child's environment
    (`ps e`, /proc/PID/environ); a 0600 PGPASSFILE is not, and is gone once it ends."""
    monkeypatch.setenv("PGPASSWORD", "the-operators-own")  # would win over the passfile
    dsn = make_conninfo(host="db", user="admin", password="pa:ss\\w0rd", dbname="erp")
    conninfo = Conninfo(dsn)
    script = "import os, stat, sys; p = os.environ['PGPASSFILE']; " \
        "print(oct(stat.S_IMODE(os.stat(p).st_mode)), 'PGPASSWORD' in os.environ, p); " \
        "print(open(p).read(), end='')"  # fmt: skip
    with _child([sys.executable, "-c", script], conninfo, stdout=subprocess.PIPE) as child:
        out = child.communicate()[0].decode()
    head, line = out.splitlines()
    mode, has_password, path = head.split(" ", 2)
    assert (mode, has_password) == ("0o600", "False")
    assert line == "*:*:*:*:pa\\:ss\\\\w0rd"  # libpq's escapes: `\:` and `\\`
    assert not Path(path).exists()
