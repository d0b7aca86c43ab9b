"""Exports of a recorded session: an asciicast asciinema accepts, a report that tells it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.audit.journal import Journal
from cockpit.audit.trail import AuditTrail
from tests.ui.apps import NOW, build_app

ASCIINEMA = Path(sys.executable).parent / "asciinema"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
async def journal_path(tmp_path):
    path = tmp_path / "window.jsonl"
    app = build_app(trail=AuditTrail(Journal(path, clock=lambda: NOW)))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("j", "j", "space", "n", *"DBA ok", "enter")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.press("q", "y")
    return path


def export(path, fmt):
    return subprocess.run(
        [sys.executable, "-m", "cockpit", "audit", "export", str(path), "--format", fmt],
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_asciicast_is_valid_v2_and_asciinema_plays_it(journal_path, tmp_path):
    result = export(journal_path, "asciicast")
    assert result.returncode == 0, result.stderr
    header, *events = (json.loads(line) for line in result.stdout.splitlines())
    assert header["version"] == 2 and (header["width"], header["height"]) == (100, 30)
    assert isinstance(header["timestamp"], int)
    times = [e[0] for e in events]
    assert times == sorted(times) and all(isinstance(t, float | int) for t in times)
    assert {e[1] for e in events} <= {"o", "i", "m", "r"}
    assert all(isinstance(e[2], str) and len(e) == 3 for e in events)
    typed = "".join(e[2] for e in events if e[1] == "i")
    assert typed.startswith("jj n") and "DBA ok" in typed
    assert events[0][1:] == ["m", "session.start"]
    assert [e[2] for e in events if e[1] == "r"] == ["80x24"]
    frames = [e[2] for e in events if e[1] == "o"]
    assert "[x]" in frames[-1] and "[x]" not in frames[0]  # the tick shows up on screen
    cast = tmp_path / "window.cast"
    cast.write_text(result.stdout)
    played = subprocess.run([str(ASCIINEMA), "cat", str(cast)], capture_output=True, timeout=60)
    assert played.returncode == 0, played.stderr
    assert b"Go-live" in played.stdout and b"alice@bastion" in played.stdout


async def test_markdown_report_tells_the_story(journal_path):
    result = export(journal_path, "markdown")
    assert result.returncode == 0, result.stderr
    report = result.stdout
    assert report.startswith("# Deployment report: Go-Live VALEO-NeuroERP")
    assert "| alice@bastion | " in report and "Journal: intact" in report
    assert "(context `prod-cluster` at `https://127.0.0.1:1`, namespace `production`)" in report
    assert "ticked: **PostgreSQL Database** | alice@bastion" in report
    assert "note on **PostgreSQL Database**: DBA ok" in report
    assert "| Phase 1: Pre-Deployment | 1 | 99 |" in report
    assert "No cutover, rollback or backup was planned or run" in report
