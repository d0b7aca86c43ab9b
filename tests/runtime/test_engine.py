"""The engine: the one way in, without Textual."""

from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.trail import AuditTrail
from cockpit.model import events as ev
from cockpit.runtime.engine import Engine
from cockpit.runtime.progress import ProgressStore
from tests.disk import file_size_limit
from tests.ui.apps import NOW, make_session

ITEM = "phase-1-pre-deployment/infrastructure/kubernetes-cluster/production-namespace-created"
AT = NOW.isoformat()


def engine_at(tmp_path) -> Engine:
    trail = AuditTrail(Journal(tmp_path / "j.jsonl", clock=lambda: NOW))
    store = ProgressStore(tmp_path / "w.json", "w")
    return Engine(make_session("go-live"), trail=trail, store=store, now=AT)


def test_a_claim_the_journal_cannot_make_durable_changes_nothing_and_is_said(tmp_path):
    engine = engine_at(tmp_path)
    engine.start_session()
    engine.trail.journal.sync()
    tick = ev.Tick(checklist="go-live", item=ITEM, by="alice", at=AT)
    with file_size_limit((tmp_path / "j.jsonl").stat().st_size):
        assert engine.dispatch(tick) is not None
    assert not engine.state.item_progress("go-live", ITEM).done
    assert engine.trail.journal.retry()
    engine.trail.journal.close()
    kinds = [r.kind for r in read_records(tmp_path / "j.jsonl")]
    assert "item.tick" not in kinds and "notice" in kinds


def test_after_the_journal_closed_nothing_is_recorded_kept_or_raised(tmp_path):
    """A hang-up: the action's worker outlived its grace and records after the close."""
    engine = engine_at(tmp_path)
    engine.start_session()
    engine.trail.journal.close()
    step = ev.ActionStep(id="c1", step="soak", status="running", at=AT)
    engine.record(step)
    assert engine.dispatch(ev.Tick(checklist="go-live", item=ITEM, by="alice", at=AT)) is None
    assert not engine.state.item_progress("go-live", ITEM).done
    engine.store.close()
    assert "action.step" not in (tmp_path / "j.jsonl").read_text()
