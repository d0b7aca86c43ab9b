"""Exports of a recorded session: an asciicast asciinema accepts, a report that tells it."""

import ast
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from cockpit.audit import records
from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.replay import Replay
from cockpit.audit.trail import AuditTrail
from cockpit.ui.cast import screen_frames
from cockpit.ui.widgets.status_bar import StatusBar
from tests.helpers.kube import cluster, pods
from tests.planted import PLANTED, leaked, leaky_layout
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
        await pilot.press("j", "j", "j", "space", "n", *"DBA ok", "enter")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.press("q", "y")
    return path


async def record(path, note: str = "", **config) -> str:
    """A short window; what the live status bar said after the tick."""
    app = build_app(trail=AuditTrail(Journal(path, clock=lambda: NOW)), **config)
    app.session = replace(app.session, note=note)
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.press("j", "j", "j", "space")
        await pilot.pause()
        bar = app.query_one(StatusBar).render().plain.strip()
        await pilot.press("q", "y")
    return bar


def screen_lines(frame: str) -> list[str]:
    """A frame's text: a new line at each cursor move, the styles left out."""
    moved = re.sub(r"\x1b\[\d+;\d+H", "\n", frame)
    return [
        line.strip()
        for line in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", moved).split("\n")
    ]


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
    assert typed.startswith("jjj n") and "DBA ok" in typed
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
    assert "ticked: Production database provisioned | alice@bastion" in report
    assert "note on Production database provisioned: DBA ok" in report
    assert "| Phase 1: Pre-Deployment | 1 | 0 | 0 | 99 |" in report
    assert "No cutover, rollback or backup was planned or run" in report


def cast_frames(path) -> list[str]:
    result = export(path, "asciicast")
    assert result.returncode == 0, result.stderr
    return [e[2] for e in map(json.loads, result.stdout.splitlines()[1:]) if e[1] == "o"]


PLAYER = ("REPLAY", "Pause/play", "Skip idle", "keys:", "×1")


@pytest.mark.parametrize(("read_only", "mark"), [(False, "rw"), (True, "READ-ONLY")])
async def test_the_cast_shows_the_operators_screen_not_the_player(tmp_path, read_only, mark):
    path = tmp_path / "window.jsonl"
    live = await record(path, read_only=read_only)
    assert "prod-cluster/production │ alice@bastion │ audit #" in live and f"│ {mark} │" in live
    frames = cast_frames(path)
    lines = [line for frame in frames for line in screen_lines(frame)]
    assert live in lines  # the status bar exactly as the operator saw it, audit seq and all
    assert any("prod-cluster/production │ alice@bastion │ audit #1 │" in line for line in lines)
    everything = "".join(frames)
    assert not [word for word in PLAYER if word in everything]
    assert "? Help" in lines  # the live footer, with the risky keys only when rw
    assert ("c Cutover" in lines) is not read_only


async def test_the_cast_keeps_the_status_bars_mark(tmp_path):
    path = tmp_path / "window.jsonl"
    live = await record(path, note="DEMO · simulated metrics")
    assert live.startswith("DEMO · simulated metrics │ prod-cluster/production")
    assert live in [line for frame in cast_frames(path) for line in screen_lines(frame)]


async def test_a_frame_shows_the_pods_the_watch_reported_then(tmp_path):
    """The pods pane rebuilds four times a second live; a frame does not wait for that."""
    path = tmp_path / "window.jsonl"
    app = build_app(trail=AuditTrail(Journal(path, clock=lambda: NOW)))
    async with app.run_test(size=(160, 48)) as pilot:
        cluster(app, pods(3, "blue"), pods(3, "green", ready=False, reason="CrashLoopBackOff"))
        await pilot.press("q", "y")
    replay = Replay(read_records(path))
    listed = next(i for i, s in enumerate(replay.steps) if s.record.data.get("resource") == "pods")
    ((index, frame),) = await screen_frames(replay, [listed], path=path)
    assert index == listed
    assert any(
        "valeo-erp-green-00002" in line and "CrashLoopBackOff" in line
        for line in screen_lines(frame)
    )


def test_audit_does_not_import_the_ui():
    audit = Path(__file__).resolve().parents[2] / "cockpit" / "audit"
    imported = {
        f"{module.name}: {name}"
        for module in audit.glob("*.py")
        for node in ast.walk(ast.parse(module.read_text()))
        for name in (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
        if name.startswith("cockpit.ui")
    }
    assert not imported


# --- a journal that holds raw escapes and credentials (an old cockpit, another tool) ------

RAW = "\x1b]0;owned\x07\x1b]52;c;ZXZpbA==\x07\x9b2J\u202e"
SECRET = "Authorization: Bearer abc.def.ghi, dsn host=db password=hunter22"
#: the one OSC the cockpit itself sends (Textual sets the mouse pointer's shape)
TEXTUALS_OWN = re.compile(r"\x1b\]22;[\w-]*(\x07|\x1b\\)")
NEVER = ("\x1b]", "\x07", "\x9b", "\u202e", "abc.def.ghi", "hunter22")


@pytest.fixture
def hostile_journal(journal_path, monkeypatch):
    """The recorded session, then records as a careless writer would have put them (an
    older cockpit, whose journal did not clean what it wrote)."""
    from cockpit.audit.read import read_records

    monkeypatch.setattr(records, "scrub_tree", lambda data: data)
    monkeypatch.setattr(records, "escaped", lambda text: text)
    start = next(r.data for r in read_records(journal_path) if r.kind == "session.start")
    item = "phase-1-pre-deployment/infrastructure/postgresql-database"
    journal = Journal(journal_path, clock=lambda: NOW)
    journal.append(
        "session.start",
        start | {"operator": f"eve{RAW}", "ssh_client": f"10.0.0.1 {RAW}", "term": f"xterm{RAW}"},
    )
    journal.append(
        "item.note",
        {"checklist": "go-live", "item": item, "text": f"{RAW} {SECRET}", "by": f"eve{RAW}"},
    )
    journal.append("item.tick", {"checklist": "go-live", "item": item, "by": f"eve{RAW}"})
    journal.append("source.status", {"source": "postgres", "state": "error", "detail": SECRET})
    journal.append("alert", {"key": "k", "level": "critical", "message": f"{RAW} {SECRET}"})
    journal.append(
        "action.plan",
        {"id": "a1", "action": "backup", "target": "erp", "title": f"Backup {RAW}", "by": "eve"},
    )
    journal.append("action.confirm", {"id": "a1", "by": "eve"})
    journal.append(
        "action.step", {"id": "a1", "step": "dump", "status": "failed", "detail": SECRET}
    )
    journal.append("action.end", {"id": "a1", "outcome": "failed", "detail": f"{RAW} {SECRET}"})
    journal.close()
    raw = journal_path.read_text(encoding="utf-8")
    assert "hunter22" in raw and "\u202e" in raw  # the journal itself holds them raw
    return journal_path


def test_a_report_of_a_hostile_journal_shows_escapes_and_hides_credentials(hostile_journal):
    result = export(hostile_journal, "markdown")
    assert result.returncode == 0, result.stderr
    report = result.stdout
    for raw in NEVER:
        assert raw not in report
    shown = "␛]0;owned␇␛]52;c;ZXZpbA==␇<U+009B>2J<U+202E>"
    assert f"| eve{shown} |" in report and f"10.0.0.1 {shown}" in report
    assert f"note on **PostgreSQL Database**: {shown} Authorization: Bearer ***" in report
    assert f"critical: {shown} Authorization: Bearer ***, dsn host=db password=***" in report
    assert f"### Backup {shown}: failed" in report
    assert "dump failed: Authorization: Bearer ***, dsn host=db password=***" in report


async def test_an_asciicast_of_a_hostile_journal_sends_no_escape_of_its_own(hostile_journal):
    result = export(hostile_journal, "asciicast")
    assert result.returncode == 0, result.stderr
    header, *events = (json.loads(line) for line in result.stdout.splitlines())
    sent = "".join(e[2] for e in events if e[1] in ("o", "m")) + json.dumps(header)
    sent = TEXTUALS_OWN.sub("", sent)  # the cast is the terminal's bytes: Textual's too
    for raw in NEVER:
        assert raw not in sent
    assert "alert: ␛]0;owned␇" in sent and "Bearer ***" in sent


def export_to(path, fmt, output):
    argv = ["audit", "export", str(path), "--format", fmt, "-o", str(output)]
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *argv],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("fmt", ["markdown", "asciicast"])
async def test_an_export_file_is_private_and_written_whole(journal_path, tmp_path, fmt):
    out = tmp_path / "report.out"
    out.write_text("an older export\n")
    out.chmod(0o644)
    result = export_to(journal_path, fmt, out)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    assert "an older export" not in out.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


async def test_an_export_never_writes_through_a_symlink(journal_path, tmp_path):
    target = tmp_path / "elsewhere.md"
    target.write_text("")
    link = tmp_path / "report.md"
    link.symlink_to(target)
    result = export_to(journal_path, "markdown", link)
    assert result.returncode == 0, result.stderr
    assert target.read_text() == ""
    assert not link.is_symlink() and "# Deployment report" in link.read_text()


async def test_a_report_of_a_journal_cut_after_its_close_says_tampered(journal_path):
    kept = journal_path.read_bytes().split(b"\n")[:-4]  # head -n -3
    journal_path.write_bytes(b"\n".join(kept) + b"\n")
    result = export(journal_path, "markdown")
    assert result.returncode == 0, result.stderr
    assert "Journal: intact" not in result.stdout and "TAMPERED" in result.stdout
    assert "TAMPERED" in result.stderr


async def test_no_export_shows_a_credential_an_older_journal_kept(tmp_path, monkeypatch):
    path = tmp_path / "window.jsonl"
    with monkeypatch.context() as older:  # a cockpit before the journal scrubbed its records
        older.setattr(records, "scrub_tree", lambda data: data)
        older.setattr(records, "escaped", lambda text: text)
        app = build_app(leaky_layout(tmp_path), trail=AuditTrail(Journal(path, clock=lambda: NOW)))
        async with app.run_test(size=(120, 32)) as pilot:
            await pilot.pause()
            app.trail.record("paste", {"text": f"curl -u admin:{PLANTED[0]}"})
            await pilot.press("j", "enter")
            await pilot.pause()
            await pilot.press("escape", "q", "y")
    assert leaked(path.read_bytes())  # the older journal has them
    for fmt in ("markdown", "asciicast"):
        result = export(path, fmt)
        assert result.returncode == 0, result.stderr
        assert leaked(result.stdout) == [], fmt
