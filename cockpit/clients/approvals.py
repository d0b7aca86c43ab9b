"""The window's four-eyes approval object: a ConfigMap in the window's namespace.

A ConfigMap, so any cluster serves it and plain kubectl shows it (`kubectl get cm -l
cockpit.dev/approval`), no CRD to install. One object per window (named after the
window lock): a new request replaces the last one. Every write carries the
resourceVersion the writer read, so two writers never overwrite each other: the second
gets 409 Conflict (`Conflict`), and is told to look again.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from cockpit.clients.kube import KubeSettings, api_client, describe, kube_client
from cockpit.model.approval import EMERGENCY, GRANTED, Approval
from cockpit.model.untrusted import clean, one_line, scrub

LABEL = "cockpit.dev/approval"
#: the longest `validForSeconds` read from an object (a day)
MAX_VALID = 86400
#: Approval field → ConfigMap data key (the object's text, as kubectl shows it)
KEYS = {
    "request": "request",
    "action": "action",
    "target": "target",
    "title": "title",
    "digest": "digest",
    "requester": "requester",
    "requester_identity": "requesterIdentity",
    "requester_login": "requesterLogin",  # new: older objects lack it
    "requested_at": "requestedAt",
    "valid_for": "validForSeconds",
    "status": "status",
    "approver": "approver",
    "approver_identity": "approverIdentity",
    "approver_login": "approverLogin",  # new: older objects lack it
    "reason": "reason",
    "approved_at": "approvedAt",
    "expires_at": "expiresAt",
}


class Conflict(Exception):
    """409: the object changed since it was read; nothing was written."""


class ApprovalError(Exception):
    """Any other failed request, said as `describe` says it."""


def object_name(lock: str) -> str:
    return f"{lock}-approval"


def to_configmap(approval: Approval, namespace: str, lock: str) -> dict[str, Any]:
    # the object is kept in the cluster and shown in every cockpit: no credential in it
    data = {key: scrub(str(getattr(approval, name))) for name, key in KEYS.items()}
    data["preview"] = scrub("\n".join(approval.preview))
    metadata: dict[str, Any] = {
        "name": object_name(lock),
        "namespace": namespace,
        "labels": {LABEL: lock},
    }
    if approval.resource_version:
        metadata["resourceVersion"] = approval.resource_version
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def from_configmap(obj: dict[str, Any]) -> Approval | None:
    """The approval a ConfigMap holds, or None when it is not one (no request or digest)."""
    data = obj.get("data") or {}
    if not data.get("request") or not data.get("digest"):
        return None
    # outside text: each field one line (a newline in a title would be a fake banner line)
    values: dict[str, Any] = {
        name: clean(one_line(str(data.get(key, "")))) for name, key in KEYS.items()
    }
    try:
        valid_for = int(values["valid_for"] or 0)
    except ValueError:
        valid_for = 0
    # outside text: a day at most, else 0 (the approving cockpit's own policy decides)
    values["valid_for"] = valid_for if 0 < valid_for <= MAX_VALID else 0
    preview = str(data.get("preview", ""))
    values["preview"] = tuple(clean(line) for line in preview.splitlines())
    values["resource_version"] = str((obj.get("metadata") or {}).get("resourceVersion", ""))
    return Approval(**values)


class ApprovalClient:
    """Read, publish, grant and close the window's approval object."""

    def __init__(self, settings: KubeSettings, lock: str) -> None:
        self.settings, self.lock = settings, lock
        self.name = object_name(lock)
        self._client = None

    def _api(self):
        if self._client is None:
            self._client = kube_client().CoreV1Api(api_client(self.settings))
        return self._client

    def _failed(self, error: Exception, verb: str) -> Exception:
        from kubernetes.client.exceptions import ApiException

        if isinstance(error, ApiException) and error.status == 409:
            return Conflict(
                f"409 Conflict: the approval object {self.name} changed since it was read; "
                "nothing was written, look again"
            )
        return ApprovalError(describe(error, verb, "configmaps", self.settings.namespace).detail)

    def read(self) -> Approval | None:
        from kubernetes.client.exceptions import ApiException

        try:
            response = self._api().read_namespaced_config_map(
                self.name, self.settings.namespace, _preload_content=False, _request_timeout=10
            )
        except ApiException as error:
            if error.status == 404:
                return None
            raise self._failed(error, "get") from None
        except Exception as error:
            raise self._failed(error, "get") from None
        return from_configmap(json.loads(response.data))

    def _write(self, approval: Approval, create: bool) -> Approval:
        if not create and not approval.resource_version:  # a PUT without one overwrites
            raise ApprovalError(
                f"not written: an update of {self.name} needs the resourceVersion it was "
                "read at, and none is known; look again"
            )
        body = to_configmap(approval, self.settings.namespace, self.lock)
        namespace = self.settings.namespace
        try:
            if create:
                response = self._api().create_namespaced_config_map(
                    namespace, body, _preload_content=False, _request_timeout=10
                )
            else:
                response = self._api().replace_namespaced_config_map(
                    self.name, namespace, body, _preload_content=False, _request_timeout=10
                )
        except Exception as error:
            raise self._failed(error, "create" if create else "update") from None
        written = from_configmap(json.loads(response.data))
        assert written is not None
        return written

    def publish(self, approval: Approval) -> Approval:
        """A new request in place of whatever the window's object said before — except an
        emergency still waiting for its approval after the fact: that one is refused, not
        replaced. The window has one object, the one every cockpit watches and approves;
        a copy under another name would be seen by nobody, and the emergency would go
        unapproved for good."""
        current = self.read()
        if current is None:
            try:
                return self._write(replace(approval, resource_version=""), create=True)
            except Conflict:  # someone created it in between: replace it, as read
                current = self.read()
        if current is not None and current.status == EMERGENCY:
            raise ApprovalError(
                f"an emergency awaits its approval after the fact ({current.title}, run by "
                f"{current.requester}): approve it first (A in another operator's cockpit)"
            )
        version = current.resource_version if current else ""
        return self._write(replace(approval, resource_version=version), create=False)

    def grant(
        self,
        seen: Approval,
        approver: str,
        identity: str,
        reason: str,
        at: str,
        expires: str,
        login: str = "",
    ) -> Approval:
        """Approve the request as it was seen (its resourceVersion): if it changed since,
        the write is a 409 and nothing is approved."""
        granted = replace(
            seen,
            status=GRANTED,
            approver=approver,
            approver_identity=identity,
            approver_login=login,
            reason=reason,
            approved_at=at,
            expires_at=expires,
        )
        return self._write(granted, create=False)

    def close(self, request: str, status: str, reason: str = "") -> Approval | None:
        """Mark our request withdrawn or gone on without (emergency); None when the object
        names another request by now (it is not ours to close)."""
        current = self.read()
        if current is None or current.request != request:
            return None
        return self._write(replace(current, status=status, reason=reason), create=False)
