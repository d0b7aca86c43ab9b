"""A watched cluster told to an app as the Kubernetes source would: pods of two versions,
the Service selecting one, its endpoints (shared by the pane, snapshot, why and export
tests)."""

from __future__ import annotations

from typing import Any

from cockpit.model import events as ev


def pod(name: str, version: str = "blue", ready: bool = True, **extra: Any) -> dict[str, Any]:
    """A pod as the Kubernetes source reports it (`extra` overrides any field)."""
    return {
        "name": name,
        "labels": {"app": "valeo-erp", "version": version},
        "phase": "Running",
        "ready": ready,
        "containers": 1,
        "ready_containers": int(ready),
        "restarts": 0,
        "node": "node-1",
        "reason": "",
        "started": "2026-11-21T10:00:00+00:00",
    } | extra


def pods(n: int, version: str, ready: bool = True, reason: str = "") -> list[dict[str, Any]]:
    return [
        pod(
            f"valeo-erp-{version}-{i:05d}",
            version,
            ready,
            restarts=i % 7,
            node=f"node-{i % 40}",
            reason=reason,
        )
        for i in range(n)
    ]


def cluster(
    app: Any, blue: list[dict[str, Any]], green: list[dict[str, Any]], selected: str = "blue"
) -> None:
    app.dispatch(ev.KubeObserved(resource="pods", change="LIST", items=tuple(blue + green)))
    service = {"name": "valeo-erp", "selector": {"app": "valeo-erp", "version": selected}}
    app.dispatch(ev.KubeObserved(resource="services", change="LIST", items=(service,)))
    chosen = [p for p in blue + green if p["labels"]["version"] == selected]
    endpoints = [{"pod": p["name"], "ready": p["ready"]} for p in chosen]
    slice_ = {"name": "valeo-erp-1", "service": "valeo-erp", "endpoints": endpoints}
    app.dispatch(ev.KubeObserved(resource="endpointslices", change="LIST", items=(slice_,)))
    app.dispatch(ev.SourceStatus(source="kubernetes", state="ok", at=app.now()))
