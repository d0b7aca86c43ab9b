"""The window's approval object, watched: list + watch of the labelled ConfigMap.

The same loop as the other kinds (`KubeSource`: bookmarks, 410 → re-list, back-off,
problems said as what they are), on ConfigMaps labelled `cockpit.dev/approval=<lock>`;
what it sees becomes approval events — requested, granted, closed — in every cockpit on
the window, so the requester learns of an approval the moment it is written.
"""

from __future__ import annotations

from typing import Any

from cockpit.clients.approvals import LABEL, from_configmap, object_name
from cockpit.clients.kube import kube_client
from cockpit.model import events as ev
from cockpit.model.approval import EMERGENCY, GRANTED, USED, WITHDRAWN
from cockpit.sources.kube import KubeSource


class ApprovalWatch(KubeSource):
    KINDS = ("configmaps",)
    name = "approvals"

    def request(self, kind: str):
        lock = self.settings.lease or "cockpit-window"
        return kube_client().CoreV1Api(self._api()).list_namespaced_config_map, {
            "label_selector": f"{LABEL}={lock}"
        }

    def observed(self, kind: str, change: str, objects: list[dict[str, Any]]) -> None:
        for obj in objects:
            name = (obj.get("metadata") or {}).get("name")
            if name == object_name(self.settings.lease or "cockpit-window"):
                for event in approval_events(obj, change, self.now()):
                    self.emit(event)


def approval_events(obj: dict[str, Any], change: str, at: str) -> list[ev.Event]:
    """What one ConfigMap of the watch says, as events (none if it holds no approval)."""
    approval = from_configmap(obj)
    if approval is None:
        return []
    if change == "DELETED":
        return [ev.ApprovalClosed(request=approval.request, status="deleted", at=at)]
    events: list[ev.Event] = [
        ev.ApprovalRequested(
            request=approval.request,
            action=approval.action,
            target=approval.target,
            title=approval.title,
            digest=approval.digest,
            requester=approval.requester,
            requester_identity=approval.requester_identity,
            requester_login=approval.requester_login,
            valid_for=approval.valid_for,
            preview=approval.preview,
            resource_version=approval.resource_version,
            at=approval.requested_at or at,
        )
    ]
    if approval.status == GRANTED:
        events.append(
            ev.ApprovalGranted(
                request=approval.request,
                digest=approval.digest,
                approver=approval.approver,
                approver_identity=approval.approver_identity,
                approver_login=approval.approver_login,
                reason=approval.reason,
                approved_at=approval.approved_at,
                expires_at=approval.expires_at,
                resource_version=approval.resource_version,
                at=at,
            )
        )
    elif approval.status in (WITHDRAWN, EMERGENCY, USED):
        closed = ev.ApprovalClosed(
            request=approval.request, status=approval.status, detail=approval.reason, at=at
        )
        events.append(closed)
    return events
