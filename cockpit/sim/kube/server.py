"""The Kubernetes REST API over HTTP on loopback, in front of a `Store`.

It speaks what the official Python client and real kubectl need: discovery, list/get/create/
update/patch/delete with `dryRun=All`, the status and scale subresources, watches as chunked
JSON lines (bookmarks, timeouts, 410 Gone), server-side Table printing for `kubectl get`,
Status objects for every error, bearer-token auth, and injectable API faults.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import yaml

from cockpit.sim.background import Background
from cockpit.sim.kube.store import (
    RESOURCES,
    ApiError,
    Obj,
    ResourceType,
    Store,
    WatchClosed,
    apply_patch,
    bad_request,
    parse_field_selector,
    parse_label_selector,
)

log = logging.getLogger(__name__)

SERVER_VERSION = {
    "major": "1",
    "minor": "34",
    "gitVersion": "v1.34.0-cockpit-sim",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.24.0",
    "compiler": "gc",
    "platform": "linux/amd64",
}
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
#: the annotation "another writer" bumps when an update is made to lose a race
OTHER_WRITER = "sim.cockpit.dev/other-writer"


class Faults:
    """API-level faults; `Controller`'s injection methods switch them on for tests and demos."""

    def __init__(self, seed: int = 0):
        self.latency = 0.0  # seconds added before every response
        self.fail_status: int | None = None  # 500 or 503 for injected failures
        self.fail_fraction = 1.0
        self.fail_message = ""  # what an injected failure says, beside its standard words
        self.denied: set[tuple[str, str]] = set()  # (verb, resource), "*" matches any
        self.unauthorized: str | None = None  # every request 401, with this message
        self.races: dict[str, int] = {}  # resource → updates left that lose a race
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def should_fail(self) -> bool:
        with self._lock:
            return self.fail_status is not None and self._rng.random() < self.fail_fraction

    def is_denied(self, verb: str, resource: str) -> bool:
        return any(
            v in (verb, "*") and r in (resource, "*", resource.split("/")[0])
            for v, r in self.denied
        )

    def race(self, resource: str, times: int) -> None:
        with self._lock:
            self.races[resource] = self.races.get(resource, 0) + times

    def loses_race(self, resource: str) -> bool:
        """Whether this update of `resource` finds that another writer came first."""
        with self._lock:
            left = self.races.get(resource, 0)
            if left:
                self.races[resource] = left - 1
            return left > 0

    def clear(self) -> None:
        self.latency, self.fail_status, self.fail_fraction = 0.0, None, 1.0
        self.fail_message, self.unauthorized = "", None
        self.denied.clear()
        with self._lock:
            self.races.clear()


# --- discovery -------------------------------------------------------------------------------


def flag(query: dict[str, str], name: str) -> bool:
    """A boolean query parameter as the API server reads it: absent, `0` or `false` in any
    case is false, anything else true (kubernetes' Python client before 37 sends `True`)."""
    value = query.get(name)
    return value is not None and value != "0" and value.lower() != "false"


def _group_versions() -> dict[str, list[ResourceType]]:
    groups: dict[str, list[ResourceType]] = {}
    for rt in RESOURCES.values():
        groups.setdefault(rt.api_version, []).append(rt)
    return groups


def _api_resources(types: list[ResourceType]) -> list[dict]:
    resources = []
    for rt in types:
        entry = {
            "name": rt.name,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": VERBS,
        }
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        resources.append(entry)
        for sub in rt.subresources:
            entry = {
                "name": f"{rt.name}/{sub}",
                "singularName": "",
                "namespaced": rt.namespaced,
                "kind": rt.kind,
                "verbs": ["get", "patch", "update"],
            }
            if sub == "scale":
                entry.update(group="autoscaling", version="v1", kind="Scale")
            resources.append(entry)
    return resources


def _api_group(name: str, versions: list[str]) -> dict:
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": gvs, "preferredVersion": gvs[0]}


def discovery(parts: list[str], host: str) -> dict | None:
    """The discovery document for a path, or None when the path is not a discovery path."""
    groups = _group_versions()
    named = sorted({gv for gv in groups if "/" in gv})
    if parts == []:
        paths = ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version"]
        return {"paths": paths + [f"/apis/{gv}" for gv in named]}
    if parts == ["version"]:
        return SERVER_VERSION
    if parts == ["api"]:
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
        }
    if parts == ["apis"]:
        by_group: dict[str, list[str]] = {}
        for gv in named:
            by_group.setdefault(gv.split("/")[0], []).append(gv.split("/")[1])
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [_api_group(g, vs) for g, vs in by_group.items()],
        }
    if len(parts) == 2 and parts[0] == "apis":
        versions = [gv.split("/")[1] for gv in named if gv.split("/")[0] == parts[1]]
        if not versions:
            return None
        return {"kind": "APIGroup", "apiVersion": "v1", **_api_group(parts[1], versions)}
    if parts[:2] == ["openapi", "v3"]:
        return openapi_v3("/".join(parts[2:]), groups)
    gv = "v1" if parts == ["api", "v1"] else "/".join(parts[1:]) if parts[0] == "apis" else ""
    if len(parts) in (2, 3) and gv in groups and parts[:1] in (["api"], ["apis"]):
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": gv,
            "resources": _api_resources(groups[gv]),
        }
    return None


def openapi_v3(path: str, groups: dict[str, list[ResourceType]]) -> dict | None:
    """Just enough OpenAPI v3 for kubectl to see that the server validates fields itself.

    kubectl create/apply -f look for a `fieldValidation` query parameter on each kind's PATCH
    operation; finding it, they send `fieldValidation=Strict` and skip client-side schema
    validation (which would need the full schemas this emulator does not carry).
    """
    prefixes = {gv: "api/v1" if gv == "v1" else f"apis/{gv}" for gv in groups}
    if not path:
        urls = {p: {"serverRelativeURL": f"/openapi/v3/{p}?hash=sim"} for p in prefixes.values()}
        return {"paths": urls}
    gv = next((gv for gv, prefix in prefixes.items() if prefix == path), None)
    if gv is None:
        return None
    params = [
        {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
        for name in ("dryRun", "fieldManager", "fieldValidation", "force")
    ]
    paths = {}
    for rt in groups[gv]:
        scope = "/namespaces/{namespace}" if rt.namespaced else ""
        gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
        paths[f"/{path}{scope}/{rt.name}/{{name}}"] = {
            "patch": {
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": gvk,
                "parameters": params,
                "responses": {"200": {"description": "OK"}},
            }
        }
    info = {"title": "Kubernetes (cockpit emulator)", "version": SERVER_VERSION["gitVersion"]}
    return {"openapi": "3.0.0", "info": info, "paths": paths, "components": {"schemas": {}}}


# --- tables (what `kubectl get` prints) --------------------------------------------------------


def human_duration(seconds: int) -> str:
    """apimachinery's duration.HumanDuration, which the AGE column uses."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 120:
        return f"{max(seconds, 0)}s"
    minutes, hours = seconds // 60, seconds // 3600
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 192:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    years, days = hours // (24 * 365), (hours // 24) % 365
    return f"{years}y{days}d" if hours < 24 * 365 * 8 and days else f"{years}y"


def _age(obj: Obj, field: str | None = None) -> str:
    stamp = obj.get(field) if field else None
    stamp = stamp or obj["metadata"].get("creationTimestamp")
    if not stamp:
        return "<unknown>"
    then = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return human_duration(int((datetime.now(UTC) - then).total_seconds()))


def _selector_text(selector: dict | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((selector or {}).items())) or "<none>"


def _pod_cells(pod: Obj) -> list:
    status, spec = pod.get("status") or {}, pod.get("spec") or {}
    containers = status.get("containerStatuses") or []
    reason = status.get("reason") or status.get("phase") or "Unknown"
    restarts, last_restart = 0, ""
    for cs in containers:
        restarts += cs.get("restartCount", 0)
        state = cs.get("state") or {}
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated", {}).get("reason"):
            reason = state["terminated"]["reason"]
        finished = ((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
        last_restart = max(last_restart, finished or "")
    if pod["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    if last_restart:
        restarts_text = (
            f"{restarts} ({_age({'metadata': {'creationTimestamp': last_restart}})} ago)"
        )
    else:
        restarts_text = str(restarts)
    ready = sum(1 for cs in containers if cs.get("ready"))
    return [
        pod["metadata"]["name"],
        f"{ready}/{len(spec.get('containers') or [])}",
        reason,
        restarts_text,
        _age(pod),
        status.get("podIP") or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        "<none>",
    ]


def _service_cells(svc: Obj) -> list:
    spec = svc.get("spec") or {}
    ports = []
    for p in spec.get("ports") or []:
        node_port = f":{p['nodePort']}" if p.get("nodePort") else ""
        ports.append(f"{p.get('port')}{node_port}/{p.get('protocol', 'TCP')}")
    external = ",".join(spec.get("externalIPs") or []) or "<none>"
    return [
        svc["metadata"]["name"],
        spec.get("type", "ClusterIP"),
        spec.get("clusterIP") or "<none>",
        external,
        ",".join(ports) or "<none>",
        _age(svc),
        _selector_text(spec.get("selector")),
    ]


def _workload_tail(obj: Obj) -> list:
    template = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    containers = template.get("containers") or []
    selector = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels")
    return [
        ",".join(c.get("name", "") for c in containers),
        ",".join(c.get("image", "") for c in containers),
        _selector_text(selector),
    ]


def _deployment_cells(d: Obj) -> list:
    spec, status = d.get("spec") or {}, d.get("status") or {}
    ready = f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}"
    head = [d["metadata"]["name"], ready, status.get("updatedReplicas", 0)]
    return [*head, status.get("availableReplicas", 0), _age(d), *_workload_tail(d)]


def _replicaset_cells(rs: Obj) -> list:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    head = [rs["metadata"]["name"], spec.get("replicas", 0), status.get("replicas", 0)]
    return [*head, status.get("readyReplicas", 0), _age(rs), *_workload_tail(rs)]


def _slice_cells(es: Obj) -> list:
    ports = ",".join(str(p.get("port")) for p in es.get("ports") or []) or "<unset>"
    addresses = [a for e in es.get("endpoints") or [] for a in e.get("addresses", [])]
    shown = ",".join(addresses[:3]) + (
        f" + {len(addresses) - 3} more..." if len(addresses) > 3 else ""
    )
    return [es["metadata"]["name"], es.get("addressType", ""), ports, shown or "<none>", _age(es)]


def _event_cells(ev: Obj) -> list:
    involved = ev.get("involvedObject") or {}
    return [
        _age(ev, "lastTimestamp"),
        ev.get("type", ""),
        ev.get("reason", ""),
        f"{involved.get('kind', '').lower()}/{involved.get('name', '')}",
        ev.get("message", ""),
    ]


def _column(name: str, kind: str = "string", priority: int = 0, fmt: str = "") -> dict:
    return {"name": name, "type": kind, "format": fmt, "description": name, "priority": priority}


_NAME, _AGE = _column("Name", fmt="name"), _column("Age")
_WORKLOAD_WIDE = [_column("Containers", priority=1), _column("Images", priority=1),
                  _column("Selector", priority=1)]  # fmt: skip

#: resource → (column definitions, cells of one object); others get Name and Age
TABLES: dict[str, tuple[list[dict], Callable[[Obj], list]]] = {
    "pods": (
        [_NAME, _column("Ready"), _column("Status"), _column("Restarts"), _AGE,
         _column("IP", priority=1), _column("Node", priority=1),
         _column("Nominated Node", priority=1), _column("Readiness Gates", priority=1)],
        _pod_cells,
    ),
    "services": (
        [_NAME, _column("Type"), _column("Cluster-IP"), _column("External-IP"),
         _column("Port(s)"), _AGE, _column("Selector", priority=1)],
        _service_cells,
    ),
    "deployments": (
        [_NAME, _column("Ready"), _column("Up-to-date", "integer"),
         _column("Available", "integer"), _AGE, *_WORKLOAD_WIDE],
        _deployment_cells,
    ),
    "replicasets": (
        [_NAME, _column("Desired", "integer"), _column("Current", "integer"),
         _column("Ready", "integer"), _AGE, *_WORKLOAD_WIDE],
        _replicaset_cells,
    ),
    "namespaces": (
        [_NAME, _column("Status"), _AGE],
        lambda o: [o["metadata"]["name"], (o.get("status") or {}).get("phase", ""), _age(o)],
    ),
    "leases": (
        [_NAME, _column("Holder"), _AGE],
        lambda o: [o["metadata"]["name"],
                   (o.get("spec") or {}).get("holderIdentity", ""), _age(o)],
    ),
    "secrets": (
        [_NAME, _column("Type"), _column("Data", "integer"), _AGE],
        lambda o: [o["metadata"]["name"], o.get("type", ""), len(o.get("data") or {}), _age(o)],
    ),
    "configmaps": (
        [_NAME, _column("Data", "integer"), _AGE],
        lambda o: [o["metadata"]["name"], len(o.get("data") or {}), _age(o)],
    ),
    "endpointslices": (
        [_NAME, _column("AddressType"), _column("Ports"), _column("Endpoints"), _AGE],
        _slice_cells,
    ),
    "events": (
        [_column("Last Seen"), _column("Type"), _column("Reason"), _column("Object"),
         _column("Message")],
        _event_cells,
    ),
}  # fmt: skip


def to_table(
    rt: ResourceType,
    objs: list[Obj],
    meta: dict,
    *,
    version: str,
    include_object: str,
    headers: bool = True,
) -> Obj:
    columns, cells = TABLES.get(
        rt.name, ([_NAME, _AGE], lambda o: [o["metadata"]["name"], _age(o)])
    )
    rows = []
    for obj in objs:
        if include_object == "None":
            embedded = None
        elif include_object == "Object":
            embedded = {"kind": rt.kind, "apiVersion": rt.api_version, **obj}
        else:
            embedded = {
                "kind": "PartialObjectMetadata",
                "apiVersion": f"meta.k8s.io/{version}",
                "metadata": obj["metadata"],
            }
        rows.append({"cells": cells(obj), "object": embedded})
    return {
        "kind": "Table",
        "apiVersion": f"meta.k8s.io/{version}",
        "metadata": meta,
        "columnDefinitions": columns if headers else [],
        "rows": rows,
    }


def negotiate(accept: str | None) -> str | None:
    """'json', 'v1'/'v1beta1' (a meta.k8s.io Table), or None when nothing acceptable is offered."""
    if not accept:
        return "json"
    for media_range in accept.split(","):
        media, *params = [p.strip() for p in media_range.split(";")]
        options = dict(p.split("=", 1) for p in params if "=" in p)
        if media not in ("application/json", "application/*", "*/*"):
            continue
        if options.get("as") == "Table" and options.get("g") == "meta.k8s.io":
            if options.get("v") in ("v1", "v1beta1"):
                return options["v"]
        elif "as" not in options:
            return "json"
    return None


# --- protobuf request bodies --------------------------------------------------------------------

PROTOBUF = "application/vnd.kubernetes.protobuf"

#: field number → (JSON name, type), for the kinds kubectl's typed clients send as protobuf
#: (`kubectl create namespace|configmap|secret`); numbers as in k8s.io/api generated.proto
_PROTO_SCHEMAS: dict[str, dict[int, tuple[str, str]]] = {
    "ObjectMeta": {
        1: ("name", "string"),
        2: ("generateName", "string"),
        3: ("namespace", "string"),
        6: ("resourceVersion", "string"),
        11: ("labels", "map"),
        12: ("annotations", "map"),
        14: ("finalizers", "strings"),
    },
    "ConfigMap": {
        1: ("metadata", "ObjectMeta"),
        2: ("data", "map"),
        3: ("binaryData", "bytesmap"),
        4: ("immutable", "bool"),
    },
    "Secret": {
        1: ("metadata", "ObjectMeta"),
        2: ("data", "bytesmap"),
        3: ("type", "string"),
        4: ("stringData", "map"),
        5: ("immutable", "bool"),
    },
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec")},
    "NamespaceSpec": {1: ("finalizers", "strings")},
}


def unsupported_body() -> ApiError:
    accepted = "application/json, application/yaml, application/vnd.kubernetes.protobuf"
    message = "the body of the request was in an unknown format - accepted media types include: "
    return ApiError(415, "UnsupportedMediaType", message + accepted)


def _varint(data: bytes, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, i


def _wire_fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs of one protobuf message; varints as int, the rest bytes."""
    fields: list[tuple[int, int | bytes]] = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        wire = key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            length, i = _varint(data, i)
            value, i = data[i : i + length], i + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, i = data[i : i + size], i + size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        fields.append((key >> 3, value))
    return fields


def _proto_message(data: bytes, schema: str) -> dict:
    out: dict = {}
    for number, value in _wire_fields(data):
        if number not in _PROTO_SCHEMAS[schema]:
            continue
        name, kind = _PROTO_SCHEMAS[schema][number]
        if kind == "bool":
            out[name] = bool(value)
        elif kind == "string":
            if value:
                out[name] = bytes(value).decode()
        elif kind == "strings":
            out.setdefault(name, []).append(bytes(value).decode())
        elif kind in ("map", "bytesmap"):
            entry = dict(_wire_fields(bytes(value)))
            key, item = bytes(entry.get(1, b"")).decode(), bytes(entry.get(2, b""))
            text = base64.b64encode(item).decode() if kind == "bytesmap" else item.decode()
            out.setdefault(name, {})[key] = text
        else:
            out[name] = _proto_message(bytes(value), kind)
    return out


def decode_protobuf(body: bytes) -> Obj:
    """A `k8s\\x00`-framed runtime.Unknown carrying a ConfigMap, Secret or Namespace."""
    if not body.startswith(b"k8s\x00"):
        raise ValueError("the protobuf body lacks the k8s envelope")
    envelope = dict(_wire_fields(body[4:]))
    type_meta = {n: bytes(v).decode() for n, v in _wire_fields(bytes(envelope.get(1, b"")))}
    kind = type_meta.get(2, "")
    if kind not in ("ConfigMap", "Secret", "Namespace"):
        message = (
            f"this emulator decodes protobuf only for ConfigMap, Secret and Namespace, not {kind}"
        )
        raise ApiError(415, "UnsupportedMediaType", message)
    obj = _proto_message(bytes(envelope.get(2, b"")), kind)
    return {"apiVersion": type_meta.get(1, ""), "kind": kind, **obj}


# --- routing ---------------------------------------------------------------------------------


class Route:
    """A resource request: /api/v1/namespaces/{ns}/{resource}/{name}/{subresource}."""

    def __init__(self, rt: ResourceType, namespace: str, name: str, sub: str, watch: bool):
        self.rt, self.namespace, self.name, self.sub, self.watch = rt, namespace, name, sub, watch

    @classmethod
    def parse(cls, parts: list[str]) -> Route | None:
        if parts[:2] == ["api", "v1"]:
            gv, rest = "v1", parts[2:]
        elif len(parts) >= 3 and parts[0] == "apis":
            gv, rest = f"{parts[1]}/{parts[2]}", parts[3:]
        else:
            return None
        in_gv = {rt.name: rt for rt in RESOURCES.values() if rt.api_version == gv}
        watch = rest[:1] == ["watch"]
        rest = rest[1:] if watch else rest
        namespace = ""
        if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] in in_gv:
            namespace, rest = rest[1], rest[2:]
        if not rest or rest[0] not in in_gv or len(rest) > 3:
            return None
        rt = in_gv[rest[0]]
        if namespace and not rt.namespaced:
            return None
        name, sub = ([*rest[1:], "", ""])[:2]
        if sub and sub not in rt.subresources:
            return None
        return cls(rt, namespace, name, sub, watch)

    def verb(self, method: str, watch: bool) -> str:
        if method == "GET":
            return "watch" if watch else "get" if self.name else "list"
        return {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[method]

    @property
    def resource(self) -> str:
        return f"{self.rt.name}/{self.sub}" if self.sub else self.rt.name


def forbidden(route: Route, verb: str, user: str) -> ApiError:
    rt = route.rt
    subject = f'{rt.qualified} "{route.name}"' if route.name else rt.qualified
    scope = f'in the namespace "{route.namespace}"' if route.namespace else "at the cluster scope"
    message = (
        f'{subject} is forbidden: User "{user}" cannot {verb} resource "{route.resource}" '
        f'in API group "{rt.group}" {scope}'
    )
    details = {"name": route.name, "group": rt.group, "kind": rt.name}
    return ApiError(403, "Forbidden", message, {k: v for k, v in details.items() if v})


def _not_found_path() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def _scale_of(obj: Obj) -> Obj:
    meta = obj["metadata"]
    match = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        },
        "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(match.items())),
        },
    }


# --- HTTP ------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and chunked watch streams
    timeout = 120  # an idle keep-alive connection is closed after this
    server: _HTTPServer

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    # plumbing

    def _dispatch(self, method: str) -> None:
        api = self.server.api
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        parts = [p for p in url.path.split("/") if p]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        api.requests.append((method, self.path, self.headers.get("Accept", "")))
        api.served += 1
        try:
            api.before_request(self.headers.get("Authorization"))
            if method == "GET" and parts in (["healthz"], ["livez"], ["readyz"]):
                self._send(200, b"ok", "text/plain")
                return
            doc = discovery(parts, self.headers.get("Host", "")) if method == "GET" else None
            if doc is not None:
                self._send_json(200, doc)
                return
            route = Route.parse(parts)
            if route is None:
                raise _not_found_path()
            self._resource(method, route, query, body)
        except ApiError as err:
            self._send_json(err.code, err.status())
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # a bug here must still answer like an apiserver
            log.exception("emulator error on %s %s", method, self.path)
            self._send_json(500, ApiError(500, "InternalError", f"Internal error: {exc}").status())

    def _send(self, code: int, payload: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.wfile.write(payload)

    def _send_json(self, code: int, obj: object) -> None:
        self._send(code, json.dumps(obj).encode(), "application/json")

    def _decode_body(self, body: bytes) -> Obj:
        media = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip()
        try:
            if media in ("application/yaml", "application/x-yaml"):
                obj = yaml.safe_load(body)
            elif media == "application/json":
                obj = json.loads(body or b"null")
            elif media == PROTOBUF:
                obj = decode_protobuf(body)
            else:
                raise unsupported_body()
        except (ValueError, IndexError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise bad_request(f"error decoding request body: {exc}") from None
        if not isinstance(obj, dict):
            raise bad_request("the request body must be a JSON object")
        return obj

    # resources

    def _resource(self, method: str, route: Route, query: dict[str, str], body: bytes) -> None:
        api = self.server.api
        watch = route.watch or flag(query, "watch")
        verb = route.verb(method, watch)
        if api.faults.is_denied(verb, route.resource):
            raise forbidden(route, verb, api.user)
        dry_run = query.get("dryRun", "")
        if dry_run not in ("", "All"):
            raise bad_request(f'Invalid dry run value: "{dry_run}"')
        form = negotiate(self.headers.get("Accept"))
        if form is None:
            accepted = "application/json, application/json;as=Table;v=v1;g=meta.k8s.io"
            message = f"only the following media types are accepted: {accepted}"
            raise ApiError(406, "NotAcceptable", message)
        if watch and method == "GET":
            self._watch(route, query, form)
            return
        if method != "GET" and (method == "POST") == bool(route.name):
            message = "the server does not allow this method on the requested resource"
            raise ApiError(405, "MethodNotAllowed", message)
        if method == "PUT" and not route.sub and api.faults.loses_race(route.rt.name):
            self._write_first(route)
        handler = {
            "GET": self._get,
            "POST": self._create,
            "PUT": self._update,
            "PATCH": self._patch,
            "DELETE": self._delete,
        }[method]
        code, result = handler(route, query, body, dry_run == "All")
        if form != "json" and method == "GET" and result.get("kind") != "Scale":
            result = self._as_table(route, result, form, query.get("includeObject", "Metadata"))
        self._send_json(code, result)

    def _write_first(self, route: Route) -> None:
        """Another writer changes the object just before this update is applied: an update
        carrying the resourceVersion it read then gets the 409 a real race gives."""

        def touched(obj: Obj) -> Obj:
            notes = obj["metadata"].setdefault("annotations", {})
            notes[OTHER_WRITER] = str(int(notes.get(OTHER_WRITER, "0")) + 1)
            return obj

        with contextlib.suppress(ApiError):  # nothing there: the update says 404 itself
            self.server.api.store.mutate(route.rt.name, route.namespace, route.name, touched)

    def _as_table(self, route: Route, result: Obj, version: str, include: str) -> Obj:
        if result.get("kind", "").endswith("List") and "items" in result:
            return to_table(
                route.rt,
                result["items"],
                result["metadata"],
                version=version,
                include_object=include,
            )
        meta = {"resourceVersion": result["metadata"].get("resourceVersion", "")}
        return to_table(route.rt, [result], meta, version=version, include_object=include)

    def _get(self, route: Route, query: dict, _body: bytes, _dry: bool) -> tuple[int, Obj]:
        store = self.server.api.store
        if route.name:
            obj = store.get(route.rt.name, route.namespace, route.name)
            return 200, _scale_of(obj) if route.sub == "scale" else obj
        rv_match = query.get("resourceVersionMatch", "")
        items, rv = store.list(
            route.rt.name, route.namespace, query.get("labelSelector"), query.get("fieldSelector")
        )
        if rv_match == "Exact" and query.get("resourceVersion") not in (rv, None):
            raise ApiError(410, "Expired", f"too old resource version: {query['resourceVersion']}")
        meta: dict = {"resourceVersion": rv}
        if token := query.get("continue"):
            try:
                state = json.loads(base64.urlsafe_b64decode(token))
                meta["resourceVersion"], start = state["rv"], state["start"]
            except (ValueError, KeyError, TypeError):
                raise bad_request("invalid continue token") from None
            items = [o for o in items if _sort_key(o) > tuple(start)]
        limit = int(query.get("limit") or 0)
        if limit and len(items) > limit:
            state = {"rv": meta["resourceVersion"], "start": list(_sort_key(items[limit - 1]))}
            meta["continue"] = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
            meta["remainingItemCount"] = len(items) - limit
            items = items[:limit]
        for item in items:  # like the real apiserver: items carry no kind/apiVersion
            item.pop("kind", None)
            item.pop("apiVersion", None)
        return 200, {
            "kind": f"{route.rt.kind}List",
            "apiVersion": route.rt.api_version,
            "metadata": meta,
            "items": items,
        }

    def _create(self, route: Route, _q: dict, body: bytes, dry: bool) -> tuple[int, Obj]:
        obj = self._decode_body(body)
        return 201, self.server.api.store.create(route.rt.name, route.namespace, obj, dry_run=dry)

    def _update(self, route: Route, _q: dict, body: bytes, dry: bool) -> tuple[int, Obj]:
        store, obj = self.server.api.store, self._decode_body(body)
        if route.sub == "scale":
            return self._set_scale(route, lambda _scale: obj, dry)
        args = (route.rt.name, route.namespace, route.name, obj)
        return 200, store.update(*args, subresource=route.sub or None, dry_run=dry)

    def _patch(self, route: Route, _q: dict, body: bytes, dry: bool) -> tuple[int, Obj]:
        ctype = self.headers.get("Content-Type") or ""
        if route.sub == "scale":
            return self._set_scale(
                route, lambda scale: apply_patch(route.rt, route.name, scale, ctype, body), dry
            )
        result = self.server.api.store.mutate(
            route.rt.name,
            route.namespace,
            route.name,
            lambda current: apply_patch(route.rt, route.name, current, ctype, body),
            subresource=route.sub or None,
            dry_run=dry,
        )
        return 200, result

    def _set_scale(self, route: Route, change: Callable[[Obj], Obj], dry: bool) -> tuple[int, Obj]:
        def scaled(current: Obj) -> Obj:
            scale = change(_scale_of(current))
            replicas = (scale.get("spec") or {}).get("replicas")
            current["spec"]["replicas"] = replicas
            wanted_rv = (scale.get("metadata") or {}).get("resourceVersion")
            if wanted_rv:
                current["metadata"]["resourceVersion"] = wanted_rv
            return current

        args = (route.rt.name, route.namespace, route.name, scaled)
        return 200, _scale_of(self.server.api.store.mutate(*args, dry_run=dry))

    def _delete(self, route: Route, query: dict, body: bytes, dry: bool) -> tuple[int, Obj]:
        options = self._decode_body(body) if body.strip() else {}
        dry = dry or "All" in (options.get("dryRun") or [])
        pre = options.get("preconditions") or {}
        rt = route.rt
        gone = self.server.api.store.delete(
            rt.name,
            route.namespace,
            route.name,
            dry_run=dry,
            uid=pre.get("uid"),
            resource_version=pre.get("resourceVersion"),
        )
        if rt.returns_deleted:
            return 200, gone
        details = {
            "name": route.name,
            "group": rt.group,
            "kind": rt.name,
            "uid": gone["metadata"]["uid"],
        }
        details = {k: v for k, v in details.items() if v}
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
        return 200, {**status, "details": details}

    # watch

    def _watch(self, route: Route, query: dict[str, str], form: str) -> None:
        api = self.server.api
        rt = route.rt
        labels_ok = parse_label_selector(query.get("labelSelector"))
        fields_ok = parse_field_selector(query.get("fieldSelector"), rt.name)
        rv_param = query.get("resourceVersion", "")
        send_initial = flag(query, "sendInitialEvents")
        bookmarks = flag(query, "allowWatchBookmarks")
        timeout = float(query.get("timeoutSeconds") or 0) or None
        if rv_param not in ("", "0") and not rv_param.isdigit():
            raise bad_request(f'resourceVersion: Invalid value: "{rv_param}"')

        def visible(obj: Obj | None) -> bool:
            meta = (obj or {}).get("metadata") or {}
            return (
                obj is not None
                and (not route.namespace or meta.get("namespace") == route.namespace)
                and (not route.name or meta.get("name") == route.name)
                and labels_ok(meta.get("labels") or {})
                and fields_ok(obj)
            )

        epoch = api.store.watch_epoch
        initial: list[Obj] = []
        if rv_param in ("", "0") or send_initial:
            initial, rv = api.store.list(rt.name, route.namespace)
            initial = [{"kind": rt.kind, "apiVersion": rt.api_version, **o} for o in initial]
            initial = [o for o in initial if visible(o)]
            cursor = int(rv)
        else:
            cursor = int(rv_param)

        stream = _WatchStream(self, rt, form, query.get("includeObject", "Metadata"))
        stream.start()
        api.watching(+1)
        try:
            for obj in initial:
                stream.send("ADDED", obj)
            if send_initial and bookmarks:
                stream.bookmark(cursor, initial_end=True)
            self._follow(stream, cursor, epoch, visible, bookmarks, timeout)
            stream.finish()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            api.watching(-1)
        self.close_connection = True

    def _follow(
        self,
        stream: _WatchStream,
        cursor: int,
        epoch: int,
        visible: Callable[[Obj | None], bool],
        bookmarks: bool,
        timeout: float | None,
    ) -> None:
        api = self.server.api
        start = time.monotonic()
        next_bookmark = start + api.bookmark_interval
        while True:
            now = time.monotonic()
            if timeout is not None and now - start >= timeout:
                return
            if bookmarks and now >= next_bookmark:
                stream.bookmark(cursor)
                next_bookmark = now + api.bookmark_interval
            wait = next_bookmark - now if bookmarks else 1.0
            if timeout is not None:
                wait = min(wait, start + timeout - now)
            try:
                events, latest = api.store.events_after(cursor, max(wait, 0.0), epoch)
            except WatchClosed:
                return
            except ApiError as err:
                stream.send("ERROR", err.status())
                return
            for event in events:
                if event.resource != stream.rt.name:
                    continue
                now_ok = event.type != "DELETED" and visible(event.obj)
                was_ok = visible(event.old) if event.type == "MODIFIED" else False
                if event.type == "DELETED" and visible(event.obj):
                    stream.send("DELETED", event.obj)
                elif now_ok:
                    stream.send("MODIFIED" if was_ok else "ADDED", event.obj)
                elif was_ok:  # edited out of the selection: the watcher sees it go
                    gone = {**event.old, "metadata": {**event.old["metadata"]}}
                    gone["metadata"]["resourceVersion"] = str(event.rv)
                    stream.send("DELETED", gone)
            cursor = latest


def _sort_key(obj: Obj) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


class _WatchStream:
    """One watch response: chunked transfer, one JSON event per line."""

    def __init__(self, handler: _Handler, rt: ResourceType, form: str, include: str):
        self.handler, self.rt, self.form, self.include = handler, rt, form, include
        self.headers_sent = False

    def start(self) -> None:
        h = self.handler
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.send_header("Cache-Control", "no-cache, private")
        h.end_headers()
        h.wfile.flush()

    def send(self, type_: str, obj: Obj) -> None:
        if self.form != "json" and type_ != "ERROR":
            meta = {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
            obj = to_table(
                self.rt,
                [obj],
                meta,
                version=self.form,
                include_object=self.include,
                headers=not self.headers_sent,
            )
            self.headers_sent = True
        self._chunk(json.dumps({"type": type_, "object": obj}).encode() + b"\n")

    def bookmark(self, rv: int, *, initial_end: bool = False) -> None:
        meta: dict = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        obj = {"kind": self.rt.kind, "apiVersion": self.rt.api_version, "metadata": meta}
        self._chunk(json.dumps({"type": "BOOKMARK", "object": obj}).encode() + b"\n")

    def finish(self) -> None:
        self.handler.wfile.write(b"0\r\n\r\n")
        self.handler.wfile.flush()

    def _chunk(self, data: bytes) -> None:
        self.handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.handler.wfile.flush()


class _HTTPServer(ThreadingHTTPServer):
    """Tracks its connections so stop() can close idle keep-alives and streaming watches."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], api: KubeApiServer):
        super().__init__(address, _Handler)
        self.api = api
        self._lock = threading.Lock()
        self._connections: dict[socket.socket, threading.Thread] = {}

    def process_request(self, request: socket.socket, client_address: tuple) -> None:
        thread = threading.Thread(
            target=self._serve, args=(request, client_address), name="kube-sim-conn", daemon=True
        )
        with self._lock:
            self._connections[request] = thread
        thread.start()

    def _serve(self, request: socket.socket, client_address: tuple) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._connections.pop(request, None)

    def handle_error(self, request: socket.socket, client_address: tuple) -> None:
        """A client that hangs up mid-response is routine here, not worth a traceback."""
        log.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self, timeout: float) -> None:
        with self._lock:
            connections = dict(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in connections.values():
            thread.join(max(0.0, deadline - time.monotonic()))


class KubeApiServer(Background):
    """The emulated kube-apiserver on 127.0.0.1 (a free port by default).

    Use as a context manager, or start()/stop(). `faults` holds the API-level fault switches;
    `requests` records (method, path, Accept) of recent requests for tests.
    """

    join_timeout = 5.0

    def __init__(
        self,
        store: Store,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        user: str = "oncall",
        bookmark_interval: float = 5.0,
    ):
        super().__init__()  # real time only: its clients are real
        self.store = store
        self.token = token
        self.user = user
        self.bookmark_interval = bookmark_interval
        self.faults = Faults()
        self.requests: deque[tuple[str, str, str]] = deque(maxlen=2000)
        self.served = 0  # every request ever answered, for benchmarks
        self.open_watches = 0  # watches streaming now: what a fault on them would end
        self._watch_count = threading.Lock()
        self._address = (host, port)
        self._httpd: _HTTPServer | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        return self._httpd.server_address[1]

    def _start(self) -> None:
        """On stop, in reverse: end every watch, stop serving, then close every connection."""
        self._httpd = httpd = _HTTPServer(self._address, self)
        self._on_stop(setattr, self, "_httpd", None)
        self._on_stop(httpd.close_connections, 5.0)
        self._serve("kube-sim-server", httpd, poll_interval=0.05)
        self._on_stop(self.store.drop_watches)

    def drop_watches(self) -> None:
        self.store.drop_watches()

    def watching(self, change: int) -> None:
        with self._watch_count:
            self.open_watches += change

    def before_request(self, authorization: str | None) -> None:
        """Latency, injected failures and authentication, in the order a request meets them."""
        if self.faults.latency:
            self.stopping.wait(self.faults.latency)
        if self.faults.should_fail():
            code = self.faults.fail_status or 500
            said = f": {self.faults.fail_message}" if self.faults.fail_message else ""
            if code == 503:
                message = "the server is currently unable to handle the request (injected fault)"
                raise ApiError(503, "ServiceUnavailable", message + said)
            raise ApiError(code, "InternalError", f"Internal error occurred: injected fault{said}")
        if self.faults.unauthorized is not None:
            raise ApiError(401, "Unauthorized", self.faults.unauthorized)
        if self.token is not None and authorization != f"Bearer {self.token}":
            raise ApiError(401, "Unauthorized", "Unauthorized")
