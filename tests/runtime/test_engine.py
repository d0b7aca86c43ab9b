"""The engine: the one way in, without Textual."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.trail import AuditTrail
from cockpit.model import events as ev
from cockpit.model.honesty import honest_verdict_violations
from cockpit.model.rules import HOLD, ROLLBACK
from cockpit.model.state import State
from cockpit.runtime.engine import Engine
from cockpit.runtime.progress import ProgressStore
from tests.disk import file_size_limit
from tests.helpers.poll import eventually
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


# --- two cockpits on one window: the one that did not act judges as the one that did -------


class Watching:
    """Cockpit B: an engine of its own, fed by its own watch of the emulator, judged as
    the app judges it once a second. It never acts: what it knows of A's move is what A
    published on the Service."""

    def __init__(self, kubeconfig) -> None:
        import threading

        from cockpit.clients.kube import kube_settings
        from cockpit.sources.kube import KubeSource

        session = make_session("go-live", kubeconfig=str(kubeconfig), context="valeo-sim")
        self.session = replace(session, operator="bob@laptop")
        self.engine = Engine(self.session, now=datetime.now(UTC).isoformat())
        self.lock, self.queued = threading.Lock(), []
        self.source = KubeSource(kube_settings(self.session), self._emit)
        self.threads = [threading.Thread(target=f, daemon=True) for f in self.source.loops()]
        for thread in self.threads:
            thread.start()

    def _emit(self, event) -> None:
        with self.lock:
            self.queued.append(event)

    def judged(self) -> State:
        with self.lock:
            events, self.queued = self.queued, []
        for event in (*events, ev.ClockTick(now=datetime.now(UTC).isoformat())):
            self.engine.dispatch(event)
        self.engine.judge(self.session.workspace.layout)
        return self.engine.state

    def until(self, condition: Callable[[State], object], what: str) -> State:
        def arrived() -> State | None:
            state = self.judged()
            return state if condition(state) else None

        return eventually(arrived, what=what, seen=lambda: self.engine.state.window)

    def stop(self) -> None:
        self.source.stop()
        for thread in self.threads:
            thread.join(10)


def the_move(state: State) -> str:
    service = state.kube.services.get("valeo-erp")
    return service.move.state if service is not None and service.move else ""


@pytest.fixture
def observer(cluster, kubeconfig):
    watching = Watching(kubeconfig)
    yield watching
    watching.stop()


def test_a_cockpit_that_did_not_act_is_not_ok_after_anothers_failed_cutover(
    cluster, kubeconfig, observer
):
    from tests.helpers.action_host import cluster_host, cut_over, later, observe, only

    ready = observer.until(lambda s: s.kube.services and s.window.state == "", "B sees blue")
    assert honest_verdict_violations(ready, "valeo-erp") == []
    alice = cluster_host(kubeconfig)
    controller = cut_over(alice)  # A: the Service now selects green (all ready, in the emulator)
    verifying = observer.until(lambda s: the_move(s) == "executing", "B sees A's move")
    assert verifying.window.state == HOLD
    # beside it, maybe, what B's watch saw of the endpoints at that moment (0/3 ready)
    said = "cutover by alice@bastion at 11:00Z not verified yet"
    assert any(said in reason for reason in verifying.window.reasons), verifying.window.reasons
    # A's own watch sees green crash-looping (1/3 ready) and gives up after its timeout
    observe(
        alice, selector="green", endpoints=(("green", True), ("green", False), ("green", False))
    )
    later(controller, alice, 31)
    assert only(alice).outcome == "failed" and controller.herald.flush()
    failed = observer.until(lambda s: the_move(s) == "failed", "B sees A's failure")
    assert failed.window.state == ROLLBACK
    assert honest_verdict_violations(failed, "valeo-erp") == []
    assert failed.alerts["rollback"].message == (
        "CUTOVER BY alice@bastion FAILED at 11:00Z: not verified after 30s: 1/3 green endpoints"
        " ready, 2 not ready; traffic on green · r starts the rollback"
    )


def test_a_cockpit_that_did_not_act_is_not_ok_after_the_actors_hang_up(
    cluster, kubeconfig, observer
):
    from tests.helpers.action_host import cluster_host, cut_over

    alice = cluster_host(kubeconfig)
    controller = cut_over(alice)
    observer.until(lambda s: the_move(s) == "executing", "B sees A's move")
    controller.detach()  # SIGHUP: A closes the move out on its way to the exit
    controller.close_out()
    cut = observer.until(lambda s: the_move(s) == "interrupted", "B sees A's safe point")
    assert cut.window.state == ROLLBACK and honest_verdict_violations(cut, "valeo-erp") == []
    assert cut.window.reasons == (
        "cutover by alice@bastion interrupted at 11:00Z: terminal gone: the Service selects "
        "green, its endpoints not verified; traffic on green (valeo-erp selects version=green)",
    )


def test_a_gates_decision_is_journaled_when_it_changes_and_only_then(tmp_path):
    engine = engine_at(tmp_path)
    engine.dispatch(ev.ClockTick(now=AT))
    engine.dispatch(ev.ClockTick(now=AT))
    engine.trail.journal.sync()
    decided = [r for r in read_records(tmp_path / "j.jsonl") if r.kind == "gate"]
    assert [r.data["decision"] for r in decided] == ["NO-GO"]
    assert engine.state.gates[decided[0].data["checklist"], decided[0].data["gate"]]
    engine.dispatch(ev.WindowJudged(state=ROLLBACK, reasons=("Error-Rate > 5%",), at=AT))
    engine.trail.journal.sync()
    reasons = [r.data["criteria"] for r in read_records(tmp_path / "j.jsonl") if r.kind == "gate"]
    assert len(reasons) == 2 and "window is ROLLBACK" in str(reasons[-1])
    engine.store.close()
