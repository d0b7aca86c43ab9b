"""The approval object through the real client against the emulator: create, replace,
grant with the resourceVersion seen, 409 on a stale one, errors said as they are."""

import json

import pytest

from cockpit.clients.approvals import (
    ApprovalClient,
    ApprovalError,
    Conflict,
    from_configmap,
    to_configmap,
)
from cockpit.clients.kube import KubeSettings
from cockpit.model.approval import GRANTED, Approval
from tests.planted import PLANTED, leaked

NS = "production"
REQUEST = Approval(
    request="cutover@2026-11-21T11:00:00+00:00",
    action="cutover",
    target="valeo-erp",
    title="Cutover valeo-erp: blue → green",
    digest="ab" * 32,
    requester="alice@bastion",
    requester_identity="alice@bastion#1-a",
    requested_at="2026-11-21T11:00:00+00:00",
    valid_for=900,
    preview=("-   version: blue", "+   version: green"),
)


@pytest.fixture
def approvals(kubeconfig) -> ApprovalClient:
    settings = KubeSettings(
        namespace=NS, app="valeo-erp", service="valeo-erp", kubeconfig=str(kubeconfig)
    )
    return ApprovalClient(settings, "cockpit-window")


def test_the_object_round_trips_through_a_configmap():
    obj = to_configmap(REQUEST, NS, "cockpit-window")
    assert obj["metadata"]["name"] == "cockpit-window-approval"
    assert obj["metadata"]["labels"] == {"cockpit.dev/approval": "cockpit-window"}
    assert all(isinstance(value, str) for value in obj["data"].values())  # a ConfigMap's data
    assert obj["data"]["preview"] == "-   version: blue\n+   version: green"
    assert from_configmap(obj) == REQUEST


def test_the_logins_travel_in_the_object_and_older_objects_still_read():
    asked = Approval(**{**vars(REQUEST), "requester_login": "alice"})
    obj = to_configmap(asked, NS, "cockpit-window")
    assert obj["data"]["requesterLogin"] == "alice" and obj["data"]["approverLogin"] == ""
    assert from_configmap(obj) == asked
    del obj["data"]["requesterLogin"], obj["data"]["approverLogin"]  # an older cockpit's
    assert from_configmap(obj) == REQUEST


def test_a_grant_records_the_approvers_login(cluster, approvals):
    seen = approvals.publish(Approval(**{**vars(REQUEST), "requester_login": "alice"}))
    approvals.grant(seen, "bob@laptop", "bob@laptop#2-b", "", "t1", "t2", login="bob")
    (cm,) = cluster.store.list("configmaps", NS, label_selector="cockpit.dev/approval")[0]
    assert (cm["data"]["requesterLogin"], cm["data"]["approverLogin"]) == ("alice", "bob")


def test_a_hostile_validity_is_read_as_none_given():
    for hostile in ("100000000000000", "-5", "0", "soon", "1e9", "86401"):
        obj = {"data": {"request": "r", "digest": "d", "validForSeconds": hostile}}
        assert from_configmap(obj).valid_for == 0, hostile
    obj = {"data": {"request": "r", "digest": "d", "validForSeconds": "86400"}}
    assert from_configmap(obj).valid_for == 86400


def test_the_objects_text_is_read_one_line_a_field_but_the_preview_keeps_its_lines():
    obj = to_configmap(REQUEST, NS, "cockpit-window")
    obj["data"] |= {"title": "Cutover\nACTION: done", "reason": "ok\n\nFAKE", "approver": "b\nx"}
    read = from_configmap(obj)
    assert (read.title, read.reason, read.approver) == ("Cutover ACTION: done", "ok FAKE", "b x")
    assert read.preview == REQUEST.preview


def test_a_configmap_that_holds_no_approval_is_none():
    assert from_configmap({"metadata": {"name": "x"}, "data": {"status": "granted"}}) is None
    assert from_configmap({"data": {"request": "r", "digest": "d", "validForSeconds": "soon"}})


def test_publish_creates_then_replaces(cluster, approvals):
    assert approvals.read() is None
    first = approvals.publish(REQUEST)
    assert first.resource_version and approvals.read() == first
    second = approvals.publish(Approval(**{**vars(REQUEST), "request": "cutover@later"}))
    assert second.request == "cutover@later"
    assert int(second.resource_version) > int(first.resource_version)
    (cm,) = cluster.store.list("configmaps", NS, label_selector="cockpit.dev/approval")[0]
    assert cm["data"]["request"] == "cutover@later"


def test_a_grant_carries_the_version_it_saw_and_a_stale_one_is_a_conflict(cluster, approvals):
    seen = approvals.publish(REQUEST)
    granted = approvals.grant(seen, "bob@laptop", "bob@laptop#2-b", "ok", "t1", "t2")
    assert (granted.status, granted.approver, granted.expires_at) == (GRANTED, "bob@laptop", "t2")
    with pytest.raises(Conflict, match="409 Conflict: the approval object cockpit-window-approval"):
        approvals.grant(seen, "carol@desk", "carol@desk#3-c", "", "t3", "t4")
    assert approvals.read().approver == "bob@laptop"  # never overwritten


def test_an_emergency_waiting_for_its_approval_is_not_replaced(cluster, approvals):
    approvals.publish(REQUEST)
    approvals.close(REQUEST.request, "emergency", "P1")
    later = Approval(**{**vars(REQUEST), "request": "cutover@later"})
    with pytest.raises(ApprovalError, match="an emergency awaits its approval after the fact"):
        approvals.publish(later)
    open_ = approvals.read()
    assert (open_.request, open_.status, open_.reason) == (REQUEST.request, "emergency", "P1")
    approvals.grant(open_, "bob@laptop", "bob@laptop#2-b", "after the fact", "t1", "t2")
    assert approvals.publish(later).request == "cutover@later"  # approved: replaced as usual


def test_an_update_without_a_resource_version_is_not_written(cluster, approvals):
    seen = approvals.publish(REQUEST)
    blind = Approval(**{**vars(seen), "resource_version": ""})
    with pytest.raises(ApprovalError, match="needs the resourceVersion it was read at"):
        approvals.grant(blind, "bob@laptop", "bob@laptop#2-b", "", "t1", "t2")
    assert approvals.read() == seen  # nothing written


def test_close_marks_only_its_own_request(cluster, approvals):
    approvals.publish(REQUEST)
    assert approvals.close("another request", "withdrawn") is None
    closed = approvals.close(REQUEST.request, "emergency", "P1")
    assert (closed.status, closed.reason) == ("emergency", "P1")


def test_a_refused_write_is_said_with_the_verb_and_resource(cluster, approvals):
    cluster.controller.deny("create", "configmaps")
    with pytest.raises(ApprovalError, match="403 create configmaps"):
        approvals.publish(REQUEST)


def test_no_credential_goes_into_the_object_or_comes_out_of_it():
    leaky = Approval(
        **{**vars(REQUEST), "reason": f"token={PLANTED[3]}", "preview": (f"-u a:{PLANTED[0]}",)}
    )
    obj = to_configmap(leaky, NS, "cockpit-window")
    assert leaked(json.dumps(obj)) == []
    assert obj["data"]["reason"] == "token=***"
    obj["data"] |= {
        "reason": f"Bearer {PLANTED[1]}",
        "preview": f"- x\n+ dsn password={PLANTED[9]}",
    }
    read = from_configmap(obj)
    assert leaked(repr(read)) == []
    assert read.preview == ("- x", "+ dsn password=***")
