"""A window's state told as events: the cluster (a Service, its endpoints, the watch), healthy
metrics, a cutover and its steps, a move another cockpit published, the lease (shared by the
serving, honesty and rules tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cockpit.model import events as ev
from cockpit.model.checklist import Runbook
from cockpit.model.reduce import reduce
from cockpit.model.state import State, initial_state
from tests.helpers.kube import pod

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


def ready_or_crashing(name: str, version: str, ready: bool) -> dict:
    """A pod that is ready, or crash-looping."""
    if ready:
        return pod(name, version, started=T0.isoformat())
    return pod(name, version, False, restarts=7, reason="CrashLoopBackOff", started=T0.isoformat())


def cluster(selects: str, ready: dict[str, int], watch: str = "ok") -> list[ev.Event]:
    """The Service selecting `selects`; per version three desired pods, `ready[v]` ready."""
    pods = [
        ready_or_crashing(f"valeo-erp-{v}-{n}", v, n < ready.get(v, 3))
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
