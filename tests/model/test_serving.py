"""The cluster and the actions beside the metrics: the window is never OK while the Service
selects fewer ready endpoints than its Deployment wants, while the watch that says so is
not live, or while an action failed and left the traffic where its verification failed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

import pytest

from cockpit.model import events as ev
from cockpit.model.evidence import GUARD, rejudge
from cockpit.model.metrics import STALE_AFTER
from cockpit.model.reduce import reduce
from cockpit.model.rules import HOLD, OK, ROLLBACK, judge_window, window_events
from cockpit.model.serving import quiet
from cockpit.model.state import State
from tests.helpers.serving import (
    HOLDER,
    MOVE,
    NOT_VERIFIED,
    T0,
    cluster,
    cutover,
    healthy_metrics,
    lease,
    published,
    state_of,
)


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
