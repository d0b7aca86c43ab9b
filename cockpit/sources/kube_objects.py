"""API objects → the few facts the cockpit keeps (`cockpit.model.kube`). Pure.

Readiness is the Ready condition; a pod's reason is what `kubectl get pods` would show
in STATUS: a waiting container's reason (CrashLoopBackOff, ImagePullBackOff …),
Terminating, Evicted, or the phase.
"""

from __future__ import annotations

from typing import Any

from cockpit.model.moves import read_annotation

Obj = dict[str, Any]


def _condition(status: Obj, kind: str) -> Obj | None:
    return next((c for c in status.get("conditions") or [] if c.get("type") == kind), None)


def pod_reason(pod: Obj) -> str:
    meta, status = pod.get("metadata", {}), pod.get("status", {})
    if meta.get("deletionTimestamp"):
        return "Terminating"
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            return waiting["reason"]
        terminated = (container.get("state") or {}).get("terminated")
        if terminated and terminated.get("reason"):
            return terminated["reason"]
    if status.get("reason"):
        return status["reason"]
    scheduled = _condition(status, "PodScheduled")
    if scheduled and scheduled.get("status") == "False":
        return scheduled.get("reason") or "Unschedulable"
    return "" if status.get("phase") == "Running" else status.get("phase", "")


def pod(obj: Obj) -> Obj:
    meta, spec, status = obj.get("metadata", {}), obj.get("spec", {}), obj.get("status", {})
    containers = status.get("containerStatuses") or []
    ready = _condition(status, "Ready")
    return {
        "name": meta.get("name", ""),
        "labels": meta.get("labels") or {},
        "phase": status.get("phase", ""),
        "ready": bool(ready and ready.get("status") == "True"),
        "containers": len(spec.get("containers") or containers),
        "ready_containers": sum(1 for c in containers if c.get("ready")),
        "restarts": sum(int(c.get("restartCount") or 0) for c in containers),
        "node": spec.get("nodeName") or "",
        "reason": pod_reason(obj),
        "started": status.get("startTime") or "",
    }


def service(obj: Obj) -> Obj:
    """Its selector, and the traffic move a cockpit published on it (`cockpit.model.moves`)."""
    meta = obj["metadata"]
    return {
        "name": meta["name"],
        "selector": (obj.get("spec") or {}).get("selector") or {},
        **read_annotation(meta.get("annotations")),
    }


def endpointslice(obj: Obj) -> Obj:
    meta = obj.get("metadata", {})
    endpoints = []
    for endpoint in obj.get("endpoints") or []:
        ref = endpoint.get("targetRef") or {}
        if ref.get("kind", "Pod") != "Pod" or not ref.get("name"):
            continue
        ready = (endpoint.get("conditions") or {}).get("ready")
        endpoints.append({"pod": ref["name"], "ready": ready is None or bool(ready)})  # nil: ready
    service_name = (meta.get("labels") or {}).get("kubernetes.io/service-name", "")
    return {"name": meta.get("name", ""), "service": service_name, "endpoints": endpoints}


def deployment(obj: Obj) -> Obj:
    meta, spec, status = obj.get("metadata", {}), obj.get("spec", {}), obj.get("status", {})
    return {
        "name": meta.get("name", ""),
        "labels": meta.get("labels") or {},
        "replicas": int(spec.get("replicas") if spec.get("replicas") is not None else 1),
        "ready": int(status.get("readyReplicas") or 0),
        "updated": int(status.get("updatedReplicas") or 0),
        "available": int(status.get("availableReplicas") or 0),
    }


def lease(obj: Obj) -> Obj:
    meta, spec = obj.get("metadata", {}), obj.get("spec", {}) or {}
    return {
        "name": meta.get("name", ""),
        "holder": spec.get("holderIdentity") or "",
        "renewed": spec.get("renewTime") or spec.get("acquireTime") or "",
        "duration": int(spec.get("leaseDurationSeconds") or 0),
        "resource_version": meta.get("resourceVersion", ""),
    }


SLIM = {
    "pods": pod,
    "services": service,
    "endpointslices": endpointslice,
    "deployments": deployment,
    "leases": lease,
}
