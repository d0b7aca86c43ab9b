"""The cluster and the actions beside the metrics: the window is never OK while the Service
selects fewer ready endpoints than its Deployment wants, while the watch that says so is
not live, or while an action failed and left the traffic where its verification failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cockpit.model import events as ev
from cockpit.model.checklist import Runbook
from cockpit.model.evidence import GUARD, rejudge
from cockpit.model.metrics import STALE_AFTER
from cockpit.model.reduce import reduce
from cockpit.model.rules import HOLD, OK, ROLLBACK, judge_window, window_events
from cockpit.model.state import State, initial_state

T0 = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
PLAN = Runbook.model_validate(
    {
        "title": "Plan",
        "success": [{"name": "Error-Rate < 1%", "metric": "error_rate", "condition": "< 1%"}],
        "rollback_triggers": [
            {"name": "Error-Rate > 5%", "metric": "error_rate", "condition": "> 5%", "for": "2m"}
        ],
    }
)
MOVE = {"service": "valeo-erp", "namespace": "production", "to": "green"}
MOVE |= {"label": "version", "app": "valeo-erp"}


def pod(name: str, version: str, ready: bool) -> dict:
    return {
        "name": name,
        "labels": {"app": "valeo-erp", "version": version},
        "phase": "Running",
        "ready": ready,
        "containers": 1,
        "ready_containers": int(ready),
        "restarts": 0 if ready else 7,
        "node": "n",
        "reason": "" if ready else "CrashLoopBackOff",
        "started": T0.isoformat(),
    }


def cluster(selects: str, ready: dict[str, int], watch: str = "ok") -> list[ev.Event]:
    """The Service selecting `selects`; per version three desired pods, `ready[v]` ready."""
    pods = [
        pod(f"valeo-erp-{v}-{n}", v, n < ready.get(v, 3))
        for v in ("blue", "green")
        for n in range(3)
    ]
    selected = [p for p in pods if p["labels"]["version"] == selects]
    slice_ = {
        "name": "valeo-erp-x",
        "service": "valeo-erp",
        "endpoints": [{"pod": p["name"], "ready": p["ready"]} for p in selected],
    }
    deployments = [
        {"name": f"valeo-erp-{v}", "labels": {"app": "valeo-erp", "version": v}}
        | {"replicas": 3, "ready": ready.get(v, 3), "updated": 3, "available": ready.get(v, 3)}
        for v in ("blue", "green")
    ]
    service = {"name": "valeo-erp", "selector": {"app": "valeo-erp", "version": selects}}
    at = T0.isoformat()
    return [
        ev.KubeObserved(resource="services", change="LIST", items=(service,), at=at),
        ev.KubeObserved(resource="pods", change="LIST", items=tuple(pods), at=at),
        ev.KubeObserved(resource="endpointslices", change="LIST", items=(slice_,), at=at),
        ev.KubeObserved(resource="deployments", change="LIST", items=tuple(deployments), at=at),
        ev.SourceStatus(source="kubernetes", state=watch, at=at),
    ]


def healthy_metrics() -> list[ev.Event]:
    t = T0.timestamp()
    samples = tuple({"labels": {"version": v}, "t": t, "value": "0.002"} for v in ("blue", "green"))
    return [
        ev.SourceStatus(source="prometheus", state="ok", at=T0.isoformat()),
        ev.MetricObserved(metric="errors", samples=samples, at=T0.isoformat()),
    ]


def cutover(outcome: str, detail: str, executed: bool = True) -> list[ev.Event]:
    at = T0.isoformat()
    key = f"cutover@{at}"
    steps = [ev.ActionStep(id=key, step="dry-run", status="done", at=at)]
    if executed:
        steps += [
            ev.ActionStep(id=key, step="execute", status="done", at=at),
            ev.ActionStep(id=key, step="verify", status="failed", detail=detail, at=at),
        ]
    return [
        ev.ActionPlanned(
            id=key,
            action="cutover",
            target="valeo-erp",
            title="Cutover valeo-erp blue → green",
            params={"move": MOVE, "expected": "blue"},
            by="alice@bastion",
            at=at,
        ),
        ev.ActionConfirmed(id=key, by="alice@bastion", at=at),
        *steps,
        ev.ActionFinished(id=key, outcome=outcome, detail=detail, at=at),
    ]


def state_of(*events: ev.Event) -> State:
    state = initial_state({"plan": PLAN})
    for event in (ev.ClockTick(now=(T0 + timedelta(seconds=5)).isoformat()), *events):
        state = reduce(state, event)
    return state


def judged(state: State):
    verdict = judge_window(state, "plan", {"error_rate": "errors"}, "valeo-erp", "version")
    assert verdict is not None
    return verdict


@pytest.mark.parametrize("watch", ["ok", "reconnecting"])
def test_a_full_service_on_healthy_metrics_is_ok(watch):
    # a watch the server cut cleanly is open again: what it listed still stands
    verdict = judged(state_of(*healthy_metrics(), *cluster("blue", {}, watch=watch)))
    assert verdict.state == OK and verdict.reasons == ()
    (guard,) = [i for i in verdict.evidence if i["kind"] == GUARD]
    assert guard["state"] == OK and guard["series"] == "blue"


def test_a_watch_reconnecting_longer_than_the_stale_bound_vouches_no_more():
    """A server that accepts the connection and never answers (found by
    tests/truth/kube_machine.py): "reconnecting" is live only as long as data is fresh."""
    state = state_of(*healthy_metrics(), *cluster("blue", {}, watch="reconnecting"))
    later = T0 + STALE_AFTER + timedelta(seconds=1)
    samples = tuple(
        {"labels": {"version": v}, "t": later.timestamp(), "value": "0.002"}
        for v in ("blue", "green")
    )
    fresh = ev.MetricObserved(metric="errors", samples=samples, at=later.isoformat())
    verdict = judged(reduce(reduce(state, ev.ClockTick(now=later.isoformat())), fresh))
    assert verdict.state == HOLD
    assert verdict.reasons == (
        "the Kubernetes watch is reconnecting since 11:00:00 UTC: valeo-erp's endpoints are "
        "unknown",
    )


def test_fewer_ready_endpoints_than_desired_holds_the_window():
    verdict = judged(state_of(*healthy_metrics(), *cluster("green", {"green": 1})))
    assert verdict.state == HOLD
    assert verdict.reasons == ("valeo-erp selects version=green: 1/3 ready endpoints",)
    assert rejudge(verdict.evidence) == HOLD


@pytest.mark.parametrize("watch", ["unreachable", "connecting", "failed"])
def test_endpoints_a_watch_cannot_vouch_for_hold_the_window(watch):
    verdict = judged(state_of(*healthy_metrics(), *cluster("blue", {}, watch=watch)))
    assert verdict.state == HOLD
    assert verdict.reasons == (
        f"the Kubernetes watch is {watch}: valeo-erp's endpoints are unknown",
    )


def test_a_cutover_whose_verification_failed_leaves_the_window_at_rollback():
    # crashloop: green's pods never got ready, the Service was left on green
    failed = cutover("failed", "not verified after 2m: 1/3 green endpoints ready")
    state = state_of(*healthy_metrics(), *cluster("green", {"green": 1}), *failed)
    verdict = judged(state)
    assert verdict.state == ROLLBACK
    assert (
        "cutover failed, traffic on green (valeo-erp selects version=green): "
        "not verified after 2m: 1/3 green endpoints ready"
    ) in verdict.reasons
    assert rejudge(verdict.evidence) == ROLLBACK
    alert = next(e for e in window_events(state, verdict, UTC) if isinstance(e, ev.Alert))
    assert alert.key == "rollback" and alert.level == "critical"
    assert alert.message == (
        "CUTOVER FAILED: traffic on green (valeo-erp selects version=green) — not verified "
        "after 2m: 1/3 green endpoints ready · r starts the rollback"
    )


def test_a_failed_cutover_is_history_once_the_traffic_is_back_on_blue():
    failed = cutover("failed", "not verified after 2m: 1/3 green endpoints ready")
    verdict = judged(state_of(*healthy_metrics(), *failed, *cluster("blue", {"green": 1})))
    assert verdict.state == OK


def test_a_cutover_that_failed_before_its_patch_moved_no_traffic():
    failed = cutover("failed", "dry run refused", executed=False)
    verdict = judged(state_of(*healthy_metrics(), *cluster("blue", {}), *failed))
    assert verdict.state == OK


def test_a_cutover_cut_off_after_its_patch_is_unverified_traffic_too():
    cut = cutover("interrupted", "terminal gone after the patch: selects green, not verified")
    verdict = judged(state_of(*healthy_metrics(), *cluster("green", {}), *cut))
    assert verdict.state == ROLLBACK
    assert any(r.startswith("cutover interrupted, traffic on green") for r in verdict.reasons)


def test_without_metrics_a_failed_cutover_is_said_and_then_the_window_is_unjudged_not_ok():
    # no Prometheus: the rules have nothing to judge, but the failed cutover is a fact
    failed = cutover("failed", "not verified after 2m: 1/3 green endpoints ready")
    state = state_of(*cluster("green", {"green": 1}), *failed)
    verdict = judged(state)
    assert verdict.state == ROLLBACK
    for event in window_events(state, verdict, UTC):
        state = reduce(state, event)
    assert state.alerts["rollback"].message.startswith("CUTOVER FAILED: traffic on green")
    for event in cluster("blue", {"green": 1}):  # switched back to blue by hand
        state = reduce(state, event)
    verdict = judged(state)
    assert verdict.state == ""  # not judged: nothing measures it, so never OK
    for event in window_events(state, verdict, UTC):
        state = reduce(state, event)
    assert state.window.state == "" and "rollback" not in state.alerts
    assert judge_window(state, "plan", {"error_rate": "errors"}, "valeo-erp", "version") is None
