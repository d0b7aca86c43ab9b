import json
import stat

from cockpit.audit.journal import Journal
from cockpit.model import events as ev
from cockpit.model.untrusted import contains_secret
from cockpit.runtime.progress import ProgressStore, window_path
from tests.disk import file_size_limit
from tests.planted import PLANTED, leaked

TICK = ev.Tick(checklist="go-live", item="a/b", by="alice", at="2026-11-21T11:00:00+00:00")


def test_checklist_events_are_kept_and_restored(tmp_path):
    path = tmp_path / "w.json"
    store = ProgressStore(path, "prod@production")
    store.record(TICK)
    store.record(ev.ClockTick(now="2026-11-21T11:00:01+00:00"))  # not progress: not kept
    store.record(ev.Collapse(checklist="go-live", section="a", collapsed=True))
    assert store.flush()
    store.close()
    again = ProgressStore(path, "prod@production")
    assert again.load() == [TICK, ev.Collapse(checklist="go-live", section="a", collapsed=True)]
    again.close()


def test_file_is_private_and_replaced_whole(tmp_path):
    path = tmp_path / "w.json"
    store = ProgressStore(path, "w")
    for n in range(50):
        store.record(ev.AddNote(checklist="c", item="i", text=f"note {n}", by="a", at="t"))
    store.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["window"] == "w" and len(data["events"]) == 50
    assert [p.name for p in tmp_path.iterdir()] == ["w.json"]  # no temp files left behind


def test_windows_are_kept_apart(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    staging, production = window_path("kind-a@staging"), window_path("kind-a@production")
    assert staging != production and staging.parent == production.parent
    assert str(staging).startswith(str(tmp_path))


def test_an_unwritable_place_is_reported_not_raised(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = ProgressStore(blocker / "sub" / "w.json", "w")
    store.record(TICK)
    assert store.flush(timeout=2) is False
    assert store.error is not None
    store.close()


def test_progress_waits_for_its_journal_record_to_be_durable(tmp_path):
    """A full disk, then kill -9: the tick must not persist without the record of it."""
    journal = Journal(tmp_path / "j.jsonl", sync_interval=0.05)
    journal.append("session.start", {"user": "alice"})
    journal.sync()
    store = ProgressStore(tmp_path / "w.json", "w")
    store.follow(journal)
    with file_size_limit(journal.path.stat().st_size):  # the journal is full …
        seq = journal.append(TICK.kind, TICK.to_data())
        store.record(TICK, seq)
        assert journal.failure is not None
        assert store.flush(timeout=0.5) is False  # … so the tick waits with its record
        assert not (tmp_path / "w.json").exists()  # what kill -9 would leave: no tick
    assert journal.retry()  # space again: the record is written, then synced
    assert store.flush(timeout=5)
    assert journal.durable_seq >= seq
    assert json.loads((tmp_path / "w.json").read_text())["events"][0]["kind"] == TICK.kind
    journal.close()
    store.close()


def test_without_a_journal_progress_is_written_at_once(tmp_path):
    store = ProgressStore(tmp_path / "w.json", "w")
    store.record(TICK)
    assert store.flush(timeout=5)
    store.close()


def test_skips_not_applicables_sign_offs_and_aborts_are_kept_with_their_reasons(tmp_path):
    """A restart brings back each item's state as it was left: who, when, why."""
    at = "2026-11-21T11:00:00+00:00"
    kept = [
        ev.Skip(checklist="go-live", item="a/b", reason="staging down", by="alice", at=at),
        ev.NotApplicable(checklist="go-live", item="a/c", by="alice", at=at),
        ev.NotApplicable(checklist="go-live", item="a/d", reason="no SSE", by="bob", at=at),
        ev.SignOff(
            checklist="go-live", item="a/e", name="Dana", role="Technical Lead", at=at, by="alice"
        ),
        ev.ActionPlanned(id="b1", action="backup", target="valeo", title="Backup"),
        ev.ActionConfirmed(id="b1", by="alice", overridden=("x",), reason="CAB-1", at=at),
        ev.ActionAbort(id="b1", by="alice", reason="too slow", at=at),
    ]
    store = ProgressStore(tmp_path / "w.json", "w")
    for event in kept:
        store.record(event)
    store.close()
    again = ProgressStore(tmp_path / "w.json", "w")
    assert again.load() == kept
    again.close()


def test_the_file_keeps_no_credential(tmp_path):
    path = tmp_path / "w.json"
    store = ProgressStore(path, "w")
    store.record(ev.AddNote(checklist="c", item="i", text=f"-u admin:{PLANTED[0]}", by="a", at="t"))
    store.record(ev.Skip(checklist="c", item="i", reason=f"key {PLANTED[7]}", by="a", at="t"))
    store.close()
    assert leaked(path.read_bytes()) == []
    assert not contains_secret(path.read_text())
