"""The pods pane's lines: pods grouped by version, with what the Service makes of them. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cockpit.model.kube import KubeState, Pod

SORTS = ("name", "status", "restarts", "age", "node")


@dataclass(frozen=True)
class PodRow:
    key: str  # "v:<version>" for a group header, "p:<pod>" for a pod
    version: str
    pod: Pod | None = None
    selected: bool = False  # the Service's selector matches it
    endpoint: bool | None = None  # None: not an endpoint; else whether the endpoint is ready
    summary: str = ""


def age(started: str, now: str | None) -> str:
    if not started or not now:
        return "?"
    try:
        seconds = (
            datetime.fromisoformat(now) - datetime.fromisoformat(started.replace("Z", "+00:00"))
        ).total_seconds()
    except ValueError:
        return "?"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{max(int(seconds), 0)}s"


def status_of(pod: Pod) -> str:
    return pod.reason or pod.phase or "?"


def _sort_key(sort: str, now: str | None):
    def key(pod: Pod):
        if sort == "status":
            return (pod.ready, status_of(pod), pod.name)
        if sort == "restarts":
            return (-pod.restarts, pod.name)
        if sort == "age":
            return (pod.started or "", pod.name)
        if sort == "node":
            return (pod.node, pod.name)
        return (pod.name,)

    return key


def pod_rows(
    kube: KubeState, service: str, now: str | None, sort: str = "name", needle: str = ""
) -> list[PodRow]:
    """Group headers (blue, green …, sorted) each followed by its pods."""
    selected = kube.selected(service)
    endpoints = kube.endpoints(service)
    needle = needle.lower().strip()
    groups: dict[str, list[Pod]] = {}
    for pod in kube.pods.values():
        if needle and needle not in f"{pod.name} {status_of(pod)} {pod.node}".lower():
            continue
        groups.setdefault(pod.version or "(no version)", []).append(pod)
    rows: list[PodRow] = []
    for version in sorted(groups):
        pods = sorted(groups[version], key=_sort_key(sort, now))
        ready = sum(p.ready for p in pods)
        chosen = [p for p in pods if p.name in selected]
        live = sum(1 for p in chosen if endpoints.get(p.name))
        summary = f"{ready}/{len(pods)} ready"
        if chosen:
            summary += f" · ◀ {service}: {len(chosen)} selected, {live} ready endpoints"
        rows.append(PodRow(key=f"v:{version}", version=version, summary=summary))
        for pod in pods:
            rows.append(
                PodRow(
                    key=f"p:{pod.name}",
                    version=version,
                    pod=pod,
                    selected=pod.name in selected,
                    endpoint=endpoints.get(pod.name),
                )
            )
    return rows
