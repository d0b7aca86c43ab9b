import json

from cockpit.model import events as ev
from cockpit.sources.kube_objects import endpointslice, pod, pod_reason, service
from tests.planted import PLANTED, leaked


def api_pod(**status):
    return {
        "metadata": {"name": "p", "labels": {"app": "a", "version": "green"}},
        "spec": {"nodeName": "n1", "containers": [{"name": "c"}]},
        "status": status,
    }


def test_ready_comes_from_the_ready_condition_not_the_phase():
    running_not_ready = api_pod(
        phase="Running",
        conditions=[{"type": "Ready", "status": "False"}],
        containerStatuses=[{"ready": False, "restartCount": 4, "state": {"running": {}}}],
    )
    slim = pod(running_not_ready)
    assert slim["phase"] == "Running" and slim["ready"] is False
    assert (slim["ready_containers"], slim["containers"], slim["restarts"]) == (0, 1, 4)


def test_reason_is_what_kubectl_shows():
    waiting = {"state": {"waiting": {"reason": "CrashLoopBackOff"}}, "restartCount": 7}
    assert pod_reason(api_pod(phase="Running", containerStatuses=[waiting])) == "CrashLoopBackOff"
    pulling = {"state": {"waiting": {"reason": "ImagePullBackOff"}}}
    assert pod_reason(api_pod(phase="Pending", containerStatuses=[pulling])) == "ImagePullBackOff"
    unscheduled = api_pod(phase="Pending", conditions=[{"type": "PodScheduled", "status": "False"}])
    assert pod_reason(unscheduled) == "Unschedulable"
    deleting = api_pod(phase="Running")
    deleting["metadata"]["deletionTimestamp"] = "2026-11-21T10:00:00Z"
    assert pod_reason(deleting) == "Terminating"
    assert pod_reason(api_pod(phase="Running")) == ""


def test_endpoint_without_a_ready_condition_counts_as_ready():
    es = {
        "metadata": {"name": "s-1", "labels": {"kubernetes.io/service-name": "s"}},
        "endpoints": [
            {"targetRef": {"kind": "Pod", "name": "a"}, "conditions": {"ready": True}},
            {"targetRef": {"kind": "Pod", "name": "b"}, "conditions": {"ready": False}},
            {"targetRef": {"kind": "Pod", "name": "c"}},
            {"addresses": ["10.0.0.9"]},  # no pod behind it: not one of the window's pods
        ],
    }
    assert endpointslice(es) == {
        "name": "s-1",
        "service": "s",
        "endpoints": [
            {"pod": "a", "ready": True},
            {"pod": "b", "ready": False},
            {"pod": "c", "ready": True},
        ],
    }


def test_an_aws_key_in_a_label_is_not_kept():
    obj = {
        "metadata": {"name": "erp-1", "labels": {"app": "erp", "aws-key": PLANTED[7]}},
        "status": {"phase": "Running"},
    }
    event = ev.KubeObserved(resource="pods", change="ADDED", items=(pod(obj),))
    assert event.items[0]["labels"] == {"app": "erp", "aws-key": "***"}
    assert leaked(json.dumps(event.to_data())) == []


def api_service(annotations: dict | None) -> dict:
    meta = {"name": "valeo-erp", "namespace": "production"}
    if annotations is not None:
        meta["annotations"] = annotations
    return {"metadata": meta, "spec": {"selector": {"app": "valeo-erp", "version": "green"}}}


def published(**fields) -> str:
    move = {"action": "cutover", "id": "cutover@1", "by": "alice", "state": "failed"}
    return json.dumps(move | {"at": "2026-11-21T12:03:00+00:00", "to": "green"} | fields)


def test_a_service_keeps_the_move_published_on_it():
    slim = service(api_service({"cockpit.dev/move": published(), "kubectl.io/x": "y"}))
    assert slim["move"]["state"] == "failed" and slim["move"]["to"] == "green"
    assert "move_error" not in slim and service(api_service(None)).keys() == {"name", "selector"}


def test_an_unreadable_move_is_kept_as_what_is_wrong_with_it():
    slim = service(api_service({"cockpit.dev/move": "{oops"}))
    assert slim["move_error"].startswith("unreadable move annotation cockpit.dev/move: line 1")
    assert "move" not in slim


def test_a_move_annotation_is_shown_and_kept_clean():
    """Anyone who may patch the Service writes it: control characters shown, secrets gone."""
    detail = f"\x1b]52;c;evil\x07 curl -u admin:{PLANTED[0]} https://erp"
    slim = service(api_service({"cockpit.dev/move": published(detail=detail)}))
    observed = ev.KubeObserved(resource="services", change="MODIFIED", items=(slim,))
    text = json.dumps(observed.to_data())
    assert not leaked(text) and "\x1b" not in observed.items[0]["move"]["detail"]
