"""The cluster in the state: a LIST replaces a kind, a watch change adds, edits or removes one
object; each kind keeps the few facts the cockpit shows."""

import pytest

from cockpit.model import events as ev
from cockpit.model.kube import Deployment, Endpoint, EndpointSlice, Lease, Service
from cockpit.model.reduce import reduce
from cockpit.model.state import State
from tests.helpers.kube import pod


def observe(state, kind, change, *items):
    return reduce(state, ev.KubeObserved(resource=kind, change=change, items=items))


def test_a_list_replaces_the_kind_and_marks_it_listed():
    state = observe(State(), "pods", "LIST", pod("a"), pod("b"))
    assert sorted(state.kube.pods) == ["a", "b"] and state.kube.listed == {"pods"}
    state = observe(state, "pods", "LIST", pod("c", "green"))
    assert list(state.kube.pods) == ["c"]  # a relist forgets what is gone
    assert state.kube.pods["c"].version == "green"


def test_an_empty_list_is_listed_and_empty():
    state = observe(observe(State(), "pods", "LIST", pod("a")), "pods", "LIST")
    assert dict(state.kube.pods) == {} and "pods" in state.kube.listed


def test_added_modified_deleted_one_pod_at_a_time():
    state = observe(State(), "pods", "LIST", pod("a"))
    state = observe(state, "pods", "ADDED", pod("b", "green", ready=False, phase="Pending"))
    assert state.kube.pods["b"].phase == "Pending" and not state.kube.pods["b"].ready
    state = observe(state, "pods", "MODIFIED", pod("b", "green", restarts=3, reason="Error"))
    b = state.kube.pods["b"]
    assert (b.ready, b.restarts, b.reason, b.ready_containers) == (True, 3, "Error", 1)
    state = observe(state, "pods", "DELETED", pod("a"))
    assert list(state.kube.pods) == ["b"]
    assert state.kube.listed == {"pods"}  # a change is not a list


def test_a_watch_change_before_any_list_does_not_mark_the_kind_listed():
    state = observe(State(), "services", "ADDED", {"name": "valeo-erp", "selector": {}})
    assert "valeo-erp" in state.kube.services and state.kube.listed == frozenset()


def test_deleting_an_unknown_object_is_harmless():
    state = observe(State(), "pods", "LIST", pod("a"))
    assert observe(state, "pods", "DELETED", pod("zz")).kube.pods == state.kube.pods


def test_a_kind_the_cockpit_does_not_keep_is_ignored():
    state = observe(State(), "pods", "LIST", pod("a"))
    assert observe(state, "configmaps", "LIST", {"name": "x"}) == state


def test_one_kind_changing_leaves_the_others_as_they_were():
    state = observe(State(), "pods", "LIST", pod("a"))
    services = state.kube.services
    state = observe(state, "deployments", "LIST", {"name": "valeo-erp-blue", "replicas": 3})
    assert state.kube.services is services and list(state.kube.pods) == ["a"]


SERVICE = {"name": "valeo-erp", "selector": {"app": "valeo-erp", "version": "blue"}}
SLICE = {
    "name": "valeo-erp-abc",
    "service": "valeo-erp",
    "endpoints": [{"pod": "a", "ready": True}, {"pod": "b", "ready": False}],
}
DEPLOYMENT = {
    "name": "valeo-erp-green",
    "labels": {"version": "green"},
    "replicas": 3,
    "ready": 2,
    "updated": 3,
    "available": 2,
}
LEASE = {
    "name": "cockpit-window",
    "holder": "alice@bastion#4711-3f9a2c",
    "renewed": "2026-11-21T11:00:00+00:00",
    "duration": 30,
    "resource_version": "812",
}


@pytest.mark.parametrize(
    ("kind", "item", "expected"),
    [
        ("services", SERVICE, Service("valeo-erp", {"app": "valeo-erp", "version": "blue"})),
        (
            "endpointslices",
            SLICE,
            EndpointSlice(
                "valeo-erp-abc", "valeo-erp", (Endpoint("a", True), Endpoint("b", False))
            ),
        ),
        (
            "deployments",
            DEPLOYMENT,
            Deployment("valeo-erp-green", {"version": "green"}, 3, 2, 3, 2),
        ),
        (
            "leases",
            LEASE,
            Lease("cockpit-window", "alice@bastion#4711-3f9a2c", LEASE["renewed"], 30, "812"),
        ),
    ],
)
def test_each_kind_is_kept_by_name_through_list_modify_and_delete(kind, item, expected):
    state = observe(State(), kind, "LIST", item)
    assert getattr(state.kube, kind)[item["name"]] == expected
    state = observe(state, kind, "MODIFIED", item | {"name": "second"})
    assert sorted(getattr(state.kube, kind)) == sorted([item["name"], "second"])
    state = observe(state, kind, "DELETED", item)
    assert list(getattr(state.kube, kind)) == ["second"]


def test_what_the_service_selects_and_its_endpoints_follow_the_watch():
    state = observe(State(), "pods", "LIST", pod("a"), pod("b"), pod("g", "green"))
    state = observe(state, "services", "LIST", SERVICE)
    state = observe(state, "endpointslices", "LIST", SLICE)
    assert state.kube.selected("valeo-erp") == {"a", "b"}
    assert state.kube.endpoints("valeo-erp") == {"a": True, "b": False}
    green = SERVICE | {"selector": {"app": "valeo-erp", "version": "green"}}
    state = observe(state, "services", "MODIFIED", green)
    assert state.kube.selected("valeo-erp") == {"g"}


def test_the_state_before_a_change_is_not_changed():
    before = observe(State(), "pods", "LIST", pod("a"))
    observe(before, "pods", "ADDED", pod("b"))
    observe(before, "pods", "DELETED", pod("a"))
    assert list(before.kube.pods) == ["a"]


def test_the_move_published_on_the_service_is_kept_and_replaced_by_the_next():
    from cockpit.model.moves import FAILED, SUCCEEDED

    def moved(state: str) -> dict:
        move = {"action": "cutover", "id": "c1", "by": "alice", "state": state, "to": "green"}
        return {"name": "valeo-erp", "selector": {"version": "green"}, "move": move}

    state = reduce(
        State(), ev.KubeObserved(resource="services", change="LIST", items=(moved(FAILED),))
    )
    assert state.kube.services["valeo-erp"].move.state == FAILED
    later = ev.KubeObserved(resource="services", change="MODIFIED", items=(moved(SUCCEEDED),))
    assert reduce(state, later).kube.services["valeo-erp"].move.state == SUCCEEDED
    unreadable = {"name": "valeo-erp", "selector": {}, "move_error": "unreadable move annotation"}
    gone = ev.KubeObserved(resource="services", change="MODIFIED", items=(unreadable,))
    service = reduce(state, gone).kube.services["valeo-erp"]
    assert service.move is None and service.move_error == "unreadable move annotation"
