"""Cutover and rollback (a): move the Service's selector between blue and green.

Planning and verifying are pure: both read the watched state (the Service, the pods, the
EndpointSlices, the metrics, the gate), so the preview and the verdict show what the
cockpit saw. Only `patch_selector` talks to the API: it re-reads the Service, refuses if
it changed since the plan, and patches with that resourceVersion, so a concurrent change
is a 409 and nothing is half-done.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cockpit.actions.plan import FAILED, PASSED, UNKNOWN, Plan, Precondition
from cockpit.model.checklist import Rule
from cockpit.model.gate import GO, GateDecision
from cockpit.model.moves import ANNOTATION, Move, read_annotation
from cockpit.model.state import ItemKey, State

OTHER = {"blue": "green", "green": "blue"}


class ActionError(Exception):
    """A step that failed, said as the operator needs it; nothing was changed after it."""


@dataclass(frozen=True)
class SelectorMove:
    service: str
    namespace: str
    to: str  # the colour the selector will select
    label: str = "version"
    app: str = ""


@dataclass(frozen=True)
class Inputs:
    """What a cutover's preconditions look at besides the cluster."""

    holder: str  # this process's identity in the window lock (Session.holder)
    lock_configured: bool
    triggers: tuple[Rule, ...] = ()
    metric_keys: Mapping[str, str] | None = None  # rule metric → metric key in the state
    backup_checks: tuple[ItemKey, ...] = ()
    gate: GateDecision | None = None
    runbook: tuple[str, ...] = ()  # what the runbook says about this move


def _kube_known(state: State) -> str | None:
    source = state.sources.get("kubernetes")
    if source is None or source.state == "not configured":
        return "Kubernetes not configured"
    if source.state != "ok":
        return f"kubernetes {source.state} since {source.since}"
    return None


def lock_held(state: State, inputs: Inputs) -> Precondition:
    name = "window lock"  # the preview travels to an approver: no "you" in it
    lock = state.lock
    if not inputs.lock_configured or lock.state == "not configured":
        return Precondition(name, UNKNOWN, "no window lock configured")
    if lock.state == "held" and lock.holder == inputs.holder:
        if lock.lapsed(state.now or ""):
            until = datetime.fromisoformat(lock.until).astimezone(UTC).strftime("%H:%M:%S UTC")
            detail = f"held by {lock.holder} until {until}, not renewed since"
            return Precondition(name, FAILED, f"{detail}: it may have been taken over")
        return Precondition(name, PASSED, f"held by {lock.holder}")
    return Precondition(name, FAILED, f"{lock.said('', state.now or '')}: only its holder acts")


def pods_ready(state: State, move: SelectorMove) -> Precondition:
    name = f"{move.to} pods ready == desired"
    unknown = _kube_known(state)
    if unknown:
        return Precondition(name, UNKNOWN, unknown)
    wanted = {move.label: move.to} | ({"app": move.app} if move.app else {})
    deployments = [d for d in state.kube.deployments.values() if wanted.items() <= d.labels.items()]
    if not deployments:
        pods = state.kube.pods_matching(wanted)
        if not pods:
            return Precondition(name, FAILED, f"no {move.to} Deployment or pods")
        ready = sum(p.ready for p in pods)
        status = PASSED if ready == len(pods) else FAILED
        return Precondition(name, status, f"{ready}/{len(pods)} {move.to} pods ready")
    desired = sum(d.replicas for d in deployments)
    ready = sum(d.ready for d in deployments)
    status = PASSED if desired > 0 and ready == desired else FAILED
    return Precondition(name, status, f"{ready}/{desired} ready")


def selector_now(state: State, move: SelectorMove) -> Precondition:
    name = f"Service {move.service} exists and does not select {move.to} yet"
    unknown = _kube_known(state)
    if unknown:
        return Precondition(name, UNKNOWN, unknown)
    service = state.kube.services.get(move.service)
    if service is None:
        return Precondition(name, FAILED, f"no Service {move.service} in {move.namespace}")
    current = service.selector.get(move.label, "")
    if current == move.to:
        return Precondition(name, FAILED, f"already selects {move.label}={move.to}")
    return Precondition(name, PASSED, f"selects {move.label}={current or '(none)'}")


def _no_answer(state: State) -> str:
    """Why there is no metric: said from the source, not guessed."""
    source = state.sources.get("prometheus")
    if source is None or source.state == "not configured":
        return "Prometheus not configured"
    detail = f": {source.detail}" if source.detail else ""
    return f"no answer from Prometheus: {source.state} since {source.since}{detail}"


def metrics_clear(state: State, move: SelectorMove, inputs: Inputs) -> Iterable[Precondition]:
    keys = inputs.metric_keys or {}
    for rule in inputs.triggers:
        if rule.manual or rule.condition is None or rule.shadow:  # a shadow rule only reports
            continue
        name = f"{move.to} not in trigger: {rule.name}"
        if rule.metric not in keys:
            yield Precondition(name, UNKNOWN, f"no pane of this layout measures {rule.metric}")
            continue
        metric = state.metrics.get(keys[rule.metric or ""])
        if metric is None:
            yield Precondition(name, UNKNOWN, _no_answer(state))
            continue
        series = next(
            (s for s in metric.series.values() if s.labels.get(move.label) == move.to), None
        )
        value = series.last.value if series and series.last else None
        if value is None:
            yield Precondition(name, UNKNOWN, f"no {move.to} series")
        elif not math.isfinite(value):
            yield Precondition(name, UNKNOWN, f"no {move.to} traffic yet (NaN)")
        elif rule.condition.holds(value):
            yield Precondition(name, FAILED, f"{move.to} is at {value:g}")
        else:
            yield Precondition(name, PASSED, f"{move.to} at {value:g}")


def backup_fresh(state: State, inputs: Inputs) -> Precondition:
    name = "backup fresher than the RPO"
    results = [state.checks.get(key) for key in inputs.backup_checks]
    seen = [r for r in results if r is not None and r.status != UNKNOWN]
    if not seen:
        return Precondition(name, UNKNOWN, "no backup check has an answer")
    passing = [r for r in seen if r.status == "pass"]
    if passing:
        return Precondition(name, PASSED, passing[0].detail)
    return Precondition(name, FAILED, seen[0].detail)


def gate_open(inputs: Inputs) -> Precondition:
    name = "go/no-go is GO"
    if inputs.gate is None:
        return Precondition(name, UNKNOWN, "no go/no-go gate in the rules' checklist")
    if inputs.gate.decision == GO:
        return Precondition(name, PASSED, inputs.gate.gate.title)
    reasons = inputs.gate.reasons
    return Precondition(name, FAILED, "; ".join(reasons[:2]) or inputs.gate.decision)


def _changes(state: State, move: SelectorMove) -> tuple[str, ...]:
    service = state.kube.services.get(move.service)
    current = service.selector.get(move.label, "?") if service else "?"
    endpoints = state.kube.endpoints(move.service)
    return (
        f"Service {move.namespace}/{move.service}, spec.selector:",
        f"-   {move.label}: {current}",
        f"+   {move.label}: {move.to}",
        f"traffic now on {len(endpoints)} endpoint(s); after: the {move.to} pods",
        "first as a server-side dry run (dryRun=All), then for real",
    )


def plan_cutover(state: State, move: SelectorMove, inputs: Inputs) -> Plan:
    checks = (
        lock_held(state, inputs),
        selector_now(state, move),
        pods_ready(state, move),
        *metrics_clear(state, move, inputs),
        backup_fresh(state, inputs),
        gate_open(inputs),
    )
    return Plan(
        action="cutover",
        target=move.service,
        title=f"Cutover {move.service}: {OTHER.get(move.to, '?')} → {move.to}",
        changes=_changes(state, move),
        preconditions=checks,
        runbook=inputs.runbook,
    )


def plan_switch_back(state: State, move: SelectorMove, inputs: Inputs) -> Plan:
    """Rollback (a): the same move, back; only what must hold to switch safely."""
    checks = (lock_held(state, inputs), selector_now(state, move), pods_ready(state, move))
    return Plan(
        action="rollback-selector",
        target=move.service,
        title=f"Rollback {move.service}: selector back to {move.to}",
        changes=_changes(state, move),
        preconditions=checks,
        runbook=inputs.runbook,
    )


def endpoints_verdict(state: State, move: SelectorMove, desired: int) -> tuple[bool, str]:
    """The post-condition, observed: the Service's endpoints are all `to` pods, all ready."""
    endpoints = state.kube.endpoints(move.service)
    pods = state.kube.pods
    wrong = [p for p in endpoints if p not in pods or pods[p].labels.get(move.label) != move.to]
    waiting = [p for p, ready in endpoints.items() if not ready and p not in wrong]
    ready = len(endpoints) - len(wrong) - len(waiting)
    detail = f"{ready}/{desired} {move.to} endpoints ready"
    if waiting:
        detail += f", {len(waiting)} not ready"
    if wrong:
        detail += f", {len(wrong)} not {move.to} ({', '.join(sorted(wrong)[:2])})"
    return bool(endpoints) and not wrong and not waiting and ready >= desired, detail


def desired_replicas(state: State, move: SelectorMove) -> int:
    wanted = {move.label: move.to} | ({"app": move.app} if move.app else {})
    deployments = [d for d in state.kube.deployments.values() if wanted.items() <= d.labels.items()]
    return sum(d.replicas for d in deployments) or len(state.kube.pods_matching(wanted))


def _api_error(error: Exception, move: SelectorMove, verb: str) -> ActionError:
    from kubernetes.client.exceptions import ApiException

    if isinstance(error, ApiException) and error.status == 409:
        return ActionError(
            "409 Conflict: someone changed the Service at the same moment; "
            "nothing was changed, plan again"
        )
    if isinstance(error, ApiException):
        from cockpit.clients.kube import describe

        return ActionError(describe(error, verb, "services", move.namespace).detail)
    return ActionError(f"API unreachable: {error}")


def read_selector(api_client, move: SelectorMove) -> tuple[str, str]:
    """(the Service's current value of the label, its resourceVersion)."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    try:
        response = client.CoreV1Api(api_client).read_namespaced_service(
            move.service, move.namespace, _preload_content=False, _request_timeout=10
        )
    except (ApiException, OSError, ValueError) as error:
        raise _api_error(error, move, "get") from None
    service = json.loads(response.data)
    selector = service.get("spec", {}).get("selector") or {}
    return selector.get(move.label, ""), service["metadata"]["resourceVersion"]


def apply_selector(
    api_client,
    move: SelectorMove,
    resource_version: str,
    dry_run: bool,
    published: Move | None = None,
) -> str:
    """PATCH with the resourceVersion read before: a change in between is a 409, not a race.
    `published`: the move as every cockpit is to read it, in the same patch (one write:
    no cockpit sees the selector moved without the move that moved it)."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    metadata: dict[str, object] = {"resourceVersion": resource_version}
    if published is not None:
        metadata["annotations"] = {ANNOTATION: published.to_annotation()}
    body = {"metadata": metadata, "spec": {"selector": {move.label: move.to}}}
    try:
        response = client.CoreV1Api(api_client).patch_namespaced_service(
            move.service,
            move.namespace,
            body,
            dry_run="All" if dry_run else None,
            _preload_content=False,
            _request_timeout=10,
        )
    except (ApiException, OSError, ValueError) as error:
        raise _api_error(error, move, "patch") from None
    patched = json.loads(response.data)
    selector = (patched.get("spec", {}).get("selector") or {}).get(move.label, "")
    return f"selector {move.label}={selector}" + (" (dry run)" if dry_run else "")


def patch_selector(
    api_client, move: SelectorMove, expected: str, dry_run: bool, published: Move | None = None
) -> str:
    """Patch only if the Service still selects what the plan saw."""
    current, resource_version = read_selector(api_client, move)
    if current != expected:
        raise ActionError(
            f"the Service changed since the plan: it selects {move.label}={current!r} now"
            f" (expected {expected!r}); nothing was changed, plan again"
        )
    return apply_selector(api_client, move, resource_version, dry_run, published)


def publish_outcome(api_client, move: SelectorMove, published: Move, timeout: float) -> None:
    """Write the move's new state on its Service — only over the same move (a later one,
    another cockpit's switch back say, is never overwritten), with the resourceVersion
    read: a 409 is read and tried again once. Raises ActionError, saying why."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    api = client.CoreV1Api(api_client)
    for attempt in (1, 2):
        try:
            response = api.read_namespaced_service(
                move.service, move.namespace, _preload_content=False, _request_timeout=timeout
            )
            meta = json.loads(response.data).get("metadata") or {}
            there = read_annotation(meta.get("annotations")).get("move") or {}
            if there.get("id") != published.id:
                raise ActionError(f"the Service carries another move now ({there.get('id')})")
            annotations = {ANNOTATION: published.to_annotation()}
            body = {
                "metadata": {"resourceVersion": meta["resourceVersion"], "annotations": annotations}
            }
            api.patch_namespaced_service(
                move.service, move.namespace, body, _preload_content=False, _request_timeout=timeout
            )
            return
        except ApiException as error:
            if error.status != 409 or attempt == 2:
                raise _api_error(error, move, "patch") from None
        except (OSError, ValueError, KeyError) as error:
            raise _api_error(error, move, "patch") from None
