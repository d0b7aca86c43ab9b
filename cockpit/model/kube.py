"""What the cockpit knows of the cluster: the few facts of each object it shows.

Sources turn API objects into these small records (so the journal stays small and replay
needs no cluster); `reduce` keeps them per kind and name. Readiness comes from the
Ready condition, never from the phase.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from cockpit.model.moves import Move, move_of

KINDS = ("pods", "services", "endpointslices", "deployments", "leases")


@dataclass(frozen=True)
class Pod:
    name: str
    labels: Mapping[str, str]
    phase: str
    ready: bool
    containers: int
    ready_containers: int
    restarts: int
    node: str
    reason: str  # CrashLoopBackOff, ImagePullBackOff, Pending, Terminating … or ""
    started: str  # RFC 3339, "" when not started

    @property
    def version(self) -> str:
        return self.labels.get("version", "")


@dataclass(frozen=True)
class Service:
    name: str
    selector: Mapping[str, str]
    #: the last move published on it by a cockpit (None: none, or unreadable)
    move: Move | None = None
    move_error: str = ""  # why its move annotation cannot be read ("" when it can)


@dataclass(frozen=True)
class Endpoint:
    pod: str
    ready: bool


@dataclass(frozen=True)
class EndpointSlice:
    name: str
    service: str
    endpoints: tuple[Endpoint, ...]


@dataclass(frozen=True)
class Deployment:
    name: str
    labels: Mapping[str, str]
    replicas: int
    ready: int
    updated: int
    available: int


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    renewed: str  # RFC 3339 of the last renewal
    duration: int  # seconds
    resource_version: str


def _pod(d: dict[str, Any]) -> Pod:
    return Pod(
        name=d["name"],
        labels=MappingProxyType(dict(d.get("labels", {}))),
        phase=d.get("phase", ""),
        ready=bool(d.get("ready")),
        containers=int(d.get("containers", 0)),
        ready_containers=int(d.get("ready_containers", 0)),
        restarts=int(d.get("restarts", 0)),
        node=d.get("node", ""),
        reason=d.get("reason", ""),
        started=d.get("started", ""),
    )


def _service(d: dict[str, Any]) -> Service:
    return Service(
        name=d["name"],
        selector=MappingProxyType(dict(d.get("selector") or {})),
        move=move_of(d.get("move")),
        move_error=str(d.get("move_error") or ""),
    )


def _slice(d: dict[str, Any]) -> EndpointSlice:
    endpoints = tuple(
        Endpoint(pod=e["pod"], ready=bool(e["ready"])) for e in d.get("endpoints", [])
    )
    return EndpointSlice(name=d["name"], service=d.get("service", ""), endpoints=endpoints)


def _deployment(d: dict[str, Any]) -> Deployment:
    return Deployment(
        name=d["name"],
        labels=MappingProxyType(dict(d.get("labels", {}))),
        replicas=int(d.get("replicas", 0)),
        ready=int(d.get("ready", 0)),
        updated=int(d.get("updated", 0)),
        available=int(d.get("available", 0)),
    )


def _lease(d: dict[str, Any]) -> Lease:
    return Lease(
        name=d["name"],
        holder=d.get("holder", ""),
        renewed=d.get("renewed", ""),
        duration=int(d.get("duration", 0)),
        resource_version=d.get("resource_version", ""),
    )


BUILD = {
    "pods": _pod,
    "services": _service,
    "endpointslices": _slice,
    "deployments": _deployment,
    "leases": _lease,
}


def _empty() -> Mapping:
    return MappingProxyType({})


@dataclass(frozen=True)
class KubeState:
    """Objects per kind and name, and which kinds have been listed at least once."""

    pods: Mapping[str, Pod] = field(default_factory=_empty)
    services: Mapping[str, Service] = field(default_factory=_empty)
    endpointslices: Mapping[str, EndpointSlice] = field(default_factory=_empty)
    deployments: Mapping[str, Deployment] = field(default_factory=_empty)
    leases: Mapping[str, Lease] = field(default_factory=_empty)
    listed: frozenset[str] = frozenset()

    def with_list(self, kind: str, items: list[dict[str, Any]]) -> KubeState:
        built = {d["name"]: BUILD[kind](d) for d in items}
        return replace(self, **{kind: MappingProxyType(built)}, listed=self.listed | {kind})

    def with_change(self, kind: str, change: str, item: dict[str, Any]) -> KubeState:
        current = dict(getattr(self, kind))
        if change == "DELETED":
            current.pop(item["name"], None)
        else:
            current[item["name"]] = BUILD[kind](item)
        return replace(self, **{kind: MappingProxyType(current)})

    # --- what the panes and checks ask ----------------------------------------------------

    def selected(self, service: str) -> set[str]:
        """Pods the Service's selector matches now."""
        svc = self.services.get(service)
        if svc is None or not svc.selector:
            return set()
        wanted = svc.selector.items()
        return {name for name, pod in self.pods.items() if wanted <= pod.labels.items()}

    def endpoints(self, service: str) -> dict[str, bool]:
        """Pod → ready, for the Service's EndpointSlices."""
        out: dict[str, bool] = {}
        for es in self.endpointslices.values():
            if es.service == service:
                for endpoint in es.endpoints:
                    out[endpoint.pod] = out.get(endpoint.pod, False) or endpoint.ready
        return out

    def pods_matching(self, selector: Mapping[str, str]) -> list[Pod]:
        items = selector.items()
        return [pod for pod in self.pods.values() if items <= pod.labels.items()]
