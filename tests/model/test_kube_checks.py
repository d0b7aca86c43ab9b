from cockpit.model import events as ev
from cockpit.model.checklist import KubeCheck
from cockpit.model.kube_checks import FAIL, PASS, UNKNOWN, evaluate
from cockpit.model.reduce import reduce
from cockpit.model.state import State
from tests.helpers.kube import pod

VALUES = {"service": "valeo-erp", "app": "valeo-erp"}


def kube(*events):
    state = State()
    for event in events:
        state = reduce(state, event)
    return state.kube


def listed(resource, *items):
    return ev.KubeObserved(resource=resource, change="LIST", items=tuple(items))


CLUSTER = kube(
    listed(
        "deployments",
        {"name": "valeo-erp-green", "replicas": 3, "ready": 2},
        {"name": "valeo-erp-blue", "replicas": 3, "ready": 3},
    ),
    listed(
        "pods",
        pod("g1", "green"),
        pod("g2", "green"),
        pod("g3", "green", ready=False),
        pod("b1", "blue"),
    ),
    listed("services", {"name": "valeo-erp", "selector": {"app": "valeo-erp", "version": "green"}}),
    listed(
        "endpointslices",
        {
            "name": "valeo-erp-x",
            "service": "valeo-erp",
            "endpoints": [
                {"pod": "g1", "ready": True},
                {"pod": "g2", "ready": True},
                {"pod": "g3", "ready": False},
            ],
        },
    ),
)


def check(**spec):
    return KubeCheck.model_validate({"kind": "kube"} | spec)


def test_all_pods_running_compares_ready_with_desired():
    green = check(resource="deployment", name="${service}-green", expect="ready == desired")
    blue = check(resource="deployment", name="${service}-blue", expect="ready == desired")
    assert evaluate(green, CLUSTER, VALUES) == (FAIL, "ready 2, desired 3")
    assert evaluate(blue, CLUSTER, VALUES) == (PASS, "ready 3, desired 3")


def test_only_green_selected_after_cutover():
    selected = check(resource="service", name="${service}", expect="selector.version == green")
    assert evaluate(selected, CLUSTER, VALUES)[0] == PASS
    no_blue = check(
        resource="pods", selector={"app": "${app}", "version": "blue"}, expect="count == 0"
    )
    assert evaluate(no_blue, CLUSTER, VALUES) == (FAIL, "count 1")
    endpoints = check(resource="endpoints", name="${service}", expect="ready == selected")
    assert evaluate(endpoints, CLUSTER, VALUES) == (FAIL, "ready 2, selected 3")


def test_unknown_before_data_and_without_values():
    before = kube(listed("pods"))
    deploy = check(resource="deployment", name="x", expect="ready == desired")
    assert evaluate(deploy, before, VALUES) == (UNKNOWN, "no deployments listed yet")
    assert evaluate(deploy, CLUSTER, VALUES)[0] == FAIL  # listed, and not there: fail
    unfilled = check(resource="deployment", name="${service}-green", expect="ready == desired")
    assert evaluate(unfilled, CLUSTER, {})[0] == UNKNOWN
    namespace = check(resource="namespace", name="production", expect="count == 1")
    assert evaluate(namespace, CLUSTER, VALUES)[0] == UNKNOWN
