"""Cutover and rollback (a) against the Kubernetes emulator: plan, dry run, 409, verify."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from cockpit.actions.plan import FAILED, PASSED, UNKNOWN, Plan, Precondition
from cockpit.actions.selector import (
    ActionError,
    Inputs,
    SelectorMove,
    apply_selector,
    endpoints_verdict,
    lock_held,
    metrics_clear,
    patch_selector,
    plan_cutover,
    read_selector,
)
from cockpit.clients.kube import KubeSettings, api_client
from cockpit.model import events as ev
from cockpit.model.reduce import reduce
from cockpit.model.state import State
from cockpit.sources.kube import KubeSource
from tests.helpers.poll import eventually

GREEN = SelectorMove(service="valeo-erp", namespace="production", to="green", app="valeo-erp")
BLUE = SelectorMove(service="valeo-erp", namespace="production", to="blue", app="valeo-erp")


@pytest.fixture
def api(kubeconfig):
    client = api_client(
        KubeSettings(
            namespace="production", app="valeo-erp", service="valeo-erp", kubeconfig=str(kubeconfig)
        )
    )
    yield client
    client.close()


def watched(kubeconfig, until, timeout=10.0) -> State:
    """The state the cockpit's Kubernetes source builds, once `until(state)` holds."""
    events: list[ev.Event] = []
    settings = KubeSettings(
        namespace="production", app="valeo-erp", service="valeo-erp", kubeconfig=str(kubeconfig)
    )
    source = KubeSource(settings, events.append)
    threads = [threading.Thread(target=loop, daemon=True) for loop in source.loops()]
    for thread in threads:
        thread.start()

    def reduced() -> State:
        state = State()
        for event in list(events):
            state = reduce(state, event)
        return state

    def arrived() -> State | None:
        state = reduced()
        return state if until(state) else None

    try:
        return eventually(
            arrived,
            what="the watched state to get there",
            timeout=timeout,
            every=0.1,
            seen=lambda: reduced().sources,
        )
    finally:
        source.stop()
        for thread in threads:
            thread.join(10)


def all_green(state: State) -> bool:
    return endpoints_verdict(state, GREEN, 3)[0]


def test_dry_run_changes_nothing_then_the_patch_does(cluster, api):
    assert read_selector(api, GREEN)[0] == "blue"
    assert patch_selector(api, GREEN, "blue", dry_run=True) == "selector version=green (dry run)"
    assert read_selector(api, GREEN)[0] == "blue"
    assert patch_selector(api, GREEN, "blue", dry_run=False) == "selector version=green"
    assert read_selector(api, GREEN)[0] == "green"
    service = cluster.store.get("services", "production", "valeo-erp")
    assert service["spec"]["selector"] == {"app": "valeo-erp", "version": "green"}


def test_a_service_changed_since_the_plan_is_refused(cluster, api):
    patch_selector(api, GREEN, "blue", dry_run=False)
    with pytest.raises(ActionError, match="changed since the plan: it selects version='green'"):
        patch_selector(api, BLUE, "green-was-expected-to-be-blue", dry_run=False)


def test_a_concurrent_change_is_a_409_and_changes_nothing(cluster, api):
    _, stale = read_selector(api, GREEN)
    patch_selector(api, replace(BLUE, to="canary"), "blue", False)
    with pytest.raises(ActionError, match="409 Conflict"):
        apply_selector(api, GREEN, stale, dry_run=False)
    assert read_selector(api, GREEN)[0] == "canary"


def test_forbidden_is_said_with_verb_and_resource(cluster, api):
    cluster.controller.deny("patch", "services")
    with pytest.raises(ActionError, match="patch services"):
        patch_selector(api, GREEN, "blue", dry_run=False)
    assert read_selector(api, GREEN)[0] == "blue"


def test_verify_sees_only_green_ready_endpoints_after_the_patch(cluster, api, kubeconfig):
    before = watched(kubeconfig, lambda s: len(s.kube.endpoints("valeo-erp")) == 3)
    ok, detail = endpoints_verdict(before, GREEN, 3)
    assert not ok and detail.startswith("0/3 green endpoints ready, 3 not green")
    patch_selector(api, GREEN, "blue", dry_run=False)
    after = watched(kubeconfig, all_green)
    assert endpoints_verdict(after, GREEN, 3) == (True, "3/3 green endpoints ready")


def test_cutover_preconditions_from_the_watched_state(cluster, kubeconfig):
    cluster.controller.crashloop("valeo-erp-green", 1)
    state = watched(
        kubeconfig,
        lambda s: (
            any(p.reason == "CrashLoopBackOff" for p in s.kube.pods.values())
            # each kind arrives on its own watch: the deployment and Service may come later
            and "valeo-erp-green" in s.kube.deployments
            and s.kube.deployments["valeo-erp-green"].ready < 3
            and "valeo-erp" in s.kube.services
            # and the watch vouches for them (its first word may come after the objects)
            and "kubernetes" in s.sources
            and s.sources["kubernetes"].state == "ok"
        ),
    )
    plan = plan_cutover(state, GREEN, Inputs(holder="alice@bastion#1-a1", lock_configured=False))
    checks = {c.name: c for c in plan.preconditions}
    assert checks["window lock"].status == UNKNOWN
    assert checks["Service valeo-erp exists and does not select green yet"].status == PASSED
    assert checks["green pods ready == desired"].status == FAILED
    assert checks["green pods ready == desired"].detail.endswith("/3 ready")
    assert checks["backup fresher than the RPO"].status == UNKNOWN
    assert checks["go/no-go is GO"].status == UNKNOWN
    assert plan.changes[1:3] == ("-   version: blue", "+   version: green")
    assert plan.title == "Cutover valeo-erp: blue → green"


@pytest.mark.parametrize(
    ("lock", "status", "detail"),
    [
        (
            ev.LockStatus(state="held", holder="alice@bastion#1-a1"),
            PASSED,
            "held by alice@bastion#1-a1",
        ),
        (
            ev.LockStatus(state="observer", holder="bob@laptop#2-b2"),
            FAILED,
            "held by bob@laptop#2-b2: only its holder acts",
        ),
    ],
)
def test_the_lock_precondition_reads_true_in_an_approvers_review_too(lock, status, detail):
    """The preview travels to a second operator: it says who holds the lock, never "you"."""
    state = reduce(State(), lock)
    check = lock_held(state, Inputs(holder="alice@bastion#1-a1", lock_configured=True))
    assert (check.name, check.status, check.detail) == ("window lock", status, detail)


def test_a_held_lock_whose_claim_lapsed_does_not_pass():
    """The lock's loop stalled past its lease (Ctrl+Z): another cockpit may hold it now, so
    this one does not act on it until it renewed (found by tests/truth/kube_machine.py)."""
    until = "2026-11-21T10:42:35+00:00"
    held = ev.LockStatus(state="held", holder="alice@bastion#1-a1", until=until)
    inputs = Inputs(holder="alice@bastion#1-a1", lock_configured=True)
    state = reduce(reduce(State(), held), ev.ClockTick(now="2026-11-21T10:42:34+00:00"))
    assert lock_held(state, inputs).status == PASSED
    state = reduce(state, ev.ClockTick(now="2026-11-21T10:42:36+00:00"))
    check = lock_held(state, inputs)
    assert check.status == FAILED
    assert check.detail == (
        "held by alice@bastion#1-a1 until 10:42:35 UTC, not renewed since: it may have been "
        "taken over"
    )


def test_typed_confirmation_names_the_target_and_override_lists_what_it_overrode():
    plan = Plan(
        action="cutover",
        target="valeo-erp",
        title="t",
        preconditions=(Precondition("a", PASSED), Precondition("b", FAILED, "x")),
    )
    assert plan.confirmation("y")[0] is False
    accepted, overridden, why = plan.confirmation("valeo-erp")
    assert not accepted and overridden == () and "type 'override valeo-erp'" in why
    assert plan.confirmation(" override valeo-erp ") == (True, ("b",), "")
    clean = Plan(action="cutover", target="valeo-erp", title="t")
    assert clean.confirmation("valeo-erp") == (True, (), "")
    assert clean.confirmation("override valeo-erp")[0] is False


def test_a_shadow_trigger_reports_and_never_blocks_the_cutover():
    from cockpit.model.checklist import Rule

    def rule(name: str, shadow: bool) -> Rule:
        spec = {"name": name, "metric": "error_rate", "condition": "> 0.5%", "for": "2m"}
        return Rule.model_validate(spec | {"shadow": shadow})

    green = {"labels": {"version": "green"}, "t": 1.0, "value": "0.008"}  # 0.8 %
    state = reduce(State(), ev.MetricObserved(metric="error_rate", samples=(green,), at="t"))
    inputs = Inputs(
        holder="h",
        lock_configured=False,
        triggers=(rule("tried out", shadow=True), rule("in force", shadow=False)),
        metric_keys={"error_rate": "error_rate"},
    )
    checks = list(metrics_clear(state, GREEN, inputs))
    assert [(c.name, c.status) for c in checks] == [("green not in trigger: in force", FAILED)]
