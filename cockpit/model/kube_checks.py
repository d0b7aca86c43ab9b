"""Closed-loop kube checks: an item's `check` judged from the watched cluster state. Pure.

A check names a resource and an expectation over its facts:
- deployment: ready, desired, updated, available, count
- pods: count, ready, restarts (over the pods its selector matches)
- service: count, selector.<label>
- endpoints: count, ready (the Service's EndpointSlice endpoints), selected
A right-hand side that names a fact (`ready == desired`) is that fact's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cockpit.model.checklist import KubeCheck
from cockpit.model.kube import KubeState
from cockpit.model.placeholders import fill, missing
from cockpit.model.units import OPERATORS

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
NEEDS = {
    "deployment": "deployments",
    "pods": "pods",
    "service": "services",
    "endpoints": "endpointslices",
}


def _facts(check: KubeCheck, kube: KubeState, values: Mapping[str, str]) -> dict[str, Any] | str:
    name = fill(check.name, values) if check.name else None
    selector = {k: fill(v, values) for k, v in check.selector.items()}
    if check.resource == "deployment":
        found = [d for d in kube.deployments.values() if name in (None, d.name)]
        found = [d for d in found if selector.items() <= d.labels.items()]
        if name and not found:
            return f"deployment {name} not found"
        return {
            "count": len(found),
            "ready": sum(d.ready for d in found),
            "desired": sum(d.replicas for d in found),
            "updated": sum(d.updated for d in found),
            "available": sum(d.available for d in found),
        }
    if check.resource == "pods":
        pods = [p for p in kube.pods_matching(selector) if name in (None, p.name)]
        return {
            "count": len(pods),
            "ready": sum(p.ready for p in pods),
            "desired": len(pods),
            "restarts": sum(p.restarts for p in pods),
        }
    if check.resource == "service":
        service = kube.services.get(name or "")
        if service is None:
            return f"service {name} not found"
        facts: dict[str, Any] = {"count": 1}
        facts |= {f"selector.{k}": v for k, v in service.selector.items()}
        return facts
    if check.resource == "endpoints":
        endpoints = kube.endpoints(name or "")
        return {
            "count": len(endpoints),
            "ready": sum(endpoints.values()),
            "selected": len(kube.selected(name or "")),
        }
    return f"{check.resource} are not watched by the cockpit"


def evaluate(check: KubeCheck, kube: KubeState, values: Mapping[str, str]) -> tuple[str, str]:
    """(pass | fail | unknown, what was seen)."""
    needed = NEEDS.get(check.resource)
    if needed is None:
        return UNKNOWN, f"{check.resource} are not watched by the cockpit"
    for text in (check.name or "", *check.selector.values()):
        if unfilled := missing(text, values):
            return UNKNOWN, f"no value for {unfilled} (set vars in the config)"
    if needed not in kube.listed:
        return UNKNOWN, f"no {needed} listed yet"
    facts = _facts(check, kube, values)
    if isinstance(facts, str):
        return FAIL, facts
    expect = check.expect
    left = expect.left or "count"
    if left not in facts:
        return UNKNOWN, f"no fact {left!r} for {check.resource} (has {', '.join(sorted(facts))})"
    actual = facts[left]
    right = expect.value
    if isinstance(right, str):
        right = facts.get(right, fill(right, values))
    if isinstance(right, str) and (unfilled := missing(right, values)):
        return UNKNOWN, f"no value for {unfilled} (set vars in the config)"
    held = _holds(expect.op, actual, right)
    seen = f"{left} {actual}" + (f", {expect.right} {right}" if expect.right in facts else "")
    return (PASS if held else FAIL), seen


def _holds(op: str, actual: Any, expected: Any) -> bool:
    try:
        return bool(OPERATORS[op](actual, expected))
    except TypeError:
        return False
