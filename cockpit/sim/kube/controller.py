"""The cluster's moving parts in miniature, and the faults tests inject into them.

One `step()` plays the deployment, replicaset, endpointslice and garbage-collector controllers,
the scheduler and the kubelets, all through the `Store` like real controllers go through the
API (resourceVersion preconditions, status subresource), so every change shows up in watches.
Running, it steps every `interval` simulated seconds (`interval / speed` of its clock's);
tests drive it with a `ManualClock` or call `step()` themselves.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import uuid
from dataclasses import dataclass

from cockpit.sim.background import Background
from cockpit.sim.clock import Clock, resolve
from cockpit.sim.kube.server import KubeApiServer
from cockpit.sim.kube.store import (
    SAFE_ALPHABET,
    ApiError,
    Obj,
    Store,
    now,
    parse_label_selector,
    random_suffix,
)

NODES = ("sim-node-1", "sim-node-2", "sim-node-3")
HASH_LABEL = "pod-template-hash"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"
REVISION = "deployment.kubernetes.io/revision"
CRASH_PERIOD = 2  # ticks between two restarts of a crash-looping container


def template_hash(template: Obj) -> str:
    """pod-template-hash the way the deployment controller spells it: FNV-32a, safe-encoded."""
    value = 0x811C9DC5
    for byte in json.dumps(template, sort_keys=True).encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(SAFE_ALPHABET[ord(ch) % len(SAFE_ALPHABET)] for ch in str(value))


def is_ready(pod: Obj) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _owner_ref(owner: Obj) -> dict:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _controller_uid(obj: Obj) -> str | None:
    refs = obj["metadata"].get("ownerReferences") or []
    return next((r.get("uid") for r in refs if r.get("controller")), None)


def _selector_text(labels: dict | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items()))


def _revision(obj: Obj) -> int:
    return int((obj["metadata"].get("annotations") or {}).get(REVISION, 0))


def _nonzero(status: dict) -> dict:
    """Drop zero counts: the real API omits them (`omitempty`), so clients must cope."""
    return {k: v for k, v in status.items() if v != 0 or k in ("replicas",)}


def _conditions(old: list | None, wanted: list[dict], *, update_time: bool = False) -> list[dict]:
    """Stamp conditions, keeping lastTransitionTime while a condition's status holds (and
    lastUpdateTime, for deployments, while its reason holds too) so that nothing churns."""
    previous = {c["type"]: c for c in old or []}
    out = []
    for cond in wanted:
        prev = previous.get(cond["type"]) or {}
        same = prev.get("status") == cond["status"]
        stamped = {**cond, "lastTransitionTime": prev["lastTransitionTime"] if same else now()}
        if update_time:
            unchanged = same and prev.get("reason") == cond.get("reason")
            stamped["lastUpdateTime"] = prev["lastUpdateTime"] if unchanged else now()
        out.append(stamped)
    return out


@dataclass(frozen=True)
class PodFault:
    reason: str  # CrashLoopBackOff or ImagePullBackOff
    pods: frozenset[str] | None  # None: every pod of the deployment, new ones included


class Controller(Background):
    """Reconciles deployments → replicasets → pods → endpointslices, and injects faults."""

    join_timeout = 5.0

    def __init__(
        self,
        store: Store,
        server: KubeApiServer | None = None,
        *,
        speed: float | None = None,
        interval: float = 0.5,
        seed: int | None = None,
        clock: Clock | None = None,
    ):
        super().__init__(resolve(clock, speed))
        self.store, self.server = store, server
        self.interval = interval
        self._rng = random.Random(seed)
        self._ticks: dict[str, int] = {}  # pod uid → steps since the pod was first seen
        self._faulty: dict[str, int] = {}  # pod uid → steps spent under a fault
        self._faults: dict[tuple[str, str], PodFault] = {}  # (namespace, deployment) → fault
        self._next_ip = 0
        self._step_lock = threading.Lock()

    # running

    @property
    def speed(self) -> float:
        return self.clock.speed

    def _start(self) -> None:
        self._every("kube-sim-controller", self.interval / self.speed, self.step)

    def step(self) -> None:
        """One reconcile pass over the whole cluster."""
        with self._step_lock:
            self._collect_garbage()
            self._sync_deployments()
            self._sync_replicasets()
            self._run_kubelets()
            self._update_replicaset_status()
            self._update_deployment_status()
            self._sync_endpointslices()

    def settle(self, max_steps: int = 20) -> int:
        """Step until a step changes nothing (or `max_steps`); returns the steps taken."""
        for steps in range(1, max_steps + 1):
            before = self.store.resource_version
            self.step()
            if self.store.resource_version == before:
                return steps
        return max_steps

    # fault injection

    def kill_pod(self, name: str, namespace: str = "production") -> None:
        """Delete a pod as a node failure would; its ReplicaSet replaces it."""
        self.store.delete("pods", namespace, name)

    def crashloop(self, deployment: str, n: int | None = None, namespace: str = "production"):
        """Make `n` pods (None: all, new ones too) Running but never Ready, restarts climbing."""
        self._inject(namespace, deployment, "CrashLoopBackOff", n)

    def image_pull_error(
        self, deployment: str, n: int | None = None, namespace: str = "production"
    ) -> None:
        """Make `n` pods (None: all, new ones too) stuck Pending in ImagePullBackOff."""
        self._inject(namespace, deployment, "ImagePullBackOff", n)

    def heal(self, deployment: str | None = None, namespace: str = "production") -> None:
        """Clear pod faults (of one deployment, or all); pods then become Ready again."""
        for key in list(self._faults):
            if deployment is None or key == (namespace, deployment):
                del self._faults[key]

    def set_latency(self, seconds: float) -> None:
        """Hold every request `seconds` before answering: slow, or past a client's timeout."""
        self._api().faults.latency = seconds

    def fail_requests(self, status: int = 500, fraction: float = 1.0, message: str = "") -> None:
        """Answer `fraction` of API requests with a 500 or 503 Status; `message` is added to
        what it says (a proxy or webhook in front of the apiserver may echo anything)."""
        if status not in (500, 503):
            raise ValueError("status must be 500 or 503")
        faults = self._api().faults
        faults.fail_status, faults.fail_fraction = status, fraction
        faults.fail_message = message

    def unauthorized(self, message: str = "Unauthorized") -> None:
        """401 for every request, whatever credentials it carries (a revoked or expired
        token), saying `message`."""
        self._api().faults.unauthorized = message

    def race_updates(self, resource: str, times: int = 1) -> None:
        """The next `times` updates (PUT) of `resource` lose a race: another writer changes
        the object first, so an update carrying the resourceVersion it read gets 409."""
        self._api().faults.race(resource, times)

    def deny(self, verb: str, resource: str) -> None:
        """403 Forbidden for `verb` on `resource` (e.g. "patch", "services"; "*" matches any)."""
        self._api().faults.denied.add((verb, resource))

    def drop_watches(self) -> None:
        """Close every open watch stream now, as a load balancer or apiserver restart would."""
        self.store.drop_watches()

    def expire_watches(self) -> None:
        """Every open watch gets a 410 Gone ERROR event now (its resourceVersion is too
        old, as after an etcd compaction): its client must list again."""
        self.store.expire_watches()

    def compact(self, rv: int | None = None) -> None:
        """Forget watch history up to `rv` (default: all): older resourceVersions get 410,
        and a watch open behind it gets a 410 ERROR event at once."""
        self.store.compact(rv)

    def clear_faults(self) -> None:
        self._faults.clear()
        if self.server is not None:
            self.server.faults.clear()

    def _api(self) -> KubeApiServer:
        if self.server is None:
            raise RuntimeError("API faults need the Controller to know the KubeApiServer")
        return self.server

    def _inject(self, namespace: str, deployment: str, reason: str, n: int | None) -> None:
        self.store.get("deployments", namespace, deployment)  # 404 early on a typo
        pods = None
        if n is not None:
            names = sorted(p["metadata"]["name"] for p in self._pods_of(namespace, deployment))
            pods = frozenset(names[:n])
        self._faults[(namespace, deployment)] = PodFault(reason, pods)

    # reconcilers

    def _write(self, action: str, *args: object, **kwargs: object) -> Obj | None:
        """A controller write: a conflict or a vanished object just waits for the next tick."""
        try:
            return getattr(self.store, action)(*args, **kwargs)
        except ApiError as err:
            if err.code not in (404, 409):
                raise
            return None

    def _collect_garbage(self) -> None:
        owners = {
            o["metadata"]["uid"]
            for resource in ("deployments", "replicasets", "services")
            for o in self.store.list(resource)[0]
        }
        for resource in ("replicasets", "pods", "endpointslices"):
            for obj in self.store.list(resource)[0]:
                uid = _controller_uid(obj)
                if uid is not None and uid not in owners:
                    meta = obj["metadata"]
                    self._write("delete", resource, meta["namespace"], meta["name"])

    def _sync_deployments(self) -> None:
        all_rs = self.store.list("replicasets")[0]
        for d in self.store.list("deployments")[0]:
            meta, spec = d["metadata"], d["spec"]
            owned = [rs for rs in all_rs if _controller_uid(rs) == meta["uid"]]
            pod_hash = template_hash(spec["template"])
            name = f"{meta['name']}-{pod_hash}"
            new_rs = next((rs for rs in owned if rs["metadata"]["name"] == name), None)
            revisions = [_revision(rs) for rs in owned]
            desired = spec["replicas"]
            if new_rs is None:
                revision = str(max(revisions, default=0) + 1)
                new_rs = self._write(
                    "create",
                    "replicasets",
                    meta["namespace"],
                    self._replicaset_for(d, name, pod_hash, revision),
                )
                if new_rs is None:
                    continue
            elif new_rs["spec"]["replicas"] != desired or _revision(new_rs) < max(revisions):
                new_rs["spec"]["replicas"] = desired
                if _revision(new_rs) < max(revisions):  # a rollback: the old template is newest
                    new_rs["metadata"].setdefault("annotations", {})[REVISION] = str(
                        max(revisions) + 1
                    )
                new_rs = self._write("update", "replicasets", meta["namespace"], name, new_rs)
                if new_rs is None:
                    continue
            revision = str(_revision(new_rs))
            if meta.get("annotations", {}).get(REVISION) != revision:
                d["metadata"].setdefault("annotations", {})[REVISION] = revision
                self._write("update", "deployments", meta["namespace"], meta["name"], d)
            # the old ReplicaSets keep only what the new one cannot serve yet
            room = max(0, desired - (new_rs.get("status") or {}).get("readyReplicas", 0))
            old = [rs for rs in owned if rs["metadata"]["name"] != name]
            old.sort(key=_revision, reverse=True)
            for rs in old:
                target = min(rs["spec"]["replicas"], room)
                room -= target
                if rs["spec"]["replicas"] != target:
                    rs["spec"]["replicas"] = target
                    args = ("replicasets", meta["namespace"], rs["metadata"]["name"], rs)
                    self._write("update", *args)

    def _replicaset_for(self, d: Obj, name: str, pod_hash: str, revision: str) -> Obj:
        template = json.loads(json.dumps(d["spec"]["template"]))
        template["metadata"].setdefault("labels", {})[HASH_LABEL] = pod_hash
        selector = json.loads(json.dumps(d["spec"]["selector"]))
        selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
        return {
            "metadata": {
                "name": name,
                "namespace": d["metadata"]["namespace"],
                "labels": template["metadata"]["labels"],
                "annotations": {REVISION: revision},
                "ownerReferences": [_owner_ref(d)],
            },
            "spec": {"replicas": d["spec"]["replicas"], "selector": selector, "template": template},
        }

    def _sync_replicasets(self) -> None:
        pods = self.store.list("pods")[0]
        for rs in self.store.list("replicasets")[0]:
            selects = parse_label_selector(
                _selector_text(rs["spec"]["selector"].get("matchLabels"))
            )
            mine = []
            for pod in (p for p in pods if _controller_uid(p) == rs["metadata"]["uid"]):
                if selects(pod["metadata"].get("labels") or {}):
                    mine.append(pod)
                else:  # relabelled out of the selector: released, and replaced
                    refs = pod["metadata"]["ownerReferences"]
                    pod["metadata"]["ownerReferences"] = [
                        r for r in refs if not r.get("controller")
                    ]
                    args = ("pods", pod["metadata"]["namespace"], pod["metadata"]["name"], pod)
                    self._write("update", *args)
            missing = rs["spec"]["replicas"] - len(mine)
            for _ in range(missing):
                self._create_pod(rs)
            if missing < 0:  # scale down: unready pods first, then the newest
                mine.sort(key=lambda p: p["metadata"]["creationTimestamp"], reverse=True)
                mine.sort(key=is_ready)
                for pod in mine[:-missing]:
                    meta = pod["metadata"]
                    self._write("delete", "pods", meta["namespace"], meta["name"])

    def _create_pod(self, rs: Obj) -> None:
        template = rs["spec"]["template"]
        meta = {
            "name": f"{rs['metadata']['name']}-{random_suffix(self._rng)}",
            "namespace": rs["metadata"]["namespace"],
            "labels": dict(template["metadata"].get("labels") or {}),
            "ownerReferences": [_owner_ref(rs)],
        }
        if template["metadata"].get("annotations"):
            meta["annotations"] = dict(template["metadata"]["annotations"])
        spec = json.loads(json.dumps(template["spec"]))
        spec["nodeName"] = self._rng.choice(NODES)
        self._write("create", "pods", meta["namespace"], {"metadata": meta, "spec": spec})

    def _run_kubelets(self) -> None:
        deployments_of_rs = {
            rs["metadata"]["uid"]: next(
                (r["name"] for r in rs["metadata"].get("ownerReferences") or []), None
            )
            for rs in self.store.list("replicasets")[0]
        }
        live = set()
        for pod in self.store.list("pods")[0]:
            meta = pod["metadata"]
            live.add(meta["uid"])
            tick = self._ticks.get(meta["uid"], 0)
            self._ticks[meta["uid"]] = tick + 1
            if not pod["spec"].get("nodeName"):  # the scheduler's part
                pod["spec"]["nodeName"] = self._rng.choice(NODES)
                self._write("update", "pods", meta["namespace"], meta["name"], pod)
                continue
            deployment = deployments_of_rs.get(_controller_uid(pod) or "")
            fault = self._faults.get((meta["namespace"], deployment or ""))
            if fault and (fault.pods is None or meta["name"] in fault.pods):
                self._ticks[meta["uid"]] = 1  # once healed: Running, then Ready
                faulty = self._faulty.get(meta["uid"], 0)
                self._faulty[meta["uid"]] = faulty + 1
                status = self._faulty_status(pod, fault.reason, faulty)
            else:
                self._faulty.pop(meta["uid"], None)
                status = self._healthy_status(pod, tick)
            if status != pod.get("status"):
                pod["status"] = status
                args = ("pods", meta["namespace"], meta["name"], pod)
                self._write("update", *args, subresource="status")
        self._ticks = {uid: t for uid, t in self._ticks.items() if uid in live}
        self._faulty = {uid: t for uid, t in self._faulty.items() if uid in live}

    def _base_status(self, pod: Obj, phase: str, ready: bool, running: bool) -> dict:
        old = pod.get("status") or {}
        names = [c["name"] for c in pod["spec"]["containers"]]
        status = {"phase": phase, "hostIP": self._host_ip(pod["spec"]["nodeName"])}
        status["hostIPs"] = [{"ip": status["hostIP"]}]
        if running:
            status["podIP"] = old.get("podIP") or self._pod_ip(pod["spec"]["nodeName"])
            status["podIPs"] = [{"ip": status["podIP"]}]
            status["startTime"] = old.get("startTime") or now()
        not_ready = {
            "reason": "ContainersNotReady",
            "message": f"containers with unready status: [{' '.join(names)}]",
        }
        wanted = [
            {"type": "PodReadyToStartContainers", "status": str(running)},
            {"type": "Initialized", "status": "True"},
            {"type": "Ready", "status": str(ready), **({} if ready else not_ready)},
            {"type": "ContainersReady", "status": str(ready), **({} if ready else not_ready)},
            {"type": "PodScheduled", "status": "True"},
        ]
        status["conditions"] = _conditions(old.get("conditions"), wanted)
        status["qosClass"] = old.get("qosClass", "BestEffort")
        return status

    def _healthy_status(self, pod: Obj, tick: int) -> dict:
        """tick 0: scheduled, creating containers; 1: running; 2+: ready."""
        running, ready = tick >= 1, tick >= 2
        status = self._base_status(pod, "Running" if running else "Pending", ready, running)
        statuses = []
        for c, prev in self._containers(pod):
            if running:
                started = (prev.get("state") or {}).get("running", {}).get("startedAt") or now()
                state = {"running": {"startedAt": started}}
            else:
                state = {"waiting": {"reason": "ContainerCreating"}}
            statuses.append(self._container_status(c, prev, state, ready, running))
        status["containerStatuses"] = statuses
        return status

    def _faulty_status(self, pod: Obj, reason: str, tick: int) -> dict:
        crashing = reason == "CrashLoopBackOff"
        status = self._base_status(pod, "Running" if crashing else "Pending", False, crashing)
        statuses = []
        for c, prev in self._containers(pod):
            if crashing:
                message = (
                    f"back-off 10s restarting failed container={c['name']} "
                    f"pod={pod['metadata']['name']}"
                )
            else:
                message = f'Back-off pulling image "{c.get("image")}"'
            waiting = {"waiting": {"reason": reason, "message": message}}
            cs = self._container_status(c, prev, waiting, False, False)
            if crashing and tick % CRASH_PERIOD == 0:
                cs["restartCount"] = prev.get("restartCount", 0) + 1
                exited = {"exitCode": 1, "reason": "Error", "startedAt": now(), "finishedAt": now()}
                cs["lastState"] = {"terminated": exited}
            statuses.append(cs)
        status["containerStatuses"] = statuses
        return status

    @staticmethod
    def _containers(pod: Obj) -> list[tuple[dict, dict]]:
        previous = {
            cs["name"]: cs for cs in (pod.get("status") or {}).get("containerStatuses") or []
        }
        return [(c, previous.get(c["name"], {})) for c in pod["spec"]["containers"]]

    @staticmethod
    def _container_status(c: dict, prev: dict, state: dict, ready: bool, started: bool) -> dict:
        image = c.get("image", "")
        cs = {
            "name": c["name"],
            "image": image,
            "imageID": f"{image}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"
            if started
            else "",
            "containerID": prev.get("containerID") or f"containerd://{uuid.uuid4().hex}",
            "ready": ready,
            "started": started,
            "restartCount": prev.get("restartCount", 0),
            "state": state,
        }
        if prev.get("lastState"):
            cs["lastState"] = prev["lastState"]
        return cs

    def _host_ip(self, node: str) -> str:
        return f"192.168.49.{NODES.index(node) + 2 if node in NODES else 9}"

    def _pod_ip(self, node: str) -> str:
        self._next_ip += 1
        subnet = NODES.index(node) + 1 if node in NODES else 9
        return f"10.244.{subnet}.{self._next_ip % 250 + 2}"

    def _pods_of(self, namespace: str, deployment: str) -> list[Obj]:
        d = self.store.get("deployments", namespace, deployment)
        rs_uids = {
            rs["metadata"]["uid"]
            for rs in self.store.list("replicasets", namespace)[0]
            if _controller_uid(rs) == d["metadata"]["uid"]
        }
        return [p for p in self.store.list("pods", namespace)[0] if _controller_uid(p) in rs_uids]

    def _update_replicaset_status(self) -> None:
        pods = self.store.list("pods")[0]
        for rs in self.store.list("replicasets")[0]:
            mine = [p for p in pods if _controller_uid(p) == rs["metadata"]["uid"]]
            ready = sum(1 for p in mine if is_ready(p))
            status = _nonzero(
                {
                    "replicas": len(mine),
                    "fullyLabeledReplicas": len(mine),
                    "readyReplicas": ready,
                    "availableReplicas": ready,
                    "observedGeneration": rs["metadata"]["generation"],
                }
            )
            if status != rs.get("status"):
                rs["status"] = status
                args = ("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"], rs)
                self._write("update", *args, subresource="status")

    def _update_deployment_status(self) -> None:
        all_rs = self.store.list("replicasets")[0]
        for d in self.store.list("deployments")[0]:
            meta, desired = d["metadata"], d["spec"]["replicas"]
            owned = [rs for rs in all_rs if _controller_uid(rs) == meta["uid"]]
            new_name = f"{meta['name']}-{template_hash(d['spec']['template'])}"
            new_rs = next((rs for rs in owned if rs["metadata"]["name"] == new_name), None)

            def total(field: str, rss: list[Obj] = owned) -> int:
                return sum((rs.get("status") or {}).get(field, 0) for rs in rss)

            replicas, available = total("replicas"), total("availableReplicas")
            updated = total("replicas", [new_rs] if new_rs else [])
            complete = updated == desired == available == replicas
            available_ok = available >= desired - desired // 4  # maxUnavailable 25%
            rs_text = f'ReplicaSet "{new_name}"'
            wanted = [
                {
                    "type": "Available",
                    "status": str(available_ok),
                    "reason": "MinimumReplicasAvailable"
                    if available_ok
                    else "MinimumReplicasUnavailable",
                    "message": "Deployment has minimum availability."
                    if available_ok
                    else "Deployment does not have minimum availability.",
                },
                {
                    "type": "Progressing",
                    "status": "True",
                    "reason": "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
                    "message": f"{rs_text} has successfully progressed."
                    if complete
                    else f"{rs_text} is progressing.",
                },
            ]
            status = _nonzero(
                {
                    "observedGeneration": meta["generation"],
                    "replicas": replicas,
                    "updatedReplicas": updated,
                    "readyReplicas": total("readyReplicas"),
                    "availableReplicas": available,
                    "unavailableReplicas": max(0, desired - available),
                }
            )
            old_conditions = (d.get("status") or {}).get("conditions")
            status["conditions"] = _conditions(old_conditions, wanted, update_time=True)
            if status != d.get("status"):
                d["status"] = status
                args = ("deployments", meta["namespace"], meta["name"], d)
                self._write("update", *args, subresource="status")

    def _sync_endpointslices(self) -> None:
        slices = self.store.list(
            "endpointslices", label_selector=f"{MANAGED_BY_LABEL}={MANAGED_BY}"
        )[0]
        for svc in self.store.list("services")[0]:
            meta, spec = svc["metadata"], svc["spec"]
            if not spec.get("selector"):
                continue
            selector = _selector_text(spec["selector"])
            pods = self.store.list("pods", meta["namespace"], label_selector=selector)[0]
            wanted = {
                "addressType": "IPv4",
                "endpoints": [
                    self._endpoint(p) for p in pods if (p.get("status") or {}).get("podIP")
                ],
                "ports": [self._slice_port(p, pods) for p in spec.get("ports") or []],
            }
            labels = {
                **(meta.get("labels") or {}),
                SERVICE_NAME_LABEL: meta["name"],
                MANAGED_BY_LABEL: MANAGED_BY,
            }
            mine = [s for s in slices if _controller_uid(s) == meta["uid"]]
            if not mine:
                obj = {
                    "metadata": {
                        "generateName": f"{meta['name']}-",
                        "labels": labels,
                        "ownerReferences": [_owner_ref(svc)],
                    },
                    **wanted,
                }
                self._write("create", "endpointslices", meta["namespace"], obj)
                continue
            current, *extra = mine
            for s in extra:
                self._write("delete", "endpointslices", meta["namespace"], s["metadata"]["name"])
            updated = {**current, **wanted}
            updated["metadata"] = {**current["metadata"], "labels": labels}
            if updated != current:
                args = ("endpointslices", meta["namespace"], current["metadata"]["name"], updated)
                self._write("update", *args)

    @staticmethod
    def _endpoint(pod: Obj) -> dict:
        ready = is_ready(pod)
        meta = pod["metadata"]
        return {
            "addresses": [pod["status"]["podIP"]],
            "conditions": {"ready": ready, "serving": ready, "terminating": False},
            "nodeName": pod["spec"].get("nodeName"),
            "targetRef": {
                "kind": "Pod",
                "namespace": meta["namespace"],
                "name": meta["name"],
                "uid": meta["uid"],
            },
        }

    @staticmethod
    def _slice_port(port: dict, pods: list[Obj]) -> dict:
        target = port.get("targetPort", port.get("port"))
        if isinstance(target, str):  # a named container port: resolve it on the pods
            target = next(
                (
                    cp["containerPort"]
                    for p in pods
                    for c in p["spec"]["containers"]
                    for cp in c.get("ports") or []
                    if cp.get("name") == target
                ),
                None,
            )
        return {
            "name": port.get("name", ""),
            "port": target,
            "protocol": port.get("protocol", "TCP"),
        }
