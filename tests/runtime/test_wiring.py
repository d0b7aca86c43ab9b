"""The window's journal: its own path, or beside it while another cockpit still writes it."""

from __future__ import annotations

import threading

import pytest

from cockpit.audit.journal import Journal
from cockpit.audit.trail import default_journal_path
from cockpit.audit.verify import INTACT, verify
from cockpit.runtime import wiring
from cockpit.runtime.wiring import SetupError, open_journal

WINDOW = "prod-cluster@production"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def test_the_window_journal_when_nobody_else_writes_it():
    journal, note = open_journal(None, WINDOW)
    assert journal.path == default_journal_path(WINDOW) and note is None
    journal.close()


def test_a_restart_right_after_an_ssh_drop_waits_for_the_old_cockpit():
    old = Journal(default_journal_path(WINDOW))
    old.append("session.start", {})
    ending = threading.Timer(0.2, lambda: (old.append("session.end", {}), old.close()))
    ending.start()
    journal, note = open_journal(None, WINDOW)
    ending.join()
    assert journal.path == default_journal_path(WINDOW) and note is None
    journal.append("session.start", {})
    journal.close()
    assert verify(journal.path).code == INTACT


def test_a_second_cockpit_of_the_window_journals_beside_the_first(monkeypatch):
    monkeypatch.setattr(wiring, "RESTART_WAIT", 0.0)
    first = Journal(default_journal_path(WINDOW))
    first.append("session.start", {})
    second, note = open_journal(None, WINDOW)
    third, _ = open_journal(None, WINDOW)
    paths = {first.path, second.path, third.path}
    assert len(paths) == 3 and all(p.parent == first.path.parent for p in paths)
    assert note is not None and str(first.path) in note and str(second.path) in note
    for journal in (second, third, first):
        journal.append("key", {"key": "j"})
        journal.close()
    assert all(verify(p).code == INTACT for p in paths)


def test_a_journal_named_on_the_command_line_is_never_swapped(tmp_path):
    path = tmp_path / "mine.jsonl"
    first = Journal(path)
    with pytest.raises(SetupError, match=rf"^{path}:1:1: .*another cockpit"):
        open_journal(path, WINDOW)
    first.close()


def test_what_a_second_cockpit_journaled_beside_the_window_is_restored(monkeypatch):
    """Its ticks went to `NAME.2.jsonl`: the next start restores them with the window's own."""
    from cockpit.model import events as ev
    from tests.ui.apps import make_session

    monkeypatch.setattr(wiring, "RESTART_WAIT", 0.0)
    session = make_session("go-live", context="prod-cluster", namespace="production")
    first = wiring.assemble(session)
    second = wiring.assemble(session)
    assert second.trail.journal.path.name.endswith(".2.jsonl")
    item = "phase-1-pre-deployment/infrastructure/kubernetes-cluster/production-namespace-created"
    tick = ev.Tick(checklist="go-live", item=item, by="bob@bastion", at="2026-11-21T11:00:00+00:00")
    second.trail.record("session.start", {"window": session.window})
    second.trail.commit(tick)
    for parts in (second, first):
        parts.trail.journal.close()
        parts.store.close()
    again = wiring.assemble(session)
    assert tick in again.restored
    again.trail.journal.close()
    again.store.close()


def test_a_running_cockpits_actions_stay_its_own_in_a_second_one(monkeypatch):
    """A second cockpit on the window, started while the first verifies a cutover: it
    restores the window's ticks, but not the first one's action as its own unfinished one
    (it said "the last cockpit ended … killed or crashed" of a live process). Once the first
    has gone, a restart finds the action and closes it."""
    from cockpit.model import events as ev
    from tests.ui.apps import make_session

    monkeypatch.setattr(wiring, "RESTART_WAIT", 0.0)
    session = make_session("go-live", context="prod-cluster", namespace="production")
    first = wiring.assemble(session)
    at = "2026-11-21T11:00:00+00:00"
    item = "phase-1-pre-deployment/infrastructure/kubernetes-cluster/production-namespace-created"
    tick = ev.Tick(checklist="go-live", item=item, by="alice@bastion", at=at)
    plan = ev.ActionPlanned(id="cutover@1", action="cutover", target="valeo-erp", title="Cutover",
                            by="alice@bastion", at=at)  # fmt: skip
    step = ev.ActionStep(id="cutover@1", step="verify", status="running", at=at)
    first.trail.record("session.start", {"window": session.window})
    for event in (tick, plan, step):
        first.trail.commit(event)
    second = wiring.assemble(session)
    assert tick in second.restored
    assert not [e for e in second.restored if isinstance(e, ev.ActionPlanned | ev.ActionStep)]
    for parts in (second, first):
        parts.trail.journal.close()
        parts.store.close()
    again = wiring.assemble(session)
    assert plan in again.restored and step in again.restored
    again.trail.journal.close()
    again.store.close()
