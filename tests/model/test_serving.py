"""The cluster and the actions beside the metrics: the window is never OK while the Service
selects fewer ready endpoints than its Deployment wants, while the watch that says so is
not live, or while an action failed and left the traffic where its verification failed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cockpit.model import events as ev
from cockpit.model.checklist import Runbook
from cockpit.model.evidence import GUARD, rejudge
from cockpit.model.metrics import STALE_AFTER
from cockpit.model.reduce import reduce
from cockpit.model.rules import HOLD, OK, ROLLBACK, judge_window, window_events
from cockpit.model.serving import quiet
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


# --- a move another cockpit published on the Service ---------------------------------------

HOLDER = "alice@bastion#4711-3f9a2c"


def published(state: str, detail: str = "", action: str = "cutover", to: str = "green", **over):
    """The Service as another cockpit left it: selecting `to`, its move annotated."""
    move = {
        "action": action,
        "id": f"{action}@{T0.isoformat()}",
        "by": "alice@bastion",
        "holder": HOLDER,
        "state": state,
        "at": (T0 - timedelta(minutes=2)).isoformat(),
        "updated": T0.isoformat(),
        "label": "version",
        "to": to,
        "detail": detail,
    } | over
    service = {"name": "valeo-erp", "selector": {"app": "valeo-erp", "version": to}, "move": move}
    return ev.KubeObserved(resource="services", change="MODIFIED", items=(service,))


def lease(holder: str, renewed: datetime = T0) -> ev.KubeObserved:
    item = {"name": "cockpit-window", "holder": holder, "renewed": renewed.isoformat()}
    item |= {"duration": 15, "resource_version": "1"}
    return ev.KubeObserved(resource="leases", change="LIST", items=(item,))


NOT_VERIFIED = "not verified after 2m: 1/3 green endpoints ready"


def test_a_cutover_another_cockpit_failed_leaves_this_window_at_rollback_too():
    # this cockpit did not act: its journal has no action, only the Service says it
    state = state_of(*healthy_metrics(), *cluster("green", {}), published("failed", NOT_VERIFIED))
    verdict = judged(state)
    assert verdict.state == ROLLBACK and rejudge(verdict.evidence) == ROLLBACK
    assert verdict.reasons == (
        f"cutover by alice@bastion failed at 11:00Z: {NOT_VERIFIED}; "
        "traffic on green (valeo-erp selects version=green)",
    )
    alert = next(e for e in window_events(state, verdict, UTC) if isinstance(e, ev.Alert))
    assert alert.message == (
        f"CUTOVER BY alice@bastion FAILED at 11:00Z: {NOT_VERIFIED}; traffic on green"
        " · r starts the rollback"
    )


def test_a_cutover_another_cockpit_left_at_a_hang_up_leaves_this_window_at_rollback():
    cut = published("interrupted", "terminal gone: traffic on green, soak cut short after 42 s")
    verdict = judged(state_of(*healthy_metrics(), *cluster("green", {}), cut))
    assert verdict.state == ROLLBACK
    assert verdict.reasons[0].startswith("cutover by alice@bastion interrupted at 11:00Z: ")


def test_a_move_still_being_verified_by_its_live_owner_holds_the_window():
    running = published("executing")
    verdict = judged(state_of(*healthy_metrics(), *cluster("green", {}), lease(HOLDER), running))
    assert verdict.state == HOLD
    assert verdict.reasons == (
        "cutover by alice@bastion at 10:58Z not verified yet: "
        "traffic on green (valeo-erp selects version=green)",
    )


@pytest.mark.parametrize(
    ("holder", "renewed", "said"),
    [
        (HOLDER, T0 - timedelta(minutes=5), "owner gone since 10:55Z"),
        ("bob@laptop#9-b", T0, "owner gone: the window lock is held by bob@laptop#9-b now"),
        ("", T0 - timedelta(minutes=1), "owner gone since 10:59Z: the window lock was given back"),
    ],
)
def test_an_executing_move_whose_owner_is_gone_is_not_shown_running(holder, renewed, said):
    events = (
        *healthy_metrics(),
        *cluster("green", {}),
        lease(holder, renewed),
        published("executing"),
    )
    verdict = judged(state_of(*events))
    assert verdict.state == ROLLBACK
    assert verdict.reasons == (
        f"cutover by alice@bastion at 10:58Z interrupted? {said}: "
        "traffic on green (valeo-erp selects version=green), not verified",
    )


@pytest.mark.parametrize("state", ["verified", "succeeded", "inconclusive"])
def test_a_verified_move_keeps_nothing_from_ok(state):
    verdict = judged(state_of(*healthy_metrics(), *cluster("green", {}), published(state)))
    assert verdict.state == OK


def test_a_published_failure_is_history_once_the_traffic_moved_back():
    events = (*healthy_metrics(), published("failed", NOT_VERIFIED), *cluster("blue", {}))
    assert judged(state_of(*events)).state == OK  # the selector moved back (by hand or a rollback)


def test_a_failed_switch_back_published_holds_the_window():
    failed = published("failed", "not verified", action="rollback-selector", to="blue")
    verdict = judged(state_of(*healthy_metrics(), *cluster("blue", {}), failed))
    assert verdict.state == HOLD
    assert verdict.reasons[0].startswith("switch back by alice@bastion failed at 11:00Z")


def test_an_unreadable_move_annotation_holds_the_window_and_says_where():
    service = {"name": "valeo-erp", "selector": {"app": "valeo-erp", "version": "green"}}
    service["move_error"] = "unreadable move annotation cockpit.dev/move: not a JSON object"
    bad = ev.KubeObserved(resource="services", change="MODIFIED", items=(service,))
    verdict = judged(state_of(*healthy_metrics(), *cluster("green", {}), bad))
    assert verdict.state == HOLD
    assert verdict.reasons == (
        "valeo-erp: unreadable move annotation cockpit.dev/move: not a JSON object",
    )


def test_the_acting_cockpit_says_its_own_failed_move_once():
    failed = cutover("failed", NOT_VERIFIED)
    own = published("failed", NOT_VERIFIED, id=failed[0].id, at=T0.isoformat())
    verdict = judged(state_of(*healthy_metrics(), *cluster("green", {"green": 1}), *failed, own))
    assert verdict.state == ROLLBACK
    assert [r for r in verdict.reasons if "failed" in r] == [
        f"cutover failed, traffic on green (valeo-erp selects version=green): {NOT_VERIFIED}"
    ]


def test_the_acting_cockpit_holds_its_own_move_until_it_verified_it():
    planned, confirmed, dry = cutover("failed", "")[:3]
    execute = ev.ActionStep(id=planned.id, step="execute", status="done", at=T0.isoformat())
    verify = ev.ActionStep(id=planned.id, step="verify", status="running", at=T0.isoformat())
    own = published("executing", id=planned.id)
    running = (*healthy_metrics(), *cluster("green", {}), planned, confirmed, dry, execute, verify)
    assert judged(state_of(*running, own)).state == HOLD  # no lease: it is this cockpit
    done = ev.ActionStep(id=planned.id, step="verify", status="done", at=T0.isoformat())
    assert judged(state_of(*running, own, done)).state == OK  # the annotation may lag


def test_a_switch_back_cut_off_after_its_patch_holds_the_window_in_its_own_cockpit():
    # the same as another cockpit judges it from the Service's annotation: not verified
    events = cutover("interrupted", "terminal gone after the patch: selects blue, not verified")
    events = [
        replace(e, action="rollback-selector") if isinstance(e, ev.ActionPlanned) else e
        for e in events
    ]
    events[0] = replace(events[0], params={"move": MOVE | {"to": "blue"}, "expected": "green"})
    verdict = judged(state_of(*healthy_metrics(), *cluster("blue", {}), *events))
    assert verdict.state == HOLD
    assert verdict.reasons[0].startswith("rollback-selector interrupted, traffic on blue")


def test_a_switch_back_that_failed_before_its_patch_leaves_the_failed_cutover_standing():
    failed = cutover("failed", NOT_VERIFIED)
    refused = [
        replace(e, id="rollback", at=(T0 + timedelta(seconds=1)).isoformat())
        for e in cutover("failed", "409 Conflict", executed=False)
    ]
    refused[0] = replace(refused[0], action="rollback-selector")
    verdict = judged(state_of(*healthy_metrics(), *cluster("green", {}), *failed, *refused))
    assert verdict.state == ROLLBACK


def test_a_later_move_of_another_cockpit_supersedes_this_cockpits_own_failed_one():
    # alice's cutover was cut off; bob switched back, then cut over again and verified it:
    # the selector is on green once more, but not because of alice's move
    own = cutover("interrupted", "terminal gone: the Service selects green, not verified")
    later = (T0 + timedelta(minutes=3)).isoformat()
    bobs = published("succeeded", id="cutover@bob", by="bob@laptop", at=later, updated=later)
    assert judged(state_of(*healthy_metrics(), *cluster("green", {}), *own, bobs)).state == OK
    older = (T0 - timedelta(hours=1)).isoformat()
    stale = published("succeeded", id="cutover@bob", by="bob@laptop", at=older, updated=older)
    verdict = judged(state_of(*healthy_metrics(), *cluster("green", {}), *own, stale))
    assert verdict.state == ROLLBACK  # the Service's move is older: alice's still decides


@pytest.mark.parametrize("at", ["2026-11-21T12:00:00", "yesterday", ""])
def test_times_in_a_published_move_or_a_lease_are_untrusted_and_never_raise(at):
    # a naive time cannot be compared with an aware one: read as unknown, never a TypeError
    own = cutover("interrupted", "terminal gone")
    naive_lease = ev.KubeObserved(
        resource="leases",
        change="LIST",
        items=({"name": "cockpit-window", "holder": HOLDER, "renewed": at, "duration": 10**12},),
    )
    bob = {"id": "cutover@bob", "by": "bob@laptop", "at": at}
    for move in (published("executing", **bob), published("failed", **bob, updated=at)):
        events = (*healthy_metrics(), *cluster("green", {}), *own, naive_lease, move)
        assert judged(state_of(*events)).state == ROLLBACK


# --- quiet: a version that takes no requests now ------------------------------------------


def traffic(**rates: str) -> State:
    samples = tuple(
        {"labels": {"version": v}, "t": T0.timestamp(), "value": r} for v, r in rates.items()
    )
    event = ev.MetricObserved(metric="rps", samples=samples, at=T0.isoformat())
    return reduce(State(), event)


def test_a_version_at_zero_requests_is_quiet_and_unknown_traffic_never_is():
    state = traffic(blue="0", green="12.5")
    assert quiet(state, "rps", "blue")
    assert not quiet(state, "rps", "green")
    assert not quiet(state, "rps", "canary")  # no series: not measured, not quiet
    assert not quiet(state, None, "blue") and not quiet(state, "other", "blue")
    assert not quiet(traffic(blue="NaN"), "rps", "blue")
