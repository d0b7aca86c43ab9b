"""A restart restores a window's progress as far as its journal proves it, never further:
a damaged progress file is kept aside with a located message, a hand-written tick is dropped."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cockpit.audit.journal import Journal
from cockpit.audit.trail import AuditTrail, default_journal_path
from cockpit.model import events as ev
from cockpit.model.config import Config
from cockpit.runtime.progress import ProgressStore, window_path
from cockpit.runtime.restore import journal_events, restore_window
from cockpit.runtime.session import open_session
from cockpit.runtime.wiring import assemble

WINDOW = "prod@production"
ITEM = "phase-1-pre-deployment/infrastructure/postgresql-database/production-database-provisioned"
TICK = ev.Tick(checklist="go-live", item=ITEM, by="alice@bastion", at="2026-11-21T11:00:00+00:00")
OTHER = f"{ITEM}/production-database-provisioned"
FORGED = ev.Tick(checklist="go-live", item=OTHER, by="mallory", at="2026-11-21T11:05:00+00:00")
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def state(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "state"


def journal_of(path: Path, window: str, *events: ev.Event) -> None:
    """A session of `window` that recorded `events`, as the cockpit does."""
    trail = AuditTrail(Journal(path))
    trail.record("session.start", {"window": window, "restored": []})
    for event in events:
        trail.event(event)
    trail.journal.close()


def save(path: Path, *events: ev.Event) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [{"kind": e.kind, "data": e.to_data()} for e in events]
    path.write_text(json.dumps({"format": 1, "window": WINDOW, "events": records}))


def window_session():
    settings = {"layout": "go-live", "operator": "alice@bastion", "t0": date(2026, 11, 21)}
    return open_session(Config.model_validate(settings | {"window": WINDOW}))


def opened():
    return assemble(window_session())


def close(parts) -> None:
    parts.trail.journal.close()
    parts.store.close()


def aside(path: Path, why: str) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.{why}-*"))


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"[1,2,3]", "not a JSON object but list"),
        (b'{"format": 1, "events": [[1]]}', "events[0] is not a progress event"),
        (b'{"format": 1, "events": {"kind": "item.tick"}}', "'events' is not a list"),
        (b'{"format": 1, "events": [{"kind": ["item.tick"], "data": {}}]}', "events[0] is"),
        (b"\xff\xfe", "not JSON"),
        (b'{"format": 9}', "unknown progress format 9"),
    ],
)
def test_a_damaged_progress_file_is_located_kept_aside_and_the_journal_restores(
    state, content, why
):
    journal_of(default_journal_path(WINDOW), WINDOW, TICK)
    path = window_path(WINDOW)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    parts = opened()  # no traceback
    assert parts.restored == [TICK]
    [notice] = parts.notices
    assert notice.startswith(f"{path}:1:1: progress damaged (")
    assert why in notice
    [kept] = aside(path, "damaged")
    assert kept.read_bytes() == content  # never deleted
    assert f"kept as {kept.name}" in notice
    assert parts.store.flush()  # the file now holds what the journal proves
    assert ProgressStore(path, WINDOW).load() == [TICK]
    close(parts)


def test_a_hand_written_tick_is_dropped_with_a_notice(state):
    journal_of(default_journal_path(WINDOW), WINDOW, TICK)
    path = window_path(WINDOW)
    save(path, TICK, FORGED)
    parts = opened()
    assert parts.restored == [TICK]
    [notice] = parts.notices
    assert notice.startswith(f"{path}:1:1: progress 1 of its 2 events has no record")
    [kept] = aside(path, "unproven")
    assert "mallory" in kept.read_text()
    close(parts)


def test_an_untick_cut_from_the_file_does_not_bring_the_tick_back(state):
    untick = ev.Untick(checklist="go-live", item=ITEM, by="alice@bastion", at="t")
    journal_of(default_journal_path(WINDOW), WINDOW, TICK, untick)
    save(window_path(WINDOW), TICK)
    parts = opened()
    assert parts.restored == [TICK, untick]
    assert parts.notices == []  # nothing unproven: the file only lagged behind
    assert parts.store.flush()
    assert ProgressStore(window_path(WINDOW), WINDOW).load() == [TICK, untick]
    close(parts)


def test_a_progress_file_the_journal_proves_is_restored_silently(state):
    journal_of(default_journal_path(WINDOW), WINDOW, TICK, ev.ClockTick(now="t"))
    save(window_path(WINDOW), TICK)
    parts = opened()
    assert parts.restored == [TICK] and parts.notices == []
    assert not list(window_path(WINDOW).parent.glob("*.json.*"))
    close(parts)


def test_only_the_windows_own_records_count(tmp_path):
    journal = tmp_path / "shared.jsonl"  # --audit PATH, used by two windows
    journal_of(journal, "staging@staging", FORGED)
    journal_of(journal, WINDOW, TICK)
    assert journal_events(journal, WINDOW) == [TICK]
    assert journal_events(journal, "staging@staging") == [FORGED]
    assert journal_events(tmp_path / "none.jsonl", WINDOW) == []


def test_a_second_damaged_file_in_the_same_second_is_kept_too(tmp_path):
    progress, journal = tmp_path / "w.json", tmp_path / "j.jsonl"
    for content in (b"[1]", b"[2]"):
        progress.write_bytes(content)
        restored = restore_window(progress, journal, WINDOW, now=NOW)
        assert restored.events == [] and len(restored.notices) == 1
    assert sorted(p.read_bytes() for p in aside(progress, "damaged")) == [b"[1]", b"[2]"]


async def test_the_cockpit_shows_and_journals_what_was_dropped(state):
    """The operator is told (a toast, kept in the journal); the state shown is the one the
    journal rebuilds."""
    from cockpit.audit.read import read_records
    from cockpit.model.reduce import reduce
    from cockpit.model.state import initial_state
    from cockpit.ui.app import CockpitApp

    journal = default_journal_path(WINDOW)
    journal_of(journal, WINDOW, TICK)
    save(window_path(WINDOW), TICK, FORGED)
    parts = opened()
    app = CockpitApp(
        window_session(),
        store=parts.store,
        restored=parts.restored,
        trail=parts.trail,
        notices=parts.notices,
        tick_seconds=None,
    )
    async with app.run_test(size=(80, 24)):
        assert app.state.item_progress("go-live", ITEM).by == "alice@bastion"
        assert not app.state.is_done("go-live", OTHER)
    app.close_stores()
    notices = [r.data["message"] for r in read_records(journal) if r.kind == "notice"]
    assert notices == parts.notices
    rebuilt = initial_state(app.session.workspace.runbooks)
    for event in journal_events(journal, WINDOW):
        rebuilt = reduce(rebuilt, event)
    assert (rebuilt.progress, rebuilt.collapsed) == (app.state.progress, app.state.collapsed)


def test_records_written_by_another_tool_are_read_too(tmp_path):
    """Records are passed over by their kind without decoding only when written as the
    cockpit writes them; any other spelling is decoded."""
    journal = tmp_path / "j.jsonl"
    lines = [
        {"seq": 0, "ts": "t", "kind": "session.start", "data": {"window": WINDOW}, "prev": ""},
        {"seq": 1, "ts": "t", "kind": TICK.kind, "data": TICK.to_data(), "prev": ""},
    ]
    journal.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert journal_events(journal, WINDOW) == [TICK]
    journal.write_text(journal.read_text() + '{"seq": 2, "kind": "item.tick"')  # torn
    assert journal_events(journal, WINDOW) == [TICK]


def test_a_file_that_cannot_be_kept_aside_is_said_so(tmp_path, monkeypatch):
    progress = tmp_path / "w.json"
    progress.write_bytes(b"[1]")

    def refuse(*_):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("cockpit.runtime.restore.os.rename", refuse)
    [notice] = restore_window(progress, tmp_path / "j.jsonl", WINDOW, now=NOW).notices
    assert notice.endswith("the file could not be renamed aside (Permission denied)")
    assert progress.read_bytes() == b"[1]"
