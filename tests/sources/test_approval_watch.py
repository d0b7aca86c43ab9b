"""The approvals watch against the emulator: a request, its approval and its end arrive as
events through list + watch, only for this window's object."""

import threading
from collections.abc import Callable

from cockpit.clients.approvals import ApprovalClient
from cockpit.clients.kube import KubeSettings
from cockpit.model import events as ev
from cockpit.model.approval import Approval
from cockpit.sources.approvals import ApprovalWatch, approval_events
from tests.helpers.poll import eventually

NS = "production"
REQUEST = Approval(
    request="cutover@1",
    action="cutover",
    target="valeo-erp",
    title="Cutover valeo-erp: blue → green",
    digest="cd" * 32,
    requester="alice@bastion",
    preview=("+   version: green",),
)


def settings(kubeconfig, lease="cockpit-window") -> KubeSettings:
    return KubeSettings(
        namespace=NS, app="valeo-erp", service="valeo-erp", kubeconfig=str(kubeconfig), lease=lease
    )


def wait_for(condition: Callable[[], object], what: str) -> None:
    eventually(condition, what=what)


def of(events, kind):
    return [e for e in list(events) if isinstance(e, kind)]


def test_a_request_its_approval_and_its_end_arrive_as_events(cluster, kubeconfig):
    events: list[ev.Event] = []
    watch = ApprovalWatch(settings(kubeconfig), events.append)
    client = ApprovalClient(settings(kubeconfig), "cockpit-window")
    thread = threading.Thread(target=watch.run, args=("configmaps",), daemon=True)
    thread.start()
    try:
        wait_for(
            lambda: any(isinstance(e, ev.SourceStatus) and e.state == "ok" for e in events),
            "the watch to say ok",
        )
        assert of(events, ev.SourceStatus)[-1].source == "approvals"
        seen = client.publish(REQUEST)
        wait_for(lambda: of(events, ev.ApprovalRequested), "the request")
        (asked,) = of(events, ev.ApprovalRequested)
        assert (asked.request, asked.digest, asked.requester) == (
            "cutover@1",
            "cd" * 32,
            "alice@bastion",
        )
        assert (
            asked.preview == ("+   version: green",)
            and asked.resource_version == seen.resource_version
        )
        client.grant(seen, "bob@laptop", "bob@laptop#2-b", "ok", "t1", "t2")
        wait_for(lambda: of(events, ev.ApprovalGranted), "the approval")
        (granted,) = of(events, ev.ApprovalGranted)
        assert (granted.approver, granted.reason, granted.expires_at) == ("bob@laptop", "ok", "t2")
        cluster.store.delete("configmaps", NS, "cockpit-window-approval")
        wait_for(lambda: of(events, ev.ApprovalClosed), "the end of the request")
        assert of(events, ev.ApprovalClosed)[-1].status == "deleted"
    finally:
        watch.stop()
        thread.join(10)


def test_an_existing_approval_is_listed_and_another_windows_is_not(cluster, kubeconfig):
    ApprovalClient(settings(kubeconfig), "cockpit-window").publish(REQUEST)
    ApprovalClient(settings(kubeconfig), "other-window").publish(REQUEST)
    events: list[ev.Event] = []
    watch = ApprovalWatch(settings(kubeconfig), events.append)
    thread = threading.Thread(target=watch.run, args=("configmaps",), daemon=True)
    thread.start()
    try:
        wait_for(lambda: of(events, ev.ApprovalRequested), "this window's listed request")
        # a mark, not a pause: deleting our object is said through the watch, after the
        # list that held the other window's object too
        cluster.store.delete("configmaps", NS, "cockpit-window-approval")
        wait_for(lambda: of(events, ev.ApprovalClosed), "the end of this window's request")
        assert len(of(events, ev.ApprovalRequested)) == 1
    finally:
        watch.stop()
        thread.join(10)


def test_what_one_object_says():
    from cockpit.clients.approvals import to_configmap

    obj = to_configmap(REQUEST, NS, "cockpit-window")
    assert [type(e) for e in approval_events(obj, "ADDED", "now")] == [ev.ApprovalRequested]
    obj["data"]["status"] = "emergency"
    obj["data"]["reason"] = "P1"
    closed = approval_events(obj, "MODIFIED", "now")[-1]
    assert (closed.status, closed.detail) == ("emergency", "P1")
    obj["data"]["status"] = "used"
    assert approval_events(obj, "MODIFIED", "now")[-1].status == "used"
    assert approval_events({"data": {}}, "ADDED", "now") == []
