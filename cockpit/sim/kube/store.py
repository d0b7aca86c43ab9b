"""In-memory Kubernetes object store: the etcd-and-registry half of the emulator.

It owns everything a real apiserver decides before bytes go on the wire: one global
resourceVersion counter, uid/creationTimestamp/generation, defaults and validation per kind,
optimistic concurrency (409 on a stale resourceVersion), selectors, the patch formats, and a
bounded event history that watches read from (410 Gone once a watch falls out of it).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import random
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

Obj = dict  # a Kubernetes object as decoded JSON

#: the alphabet Kubernetes uses for generated name suffixes and pod-template-hash values
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def now() -> str:
    """RFC 3339 UTC timestamp with seconds precision, as metav1.Time serializes."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def random_suffix(rng: random.Random | None = None, length: int = 5) -> str:
    return "".join((rng or random).choice(SAFE_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class ResourceType:
    """What discovery advertises about a resource and what the registry needs to know."""

    name: str  # plural, the URL segment
    kind: str
    group: str  # "" for the core group
    version: str
    namespaced: bool
    singular: str
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()  # "status", "scale"
    returns_deleted: bool = False  # DELETE answers with the object rather than a Status

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """`deployments.apps`: how the apiserver names a resource in error messages."""
        return f"{self.name}.{self.group}" if self.group else self.name


RESOURCES: dict[str, ResourceType] = {
    rt.name: rt
    for rt in (
        ResourceType("namespaces", "Namespace", "", "v1", False, "namespace", ("ns",),
                     subresources=("status",), returns_deleted=True),
        ResourceType("pods", "Pod", "", "v1", True, "pod", ("po",), ("all",),
                     ("status",), returns_deleted=True),
        ResourceType("services", "Service", "", "v1", True, "service", ("svc",), ("all",),
                     ("status",), returns_deleted=True),
        ResourceType("secrets", "Secret", "", "v1", True, "secret"),
        ResourceType("configmaps", "ConfigMap", "", "v1", True, "configmap", ("cm",)),
        ResourceType("events", "Event", "", "v1", True, "event", ("ev",)),
        ResourceType("deployments", "Deployment", "apps", "v1", True, "deployment", ("deploy",),
                     ("all",), ("status", "scale")),
        ResourceType("replicasets", "ReplicaSet", "apps", "v1", True, "replicaset", ("rs",),
                     ("all",), ("status", "scale")),
        ResourceType("endpointslices", "EndpointSlice", "discovery.k8s.io", "v1", True,
                     "endpointslice"),
        ResourceType("leases", "Lease", "coordination.k8s.io", "v1", True, "lease"),
    )
}  # fmt: skip


class ApiError(Exception):
    """An error the apiserver would answer with a Status object."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self) -> Obj:
        status = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            status["details"] = self.details
        return status


class WatchClosed(Exception):
    """The watch was dropped (fault injection or server stop): the stream must end now."""


def _details(rt: ResourceType, name: str = "") -> dict:
    details = {"name": name, "group": rt.group, "kind": rt.name}
    return {k: v for k, v in details.items() if v}


def not_found(rt: ResourceType, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{rt.qualified} "{name}" not found', _details(rt, name))


def conflict(rt: ResourceType, name: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {rt.qualified} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        _details(rt, name),
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def expired(rv: int, oldest: int) -> ApiError:
    return ApiError(410, "Expired", f"too old resource version: {rv} ({oldest})")


def invalid(rt: ResourceType, name: str, causes: list[tuple[str, str, str]]) -> ApiError:
    """causes: (field, reason, message) with reason FieldValueRequired/FieldValueInvalid/..."""
    texts = [f"{f}: {m}" for f, _, m in causes]
    summary = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    details = {
        "name": name,
        "group": rt.group,
        "kind": rt.kind,
        "causes": [{"reason": r, "message": m, "field": f} for f, r, m in causes],
    }
    return ApiError(
        422,
        "Invalid",
        f'{rt.kind} "{name}" is invalid: {summary}',
        {k: v for k, v in details.items() if v},
    )


# --- selectors -------------------------------------------------------------------------------

_KEY = r"[A-Za-z0-9][-A-Za-z0-9_./]*"
_SET_REQ = re.compile(rf"^({_KEY})\s+(in|notin)\s*\(([^)]*)\)$")
_EQ_REQ = re.compile(rf"^({_KEY})\s*(==|!=|=)\s*([-A-Za-z0-9_.]*)$")
_EXISTS_REQ = re.compile(rf"^(!?)\s*({_KEY})$")

Predicate = Callable[[dict], bool]


def _split_top_level(selector: str) -> list[str]:
    parts, depth, current = [], 0, []
    for ch in selector:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _label_requirement(req: str) -> Predicate:
    if m := _SET_REQ.match(req):
        key, op, values = m[1], m[2], {v.strip() for v in m[3].split(",") if v.strip()}
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if m := _EQ_REQ.match(req):
        key, op, value = m[1], m[2], m[3]
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if m := _EXISTS_REQ.match(req):
        negate, key = m[1] == "!", m[2]
        return lambda labels: (key in labels) != negate
    raise bad_request(f"unable to parse requirement: {req!r}")


def parse_label_selector(selector: str | None) -> Predicate:
    """`a=b,c!=d,e in (x,y),f notin (z),g,!h` → predicate over a labels dict (all must hold)."""
    reqs = [_label_requirement(r) for r in _split_top_level(selector or "")]
    return lambda labels: all(req(labels or {}) for req in reqs)


#: field selectors each kind supports besides metadata.name and metadata.namespace
_FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "pods": ("spec.nodeName", "spec.restartPolicy", "status.phase", "status.podIP"),
    "secrets": ("type",),
    "events": ("involvedObject.kind", "involvedObject.name", "involvedObject.namespace",
               "involvedObject.uid", "reason", "type"),
    "namespaces": ("status.phase",),
}  # fmt: skip


def field_value(obj: Obj, path: str) -> str:
    value: object = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def parse_field_selector(selector: str | None, resource: str) -> Callable[[Obj], bool]:
    """`metadata.name=x,status.phase!=Running` → predicate over an object."""
    allowed = {"metadata.name", "metadata.namespace", *_FIELD_LABELS.get(resource, ())}
    terms = []
    for term in _split_top_level(selector or ""):
        m = re.match(r"^([A-Za-z.]+)\s*(==|!=|=)\s*(.*)$", term)
        if not m:
            raise bad_request(f"invalid selector: '{selector}'; can't understand '{term}'")
        if m[1] not in allowed:
            raise bad_request(f'field label not supported: "{m[1]}"')
        terms.append((m[1], m[2] == "!=", m[3]))
    return lambda obj: all((field_value(obj, f) == v) != neg for f, neg, v in terms)


# --- patches ---------------------------------------------------------------------------------


def merge_patch(target: object, patch: object) -> object:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


#: list fields Kubernetes merges by key under a strategic merge patch, instead of replacing
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "hostAliases": "ip",
}


def strategic_merge_patch(target: object, patch: object, parent: str = "") -> object:
    """Strategic merge patch for the fields the cockpit and kubectl touch.

    Maps merge like a JSON merge patch; the keyed lists in `_MERGE_KEYS` (and `ports`) merge by
    key so `kubectl set image` keeps the other container fields. `$patch: replace|delete` is
    honoured; `$setElementOrder`, `$retainKeys` and the like are accepted and ignored.
    """
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    body = {k: v for k, v in patch.items() if not k.startswith("$")}
    if directive == "replace":
        return copy.deepcopy(body)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in body.items():
        merge_key = _MERGE_KEYS.get(key)
        if key == "ports":
            merge_key = "containerPort" if parent == "containers" else "port"
        if value is None or (isinstance(value, dict) and value.get("$patch") == "delete"):
            result.pop(key, None)
        elif merge_key and isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = _merge_keyed_list(result[key], value, merge_key, key)
        else:
            result[key] = strategic_merge_patch(result.get(key), value, key)
    return result


def _merge_keyed_list(current: list, patch: list, key: str, field: str) -> list:
    merged = copy.deepcopy(current)
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            return copy.deepcopy(patch)  # not a keyed list after all: replace like JSON
        index = next(
            (i for i, e in enumerate(merged) if isinstance(e, dict) and e.get(key) == item[key]),
            None,
        )
        if item.get("$patch") == "delete":
            if index is not None:
                merged.pop(index)
        elif index is None:
            merged.append(strategic_merge_patch({}, item, field))
        else:
            merged[index] = strategic_merge_patch(merged[index], item, field)
    return merged


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _resolve(doc: object, parts: list[str]) -> object:
    for part in parts:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def json_patch(target: Obj, operations: list) -> Obj:
    """RFC 6902 JSON patch (add, remove, replace, move, copy, test)."""
    doc = copy.deepcopy(target)
    for op in operations:
        parts = _pointer(op["path"])
        kind = op["op"]
        if kind in ("move", "copy"):
            source = _pointer(op["from"])
            value = copy.deepcopy(_resolve(doc, source))
            if kind == "move":
                doc = _remove(doc, source)
            doc = _add(doc, parts, value)
        elif kind == "add":
            doc = _add(doc, parts, copy.deepcopy(op["value"]))
        elif kind == "remove":
            doc = _remove(doc, parts)
        elif kind == "replace":
            _resolve(doc, parts)  # must exist
            doc = _add(_remove(doc, parts), parts, copy.deepcopy(op["value"]))
        elif kind == "test":
            if _resolve(doc, parts) != op["value"]:
                raise ValueError(f"test failed at {op['path']}")
        else:
            raise ValueError(f"unknown JSON patch op {kind!r}")
    return doc


def _add(doc: object, parts: list[str], value: object) -> object:
    if not parts:
        return value
    parent = _resolve(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if not 0 <= index <= len(parent):
            raise ValueError(f"index {last} out of range")
        parent.insert(index, value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise ValueError(f"cannot add at {'/'.join(parts)}")
    return doc


def _remove(doc: object, parts: list[str]) -> object:
    if not parts:
        raise ValueError("cannot remove the whole document")
    parent = _resolve(doc, parts[:-1])
    if isinstance(parent, list):
        parent.pop(int(parts[-1]))
    else:
        del parent[parts[-1]]
    return doc


PATCH_TYPES = (
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/json-patch+json",
)


def apply_patch(rt: ResourceType, name: str, obj: Obj, content_type: str, body: bytes) -> Obj:
    """Apply a PATCH body of the given media type; errors as the apiserver reports them."""
    media = content_type.split(";")[0].strip()
    if media not in PATCH_TYPES:
        accepted = ", ".join(PATCH_TYPES)
        message = (
            f"the body of the request was in an unknown format - accepted media types include: "
            f"{accepted}"
        )
        raise ApiError(415, "UnsupportedMediaType", message)
    try:
        patch = json.loads(body or b"null")
    except ValueError as exc:
        raise bad_request(f"error decoding patch: {exc}") from None
    if media == "application/json-patch+json":
        if not isinstance(patch, list):
            raise bad_request("json patch must be a list of operations")
        try:
            return json_patch(obj, patch)
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise invalid(rt, name, [("", "FieldValueInvalid", f"json patch: {exc}")]) from None
    if not isinstance(patch, dict):
        raise bad_request("a merge patch must be a JSON object")
    if media == "application/merge-patch+json":
        return merge_patch(obj, patch)
    return strategic_merge_patch(obj, patch)


# --- per-kind defaults and validation --------------------------------------------------------

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
Cause = tuple[str, str, str]


def _name_causes(rt: ResourceType, name: str) -> list[Cause]:
    if rt.name in ("namespaces", "services"):
        if len(name) <= 63 and _DNS_LABEL.match(name) and not name[0].isdigit():
            return []
        what = "RFC 1123 label" if rt.name == "namespaces" else "RFC 1035 label"
    else:
        if len(name) <= 253 and _DNS_SUBDOMAIN.match(name):
            return []
        what = "RFC 1123 subdomain"
    return [
        (
            "metadata.name",
            "FieldValueInvalid",
            f'Invalid value: "{name}": a lowercase {what} must consist of lower case '
            "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
            "character",
        )
    ]


def _meta_causes(meta: dict) -> list[Cause]:
    causes = []
    for field in ("labels", "annotations"):
        values = meta.get(field) or {}
        if not isinstance(values, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in values.items()
        ):
            message = "Invalid value: not a map of string to string"
            causes.append((f"metadata.{field}", "FieldValueInvalid", message))
        elif field == "labels":
            causes += [
                (
                    "metadata.labels",
                    "FieldValueInvalid",
                    f'Invalid value: "{v}": a valid label must be 63 characters or less, and '
                    "consist of alphanumerics, '-', '_' or '.'",
                )
                for v in values.values()
                if len(v) > 63 or not _LABEL_VALUE.match(v)
            ]
    return causes


def _containers_causes(pod_spec: dict | None, prefix: str) -> list[Cause]:
    containers = (pod_spec or {}).get("containers")
    if not containers:
        return [(f"{prefix}.containers", "FieldValueRequired", "Required value")]
    return [
        (f"{prefix}.containers[{i}].{f}", "FieldValueRequired", "Required value")
        for i, c in enumerate(containers)
        for f in ("name", "image")
        if not c.get(f)
    ]


def _default_pod_spec(spec: dict) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    for container in spec.get("containers") or []:
        image = str(container.get("image", ""))
        latest = ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")
        container.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
        container.setdefault("terminationMessagePath", "/dev/termination-log")
        container.setdefault("terminationMessagePolicy", "File")
        container.setdefault("resources", {})
        for port in container.get("ports") or []:
            port.setdefault("protocol", "TCP")


def _workload_causes(obj: Obj, old: Obj | None) -> list[Cause]:
    spec = obj.get("spec") or {}
    selector = spec.get("selector")
    if not isinstance(selector, dict) or not (
        selector.get("matchLabels") or selector.get("matchExpressions")
    ):
        return [("spec.selector", "FieldValueRequired", "Required value")]
    causes: list[Cause] = []
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    wanted = selector.get("matchLabels") or {}
    if any(labels.get(k) != v for k, v in wanted.items()):
        message = (
            f"Invalid value: {json.dumps(labels)}: `selector` does not match template `labels`"
        )
        causes.append(("spec.template.metadata.labels", "FieldValueInvalid", message))
    if old is not None and (old.get("spec") or {}).get("selector") != selector:
        message = f"Invalid value: {json.dumps(selector)}: field is immutable"
        causes.append(("spec.selector", "FieldValueInvalid", message))
    replicas = spec.get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        message = f"Invalid value: {json.dumps(replicas)}: must be greater than or equal to 0"
        causes.append(("spec.replicas", "FieldValueInvalid", message))
    pod_spec = (spec.get("template") or {}).get("spec")
    return causes + _containers_causes(pod_spec, "spec.template.spec")


def _default_workload(obj: Obj, *, deployment: bool) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("minReadySeconds", 0)
    if deployment:
        spec.setdefault("progressDeadlineSeconds", 600)
        spec.setdefault(
            "strategy",
            {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
        )
    template = spec.setdefault("template", {})
    template.setdefault("metadata", {})
    _default_pod_spec(template.setdefault("spec", {}))


def _default_service(obj: Obj, old: Obj | None, allocate: Callable[[], str]) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    if old is not None:  # like the real registry, carry allocated values over on update
        for field in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
            if field in old.get("spec", {}):
                spec.setdefault(field, old["spec"][field])
    if spec["type"] != "ExternalName" and not spec.get("clusterIP"):
        spec["clusterIP"] = allocate()
    if spec.get("clusterIP"):
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("sessionAffinity", "None")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))


def _service_causes(obj: Obj, old: Obj | None) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    if spec.get("type") != "ExternalName" and not spec.get("ports"):
        causes.append(("spec.ports", "FieldValueRequired", "Required value"))
    if old is not None and spec.get("clusterIP") != old.get("spec", {}).get("clusterIP"):
        message = f'Invalid value: "{spec.get("clusterIP")}": field is immutable'
        causes.append(("spec.clusterIP", "FieldValueInvalid", message))
    selector = spec.get("selector") or {}
    if not isinstance(selector, dict) or not all(isinstance(v, str) for v in selector.values()):
        message = "Invalid value: not a map of string to string"
        causes.append(("spec.selector", "FieldValueInvalid", message))
    return causes


def _default_secret(obj: Obj) -> None:
    obj.setdefault("type", "Opaque")
    string_data = obj.pop("stringData", None) or {}
    data = obj.setdefault("data", {}) or {}
    for key, value in string_data.items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    obj["data"] = data


def _secret_causes(obj: Obj) -> list[Cause]:
    causes = []
    for key, value in (obj.get("data") or {}).items():
        try:
            base64.b64decode(str(value), validate=True)
        except binascii.Error:
            causes.append((f"data[{key}]", "FieldValueInvalid", "Invalid value: illegal base64"))
    return causes


# --- the store -------------------------------------------------------------------------------

Key = tuple[str, str, str]  # (resource, namespace or "", name)


@dataclass(frozen=True)
class WatchEvent:
    """One committed change; `old` lets a selector-filtered watch turn edits into ADDED/DELETED."""

    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    resource: str
    namespace: str
    obj: Obj  # never mutated after commit
    old: Obj | None


class Store:
    """Thread-safe object store with a global resourceVersion and a bounded watch history."""

    def __init__(self, history: int = 1000):
        self._objects: dict[Key, Obj] = {}
        self._rv = 0
        self._history: deque[WatchEvent] = deque()
        self._history_size = history
        self._compacted = 0  # the newest resourceVersion no longer in the history
        self._epoch = 0  # bumped by drop_watches(): every open watch ends
        self._expired: set[int] = set()  # epochs whose watches ended with 410 Gone
        self._cond = threading.Condition()
        self._next_ip = 0

    # reading

    @property
    def resource_version(self) -> str:
        with self._cond:
            return str(self._rv)

    def get(self, resource: str, namespace: str, name: str) -> Obj:
        rt = RESOURCES[resource]
        with self._cond:
            obj = self._objects.get(self._key(rt, namespace, name))
            if obj is None:
                raise not_found(rt, name)
            return copy.deepcopy(obj)

    def list(
        self,
        resource: str,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[Obj], str]:
        """Matching objects sorted by (namespace, name), and the resourceVersion of the view."""
        rt = RESOURCES[resource]
        labels_ok = parse_label_selector(label_selector)
        fields_ok = parse_field_selector(field_selector, resource)
        with self._cond:
            items = [
                copy.deepcopy(obj)
                for (res, ns, _), obj in sorted(self._objects.items())
                if res == rt.name
                and (not namespace or not rt.namespaced or ns == namespace)
                and labels_ok(obj["metadata"].get("labels") or {})
                and fields_ok(obj)
            ]
            return items, str(self._rv)

    # writing

    def create(self, resource: str, namespace: str, obj: Obj, *, dry_run: bool = False) -> Obj:
        rt = RESOURCES[resource]
        obj = copy.deepcopy(obj)
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            meta = obj["metadata"] = {}
        namespace = self._namespace_for(rt, namespace, meta)
        with self._cond:
            if rt.namespaced and ("namespaces", "", namespace) not in self._objects:
                raise not_found(RESOURCES["namespaces"], namespace)
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = meta["generateName"] + random_suffix()
            name = meta.get("name") or ""
            if not name:
                message = "Required value: name or generateName is required"
                raise invalid(rt, "", [("metadata.name", "FieldValueRequired", message)])
            key = self._key(rt, namespace, name)
            if key in self._objects:
                message = f'{rt.qualified} "{name}" already exists'
                raise ApiError(409, "AlreadyExists", message, _details(rt, name))
            self._prepare(rt, obj, None)
            meta.update(uid=str(uuid.uuid4()), creationTimestamp=now(), generation=1)
            for field in ("resourceVersion", "deletionTimestamp", "selfLink"):
                meta.pop(field, None)
            if dry_run:
                return obj
            self._commit("ADDED", rt, key, obj, None)
            return copy.deepcopy(obj)

    def update(
        self,
        resource: str,
        namespace: str,
        name: str,
        obj: Obj,
        *,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> Obj:
        """PUT: replace the object (or only its status); 409 on a stale resourceVersion."""
        body_name = (obj.get("metadata") or {}).get("name")
        if body_name and body_name != name:
            raise bad_request(
                f"the name of the object ({body_name}) does not match the name on the URL ({name})"
            )
        return self.mutate(
            resource,
            namespace,
            name,
            lambda _current: copy.deepcopy(obj),
            subresource=subresource,
            dry_run=dry_run,
        )

    def mutate(
        self,
        resource: str,
        namespace: str,
        name: str,
        change: Callable[[Obj], Obj],
        *,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> Obj:
        """Read-modify-write under the lock: `change` gets a copy and returns the wanted object.

        A resourceVersion in the returned object is a precondition (409 if stale); without one
        the write is unconditional, as for a patch. An unchanged object is not written.
        """
        rt = RESOURCES[resource]
        with self._cond:
            key = self._key(rt, namespace, name)
            old = self._objects.get(key)
            if old is None:
                raise not_found(rt, name)
            wanted = change(copy.deepcopy(old))
            if not isinstance(wanted, dict):
                raise bad_request("the object must be a JSON object")
            wanted_meta = wanted.get("metadata") if isinstance(wanted.get("metadata"), dict) else {}
            wanted_rv = wanted_meta.get("resourceVersion")
            if wanted_rv and str(wanted_rv) != old["metadata"]["resourceVersion"]:
                raise conflict(rt, name)
            new = self._updated(rt, old, wanted, wanted_meta, subresource)
            if new == old or dry_run:
                return copy.deepcopy(new)
            self._commit("MODIFIED", rt, key, new, old)
            return copy.deepcopy(new)

    def delete(
        self,
        resource: str,
        namespace: str,
        name: str,
        *,
        dry_run: bool = False,
        uid: str | None = None,
        resource_version: str | None = None,
    ) -> Obj:
        """Delete now (no graceful termination); `uid`/`resource_version` are preconditions."""
        rt = RESOURCES[resource]
        with self._cond:
            key = self._key(rt, namespace, name)
            old = self._objects.get(key)
            if old is None:
                raise not_found(rt, name)
            meta = old["metadata"]
            if (uid and uid != meta["uid"]) or (
                resource_version and resource_version != meta["resourceVersion"]
            ):
                raise conflict(rt, name)
            gone = copy.deepcopy(old)
            gone["metadata"]["deletionTimestamp"] = now()
            gone["metadata"]["deletionGracePeriodSeconds"] = 0
            if dry_run:
                return gone
            if rt.name == "namespaces":  # the namespace controller's job, done at once
                for other in [k for k in self._objects if k[0] != "namespaces" and k[1] == name]:
                    inner = self._objects[other]
                    self._commit("DELETED", RESOURCES[other[0]], other, copy.deepcopy(inner), inner)
            self._commit("DELETED", rt, key, gone, old)
            return copy.deepcopy(gone)

    # watching

    @property
    def watch_epoch(self) -> int:
        with self._cond:
            return self._epoch

    def events_after(self, rv: int, timeout: float, epoch: int) -> tuple[list[WatchEvent], int]:
        """Events newer than `rv`, waiting up to `timeout` s for one; and the store's rv then.

        Raises Expired (410) once `rv` fell out of the history and WatchClosed when the watch
        was dropped.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if epoch in self._expired:
                    raise expired(rv, self._compacted + 1)
                if epoch != self._epoch:
                    raise WatchClosed
                if rv < self._compacted:
                    raise expired(rv, self._compacted + 1)
                if self._rv > rv:
                    return [e for e in self._history if e.rv > rv], self._rv
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return [], self._rv
                self._cond.wait(remaining)

    def drop_watches(self) -> None:
        """End every open watch now; clients resume from their last resourceVersion."""
        with self._cond:
            self._epoch += 1
            self._cond.notify_all()

    def expire_watches(self) -> None:
        """End every open watch with 410 Gone (its resourceVersion fell out of the window),
        and forget the history up to now: its client must list again."""
        with self._cond:
            self._expired.add(self._epoch)
            self._epoch += 1
            self._compact(self._rv)
            self._cond.notify_all()

    def compact(self, rv: int | None = None) -> None:
        """Forget history up to `rv` (default: all of it): older watches get 410 Gone."""
        with self._cond:
            self._compact(self._rv if rv is None else min(rv, self._rv))
            self._cond.notify_all()

    def _compact(self, upto: int) -> None:
        while self._history and self._history[0].rv <= upto:
            self._history.popleft()
        self._compacted = max(self._compacted, upto)

    # internals

    @staticmethod
    def _key(rt: ResourceType, namespace: str, name: str) -> Key:
        return (rt.name, namespace if rt.namespaced else "", name)

    @staticmethod
    def _namespace_for(rt: ResourceType, namespace: str, meta: dict) -> str:
        if not rt.namespaced:
            meta.pop("namespace", None)
            return ""
        body_ns = meta.get("namespace")
        if body_ns and namespace and body_ns != namespace:
            raise bad_request(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"
            )
        namespace = namespace or body_ns or ""
        if not namespace:
            raise bad_request("a namespace is required for a namespaced resource")
        meta["namespace"] = namespace
        return namespace

    def _allocate_ip(self) -> str:
        self._next_ip += 1
        return f"10.96.{self._next_ip // 250}.{self._next_ip % 250 + 1}"

    def _prepare(self, rt: ResourceType, obj: Obj, old: Obj | None) -> None:
        """Set kind/apiVersion, apply the kind's defaults, raise 422 Invalid on bad input."""
        obj["kind"], obj["apiVersion"] = rt.kind, rt.api_version
        meta = obj["metadata"]
        if old is None and "status" in rt.subresources:
            obj["status"] = {}
        causes = _name_causes(rt, meta["name"]) + _meta_causes(meta)
        if rt.name == "pods":
            _default_pod_spec(obj.setdefault("spec", {}))
            causes += _containers_causes(obj["spec"], "spec")
            if old is None:
                obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
        elif rt.name in ("deployments", "replicasets"):
            _default_workload(obj, deployment=rt.name == "deployments")
            causes += _workload_causes(obj, old)
        elif rt.name == "services":
            _default_service(obj, old, self._allocate_ip)
            causes += _service_causes(obj, old)
            if old is None:
                obj["status"] = {"loadBalancer": {}}
        elif rt.name == "secrets":
            _default_secret(obj)
            causes += _secret_causes(obj)
        elif rt.name == "namespaces":
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
            obj.setdefault("status", {}).setdefault("phase", "Active")
            meta["labels"] = {
                **(meta.get("labels") or {}),
                "kubernetes.io/metadata.name": meta["name"],
            }
        elif rt.name == "endpointslices":
            if not obj.get("addressType"):
                causes.append(("addressType", "FieldValueRequired", "Required value"))
            obj.setdefault("endpoints", [])
        if causes:
            raise invalid(rt, meta["name"], causes)

    def _updated(
        self, rt: ResourceType, old: Obj, wanted: Obj, wanted_meta: dict, subresource: str | None
    ) -> Obj:
        if subresource == "status":
            new = copy.deepcopy(old)
            new["status"] = wanted.get("status") or {}
            return new
        new = copy.deepcopy(wanted)
        meta = new["metadata"] = copy.deepcopy(wanted_meta)
        for field in ("name", "namespace", "uid", "creationTimestamp", "resourceVersion"):
            if field in old["metadata"]:
                meta[field] = old["metadata"][field]
        for field in ("deletionTimestamp", "selfLink", "generation"):
            meta.pop(field, None)
        if "status" in rt.subresources:
            new["status"] = copy.deepcopy(old.get("status", {}))
        self._prepare(rt, new, old)
        spec_changed = {k: v for k, v in new.items() if k not in ("metadata", "status")} != {
            k: v for k, v in old.items() if k not in ("metadata", "status")
        }
        meta["generation"] = old["metadata"].get("generation", 1) + spec_changed
        return new

    def _commit(self, type_: str, rt: ResourceType, key: Key, obj: Obj, old: Obj | None) -> None:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)
        if type_ == "DELETED":
            self._objects.pop(key, None)
        else:
            self._objects[key] = obj
        if len(self._history) >= self._history_size:
            self._compacted = self._history.popleft().rv
        self._history.append(WatchEvent(self._rv, type_, rt.name, key[1], obj, old))
        self._cond.notify_all()
