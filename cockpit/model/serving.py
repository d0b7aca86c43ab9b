"""What keeps the window from OK beside the metrics: where the traffic is, and how it is served.

The runbook's rules judge numbers; a window whose numbers look fine is still not OK while
the Service selects fewer ready endpoints than its Deployments want, while the watch that
would say so is not live, or while a cutover or rollback failed (or was cut off) after its
patch and left the traffic where its verification failed. Each is an evidence item (kind
`guard`) with its state, so the journal keeps why and `evidence.rejudge` agrees. Pure.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cockpit.model import evidence as proof
from cockpit.model.evidence import HOLD, OK, ROLLBACK
from cockpit.model.kube import KubeState, Service
from cockpit.model.metrics import stale
from cockpit.model.state import ActionState, SourceState, State

#: the actions that move the traffic; a later one decides where it stands
MOVES = ("cutover", "rollback")
#: how an action ends that may have left the traffic moved but unverified
STRANDED = ("failed", "interrupted")
#: the steps that come only after the patch was applied
AFTER = ("verify", "soak")
ENDPOINTS = "Service endpoints ready"
#: a watch in these states vouches for what it listed: "reconnecting" is a watch the
#: server cut cleanly, being opened again (a server that is gone says "unreachable") —
#: for as long as data stays fresh (`live`): a server that never answers is no watch
LIVE = ("ok", "reconnecting")
TRAFFIC = "Traffic where it was verified"


def live(watch: SourceState, now: datetime) -> bool:
    """Whether the watch vouches for what it listed now: ok, or reconnecting for no
    longer than data stays fresh (the one staleness bound)."""
    if watch.state == "reconnecting":
        return not stale(datetime.fromisoformat(watch.since) if watch.since else None, now)
    return watch.state in LIVE


def desired(kube: KubeState, service: Service) -> int:
    """The replicas the Service's pods should have: its Deployments', else its pods'."""
    wanted = service.selector.items()
    replicas = sum(d.replicas for d in kube.deployments.values() if wanted <= d.labels.items())
    return replicas or len(kube.pods_matching(service.selector))


def ready_endpoints(kube: KubeState, service: Service) -> int:
    """Ready endpoints of pods the Service selects (a pod the watch does not know, or of
    another version, is not counted: it is not what the selector asks for)."""
    wanted = service.selector.items()
    return sum(
        ready and pod in kube.pods and wanted <= kube.pods[pod].labels.items()
        for pod, ready in kube.endpoints(service.name).items()
    )


def endpoints_item(state: State, service: str, label: str, now: datetime) -> proof.Item | None:
    """The Service's ready endpoints against the desired replicas; None when no watch
    is configured (nothing to say) or no Service is named."""
    watch = state.sources.get("kubernetes")
    if not service or watch is None or watch.state == "not configured":
        return None
    found = state.kube.services.get(service)
    version = found.selector.get(label, "") if found is not None else ""
    if not live(watch, now):
        state = watch.state
        if state in LIVE:  # for too long
            since = datetime.fromisoformat(watch.since).astimezone(UTC)
            state += f" since {since:%H:%M:%S} UTC"
        detail = f"the Kubernetes watch is {state}: {service}'s endpoints are unknown"
        return proof.guard_item(ENDPOINTS, version, HOLD, detail, now)
    if found is None or not found.selector:
        return proof.guard_item(ENDPOINTS, "", HOLD, f"{service} selects no pods", now)
    ready, wanted = ready_endpoints(state.kube, found), desired(state.kube, found)
    selects = f"{label}={version}" if version else "its pods"
    detail = f"{service} selects {selects}: {ready}/{wanted} ready endpoints"
    served = ready > 0 and ready >= wanted
    return proof.guard_item(ENDPOINTS, version, OK if served else HOLD, detail, now)


def last_move(state: State) -> ActionState | None:
    """The last confirmed cutover or rollback: it decides where the traffic stands."""
    moves = [a for a in state.actions.values() if a.action in MOVES and a.confirmed]
    return moves[-1] if moves else None


def traffic_item(state: State, now: datetime) -> proof.Item | None:
    """The last move, when it ended failed or cut off after its patch and the Service still
    selects where it moved the traffic: a failed cutover leaves the window at ROLLBACK,
    a failed switch back at HOLD. None when the traffic stands where it was verified."""
    action = last_move(state)
    move = action.params.get("move") if action is not None else None
    if action is None or action.outcome not in STRANDED or not isinstance(move, dict):
        return None
    if not any((s.step, s.status) == ("execute", "done") or s.step in AFTER for s in action.steps):
        return None  # the patch never ran: the traffic did not move
    service = state.kube.services.get(str(move.get("service", "")))
    label, to = str(move.get("label", "version")), str(move.get("to", ""))
    if service is None or service.selector.get(label) != to:
        return None  # moved back since, by the cockpit or by hand
    where = f"traffic on {to} ({service.name} selects {label}={to})"
    detail = f"{action.action} {action.outcome}, {where}: {action.detail}"
    banner = f"{action.action.upper()} {action.outcome.upper()}: {where} — {action.detail}"
    state_ = ROLLBACK if action.action == "cutover" else HOLD
    return proof.guard_item(TRAFFIC, to, state_, detail, now, banner)


def guards(state: State, service: str, label: str, now: datetime) -> list[proof.Item]:
    """Every guard that has something to say about the window now."""
    items = (endpoints_item(state, service, label, now), traffic_item(state, now))
    return [item for item in items if item is not None]
