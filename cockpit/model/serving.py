"""What keeps the window from OK beside the metrics: where the traffic is, and how it is served.

The runbook's rules judge numbers; a window whose numbers look fine is still not OK while
the Service selects fewer ready endpoints than its Deployments want, while the watch that
would say so is not live, or while a cutover or rollback failed (or was cut off) after its
patch and left the traffic where its verification failed — this cockpit's own move, from
its journal, or any cockpit's, from the move published on the Service
(`cockpit.model.moves`), so a cockpit that did not act judges the window as the one that
did. Each is an evidence item (kind `guard`) with its state, so the journal keeps why and
`evidence.rejudge` agrees. Pure.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cockpit.model import evidence as proof
from cockpit.model import moves
from cockpit.model.evidence import HOLD, OK, ROLLBACK
from cockpit.model.kube import KubeState, Service
from cockpit.model.metrics import stale
from cockpit.model.moves import Move
from cockpit.model.state import ActionState, SourceState, State
from cockpit.model.untrusted import aware_time

#: the steps that come only after the patch was applied
AFTER = ("verify", "soak")
ENDPOINTS = "Service endpoints ready"
#: a watch in these states vouches for what it listed: "reconnecting" is a watch the
#: server cut cleanly, being opened again (a server that is gone says "unreachable") —
#: for as long as data stays fresh (`live`): a server that never answers is no watch
LIVE = ("ok", "reconnecting")
TRAFFIC = "Traffic where it was verified"
PUBLISHED = "Traffic where its mover left it"


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


def _patched(action: ActionState) -> bool:
    """The move's patch ran: the traffic moved (whatever came of it)."""
    return any((s.step, s.status) == ("execute", "done") or s.step in AFTER for s in action.steps)


def last_move(state: State) -> tuple[str, ActionState] | None:
    """The last cutover or switch back whose patch ran, with its id: it decides where the
    traffic stands (one refused before its patch moved nothing)."""
    moved = [(k, a) for k, a in state.actions.items() if a.action in moves.NAMES and _patched(a)]
    return moved[-1] if moved else None


def _superseded(key: str, action: ActionState, published: Move | None) -> bool:
    """Another cockpit published a move on the Service after this one's patch ran."""
    if published is None or published.id == key:
        return False
    patched = next((s.at for s in action.steps if (s.step, s.status) == ("execute", "done")), "")
    theirs, ours = aware_time(published.at), aware_time(patched or action.confirmed)
    return theirs is not None and ours is not None and theirs > ours


def traffic_item(state: State, now: datetime) -> proof.Item | None:
    """The last move, when it ended failed or cut off after its patch and the Service still
    selects where it moved the traffic: a failed cutover leaves the window at ROLLBACK,
    a failed switch back at HOLD. None when the traffic stands where it was verified."""
    last = last_move(state)
    if last is None:
        return None
    key, action = last
    move = action.params.get("move")
    if action.outcome not in moves.STRANDED or not isinstance(move, dict):
        return None
    service = state.kube.services.get(str(move.get("service", "")))
    label, to = str(move.get("label", "version")), str(move.get("to", ""))
    if service is None or service.selector.get(label) != to:
        return None  # moved back since, by the cockpit or by hand
    if _superseded(key, action, service.move):
        return None  # another cockpit moved the traffic since: its move decides
    where = f"traffic on {to} ({service.name} selects {label}={to})"
    detail = f"{action.action} {action.outcome}, {where}: {action.detail}"
    banner = f"{action.action.upper()} {action.outcome.upper()}: {where} — {action.detail}"
    state_ = ROLLBACK if action.action == "cutover" else HOLD
    return proof.guard_item(TRAFFIC, to, state_, detail, now, banner)


def _clock(moment: str | datetime) -> str:
    """A moment as the status bar's UTC clock says it ("12:03Z"); "?" when unreadable."""
    when = moment if isinstance(moment, datetime) else aware_time(moment)
    return f"{when.astimezone(UTC):%H:%M}Z" if when is not None else "?"


def _own(state: State, move: Move) -> ActionState | None:
    """This cockpit's own action, when the published move is one of its own."""
    action = state.actions.get(move.id)
    return (
        action
        if action is not None and (action.action, action.by) == (move.action, move.by)
        else None
    )


def owner_gone(state: State, move: Move, now: datetime) -> str | None:
    """Why the cockpit that published an executing move is gone, None while its window
    lock lives (or nothing can tell: it ran without a lock, the leases are not watched)."""
    if not move.holder or "leases" not in state.kube.listed:
        return None
    leases = list(state.kube.leases.values())
    for lease in leases:
        if lease.holder != move.holder:
            continue
        renewed = aware_time(lease.renewed)
        try:
            expired = renewed + timedelta(seconds=lease.duration) if renewed else None
        except OverflowError:  # a lease "for ever": alive
            return None
        return None if expired is None or expired >= now else f"owner gone since {_clock(expired)}"
    if not leases:
        return "owner gone: no window lock"
    if leases[0].holder:
        return f"owner gone: the window lock is held by {leases[0].holder} now"
    return f"owner gone since {_clock(leases[0].renewed)}: the window lock was given back"


def published_item(state: State, service: str, now: datetime) -> proof.Item | None:
    """The move a cockpit published on the Service (`cockpit.model.moves`), while the traffic
    stands where it moved it: failed or cut off, the same as this cockpit's own would be
    (a cutover ROLLBACK, a switch back HOLD); not verified yet, HOLD — and one whose
    owner's lock is gone is cut off, not running. None when it says nothing against the
    window: verified, the traffic moved since, or this cockpit's own move whose journal
    knows more (`traffic_item`)."""
    found = state.kube.services.get(service)
    if found is None:
        return None
    if found.move_error:
        return proof.guard_item(PUBLISHED, "", HOLD, f"{service}: {found.move_error}", now)
    move = found.move
    if move is None or move.state not in (moves.EXECUTING, *moves.STRANDED):
        return None
    if found.selector.get(move.label) != move.to:
        return None  # moved since, by a cockpit or by hand
    own = _own(state, move)
    verified = own is not None and any(
        (s.step, s.status) == ("verify", "done") or s.step == "soak" for s in own.steps
    )
    if own is not None and (own.outcome or verified):
        return None  # its own journal says how it ended, or that it verified the traffic
    where = f"traffic on {move.to} ({service} selects {move.label}={move.to})"
    who, loud = f"{move.name} by {move.by}", f"{move.name.upper()} BY {move.by}"
    moved = ROLLBACK if move.action == "cutover" else HOLD
    if move.state != moves.EXECUTING:
        said = f"at {_clock(move.updated or move.at)}: {move.detail}"
        detail = f"{who} {move.state} {said}; {where}"
        banner = f"{loud} {move.state.upper()} {said}; traffic on {move.to}"
        return proof.guard_item(PUBLISHED, move.to, moved, detail, now, banner)
    gone = None if own is not None else owner_gone(state, move, now)
    if gone is None:
        detail = f"{who} at {_clock(move.at)} not verified yet: {where}"
        return proof.guard_item(PUBLISHED, move.to, HOLD, detail, now)
    detail = f"{who} at {_clock(move.at)} interrupted? {gone}: {where}, not verified"
    banner = f"{loud} INTERRUPTED? {gone}: traffic on {move.to}, not verified"
    return proof.guard_item(PUBLISHED, move.to, moved, detail, now, banner)


def guards(state: State, service: str, label: str, now: datetime) -> list[proof.Item]:
    """Every guard that has something to say about the window now."""
    items = (
        endpoints_item(state, service, label, now),
        traffic_item(state, now),
        published_item(state, service, now),
    )
    return [item for item in items if item is not None]


def quiet(state: State, traffic: str | None, version: str | None) -> bool:
    """Whether `version` takes no requests now (measured by the `traffic` metric: 0/s),
    whatever its 5-minute rates still say; unknown traffic is never quiet."""
    metric = state.metrics.get(traffic) if traffic else None
    if metric is None or version is None:
        return False
    series = next((s for s in metric.series.values() if s.labels.get("version") == version), None)
    return series is not None and series.last is not None and series.last.value == 0
