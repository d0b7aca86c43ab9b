"""A session recorded in the cockpit replays to the same state and the same screen."""

import subprocess
import sys

import pytest

from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.records import Record
from cockpit.audit.replay import CHECKPOINT, Replay
from cockpit.audit.summary import summary
from cockpit.audit.trail import AuditTrail
from cockpit.model import events as ev
from cockpit.ui.replay_app import ReplayApp
from cockpit.ui.widgets.pods_pane import PodsPane
from cockpit.ui.widgets.rows_pane import RowsPane
from tests.helpers.poll import eventually_async
from tests.ui.apps import NOW, build_app

pytestmark = pytest.mark.usefixtures("isolated")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def screen_text(app) -> list[str]:
    """What the panes show, line by line (the status bar differs: REPLAY, audit seq)."""
    lines = []
    for pane in app.panes():
        if isinstance(pane, PodsPane):
            pane.catch_up()  # its timer's work, now: the comparison must not race it
        if isinstance(pane, RowsPane):
            height = pane.scrollable_content_region.height
            lines += [pane.render_line(y).text for y in range(height)]
            lines.append(str(pane.border_title))
        else:
            lines.append(str(pane.render()))
    return lines


async def record_session(path, size=(160, 48)):
    journal = Journal(path, clock=lambda: NOW)
    app = build_app(trail=AuditTrail(journal))
    async with app.run_test(size=size) as pilot:
        await pilot.press("j", "j", "j", "space", "j", "space", "n", *"DBA ok", "enter")
        await pilot.press("k", "enter")  # open the item view, then close it
        await pilot.press("escape", "slash", *"health", "enter", "j")
        check = "phase-2-deployment/production-deployment/health-checks/healthz-returns-200"
        app.dispatch(
            ev.CheckResult(checklist="go-live", item=check, status="fail", at=NOW.isoformat())
        )
        await pilot.press("tab")
        await pilot.pause(0.3)  # the pods pane catches up four times a second
        live_state, live_screen = app.state, screen_text(app)
        await pilot.press("q", "y")
    return live_state, live_screen


def comparable(state):
    return (
        dict(state.progress),
        dict(state.checks),
        dict(state.cursors),
        dict(state.filters),
        state.collapsed,
        state.focus,
        dict(state.alerts),
        {k: v.state for k, v in state.sources.items()},
        state.size,
    )


async def test_replay_rebuilds_the_state_and_the_screen(tmp_path):
    path = tmp_path / "j.jsonl"
    live_state, live_screen = await record_session(path)
    replay = Replay(read_records(path))
    assert comparable(replay.final) == comparable(live_state)
    app = ReplayApp(replay, path, autoplay=False, player=False)  # no REPLAY bar: same panes
    async with app.run_test(size=(160, 48)) as pilot:
        await app.seek_index(len(replay.steps) - 1)
        await pilot.pause(0.3)
        assert screen_text(app) == live_screen
    smaller = ReplayApp(replay, path, autoplay=False)
    async with smaller.run_test(size=(100, 30)) as pilot:  # the auditor's terminal
        await smaller.seek_index(len(replay.steps) - 1)
        await pilot.pause()
        assert smaller.active.layout.mode == "grid"  # as recorded at 160x48, not compact


async def test_replay_ignores_the_auditors_keys_and_plays_on_space(tmp_path):
    path = tmp_path / "j.jsonl"
    await record_session(path)
    replay = Replay(read_records(path))
    app = ReplayApp(replay, path, autoplay=False, speed=1000)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("j", "j", "n")  # would tick or note in the live cockpit
        assert app.state.progress == replay.state_after(0).progress
        await pilot.press("right", "right")
        assert app.position == 2
        await pilot.press("space")
        await eventually_async(
            lambda: app.position == len(replay.steps) - 1,
            what="the playback's last step",
            pause=pilot.pause,
            seen=lambda: app.position,
        )
        bar = str(app.query_one("#replay-bar").render())
        assert "REPLAY" in bar and "keys:" in bar


def test_seeking_from_checkpoints_equals_playing_from_the_start():
    records = []

    def record(seq, kind, data):
        ts = f"2026-11-21T{seq // 3600:02d}:{seq // 60 % 60:02d}:{seq % 60:02d}.000000Z"
        return Record(seq, ts, kind, data, "", None, b"")

    items = [{"id": f"s/{n}", "text": f"item {n}"} for n in range(50)]
    pane = {"kind": "checklist", "checklist": "c"}
    start = {
        "checklists": {
            "c": {"title": "t", "sections": [{"id": "s", "title": "s", "items": items}]}
        },
        "layout": {"title": "l", "checklists": {"c": "c"}, "rows": [{"panes": [pane]}]},
        "size": [80, 24],
    }
    records.append(record(0, "session.start", start))
    for seq in range(1, 2 * CHECKPOINT + 500):
        kind = "item.tick" if seq % 3 else "item.untick"
        records.append(
            record(seq, kind, {"checklist": "c", "item": f"s/{seq % 50}", "by": "a", "at": ""})
        )
    replay = Replay(records)
    state = replay.state_after(-1)
    for index in range(len(replay.steps)):
        state = replay._apply(state, replay.steps[index])
        if index in (0, 1, CHECKPOINT - 1, CHECKPOINT, CHECKPOINT + 1, 2 * CHECKPOINT + 7):
            assert replay.state_after(index).progress == state.progress
    assert replay.final.progress == state.progress


async def test_headless_replay_prints_the_final_state(tmp_path):
    path = tmp_path / "j.jsonl"
    await record_session(path)
    result = subprocess.run(
        [sys.executable, "-m", "cockpit", "replay", str(path), "--headless"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "go-live: VALEO-NeuroERP Go-Live Checklist: 2/196" in out
    assert "Phase 1: Pre-Deployment: 2/99" in out
    assert "ticked by: alice@bastion (2)" in out and "start  alice@bastion" in out


async def record_decisions(path, size=(160, 48)):
    """Skip, not applicable, sign-off, each by key; the screen as the operator left it."""
    journal = Journal(path, clock=lambda: NOW)
    app = build_app(trail=AuditTrail(journal))
    async with app.run_test(size=size) as pilot:
        await pilot.press("j", "j", "S", *"DBA on holiday", "enter")
        await pilot.press("j", "minus", "enter", "j", "minus", *"managed", "enter")
        app.dispatch(ev.MoveCursor(pane="go-live", row="i:sign-off/technical-lead"))
        await pilot.press("space", "ctrl+u", *"Dana Roth", "enter")
        app.dispatch(ev.MoveCursor(pane="go-live", row="i:phase-1-pre-deployment"))
        await pilot.pause()
        live_state, live_screen = app.state, screen_text(app)
        await pilot.press("q", "y")
    return live_state, live_screen


async def test_replay_shows_skips_not_applicables_and_sign_offs_as_they_were(tmp_path):
    path = tmp_path / "j.jsonl"
    live_state, live_screen = await record_decisions(path)
    statuses = sorted(p.status for p in live_state.progress.values())
    assert statuses == ["done", "not-applicable", "not-applicable", "skipped"]
    replay = Replay(read_records(path))
    assert comparable(replay.final) == comparable(live_state)
    assert any("[s]" in line and "skipped alice@bastion" in line for line in live_screen)
    assert sum("[-]" in line for line in live_screen) == 2
    assert any(line.endswith("0%, 1 skipped, 2 n/a") for line in live_screen)
    app = ReplayApp(replay, path, autoplay=False, player=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.seek_index(len(replay.steps) - 1)
        await pilot.pause(0.3)
        assert screen_text(app) == live_screen
    signed = replay.final.item_progress("go-live", "sign-off/technical-lead")
    assert (signed.signed_by, signed.recorded_by) == ("Dana Roth", "alice@bastion")
    headless = summary(replay)
    assert "go-live: VALEO-NeuroERP Go-Live Checklist: 1/196, 1 skipped, 2 n/a" in headless
    assert "  Phase 1: Pre-Deployment: 0/99, 1 skipped, 2 n/a" in headless
