"""The official `kubernetes` client against the running emulator (seeded with the runbooks)."""

from __future__ import annotations

import http.client
import json
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from cockpit.sim.kube.controller import NODES, Controller, is_ready
from cockpit.sim.kube.server import KubeApiServer, flag
from cockpit.sim.kube.store import Store
from cockpit.sim.kube.valeo import SimCluster, decode_release, write_kubeconfig

NS = "production"


def _status(exc: ApiException) -> dict:
    return json.loads(exc.body)


def _pods(core: client.CoreV1Api, selector: str = "") -> list[client.V1Pod]:
    return core.list_namespaced_pod(NS, label_selector=selector).items


def _stream_in_thread(w: watch.Watch, func: Callable, *args, **kwargs) -> queue.Queue:
    """Consume a watch in a thread; events (or the exception that ended it) land in a queue."""
    events: queue.Queue = queue.Queue()

    def consume() -> None:
        try:
            for event in w.stream(func, *args, **kwargs):
                events.put(event)
        except Exception as exc:  # handed to the test, which asserts on it
            events.put(exc)

    threading.Thread(target=consume, daemon=True).start()
    return events


def _next_event(events: queue.Queue, match: Callable[[dict], bool], timeout: float = 5.0):
    # not tests.helpers.poll: this blocks on the queue for what is left of the deadline,
    # consuming and skipping events that do not match (no polling interval to miss one in)
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=remaining)
        except queue.Empty:
            break
        if isinstance(event, Exception):
            raise event
        if match(event):
            return event
    pytest.fail("the expected watch event did not arrive")


def test_list_then_watch_from_its_resource_version_sees_only_later_changes(api, cluster):
    core = client.CoreV1Api(api)
    listed = core.list_namespaced_pod(NS)
    assert len(listed.items) == 6
    first, second = (p.metadata.name for p in listed.items[:2])
    # a change between the list and the watch must not be lost, nor one during the watch
    core.patch_namespaced_pod(first, NS, {"metadata": {"labels": {"seen": "before"}}})
    w = watch.Watch()
    rv = listed.metadata.resource_version
    events = _stream_in_thread(w, core.list_namespaced_pod, NS, resource_version=rv)
    try:
        early = _next_event(events, lambda e: True)
        core.patch_namespaced_pod(second, NS, {"metadata": {"labels": {"seen": "during"}}})
        late = _next_event(events, lambda e: True)
    finally:
        w.stop()
    assert (early["type"], early["object"].metadata.name) == ("MODIFIED", first)
    assert (late["type"], late["object"].metadata.name) == ("MODIFIED", second)
    assert late["object"].metadata.labels["seen"] == "during"


def test_watch_without_resource_version_starts_with_the_current_objects(api, cluster):
    core = client.CoreV1Api(api)
    events = list(watch.Watch().stream(core.list_namespaced_service, NS, timeout_seconds=1))
    assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", "valeo-erp")]


def test_watch_resumes_after_the_server_drops_it(api, cluster):
    core = client.CoreV1Api(api)
    w = watch.Watch()
    rv = core.list_namespaced_config_map(NS).metadata.resource_version
    events = _stream_in_thread(w, core.list_namespaced_config_map, NS, resource_version=rv)
    try:
        core.create_namespaced_config_map(NS, {"metadata": {"name": "before"}})
        _next_event(events, lambda e: e["object"].metadata.name == "before")
        watches_before = _watch_requests(cluster)
        cluster.controller.drop_watches()
        core.create_namespaced_config_map(NS, {"metadata": {"name": "after"}})
        event = _next_event(events, lambda e: e["object"].metadata.name == "after")
        assert event["type"] == "ADDED"
        resumed = _watch_requests(cluster)[len(watches_before) :]
        assert resumed, "the client did not open a new watch"
        assert "resourceVersion=" in resumed[0] and "resourceVersion=0" not in resumed[0]
    finally:
        w.stop()


def _watch_requests(cluster: SimCluster) -> list[str]:
    return [path for method, path, _ in list(cluster.server.requests) if "watch=true" in path]


def test_a_too_old_resource_version_is_gone_and_a_fresh_list_recovers(api, cluster):
    core = client.CoreV1Api(api)
    old_rv = core.list_namespaced_pod(NS).metadata.resource_version
    core.create_namespaced_config_map(NS, {"metadata": {"name": "churn"}})
    cluster.controller.compact()
    with pytest.raises(ApiException) as info:
        list(watch.Watch().stream(core.list_namespaced_pod, NS, resource_version=old_rv))
    assert info.value.status == 410
    assert "Expired: too old resource version" in info.value.reason
    fresh_rv = core.list_namespaced_pod(NS).metadata.resource_version
    victim = _pods(core)[0].metadata.name
    cluster.controller.kill_pod(victim)
    events = watch.Watch().stream(
        core.list_namespaced_pod, NS, resource_version=fresh_rv, timeout_seconds=2
    )
    assert any(e["type"] == "DELETED" and e["object"].metadata.name == victim for e in events)


def test_lease_update_with_a_stale_resource_version_conflicts(api, cluster):
    coordination = client.CoordinationV1Api(api)
    lease = {"metadata": {"name": "golive-lock"}, "spec": {"holderIdentity": "alice"}}
    created = coordination.create_namespaced_lease(NS, lease)
    fresh = coordination.read_namespaced_lease("golive-lock", NS)
    fresh.spec.holder_identity = "bob"
    coordination.replace_namespaced_lease("golive-lock", NS, fresh)
    created.spec.holder_identity = "carol"  # still carries the first resourceVersion
    with pytest.raises(ApiException) as info:
        coordination.replace_namespaced_lease("golive-lock", NS, created)
    status = _status(info.value)
    assert (info.value.status, status["kind"], status["reason"]) == (409, "Status", "Conflict")
    assert status["details"] == {
        "name": "golive-lock",
        "group": "coordination.k8s.io",
        "kind": "leases",
    }
    latest = coordination.read_namespaced_lease("golive-lock", NS)
    assert latest.spec.holder_identity == "bob"
    latest.spec.holder_identity = "carol"
    replaced = coordination.replace_namespaced_lease("golive-lock", NS, latest)
    assert replaced.spec.holder_identity == "carol"
    assert int(replaced.metadata.resource_version) > int(latest.metadata.resource_version)


def test_dry_run_leaves_state_unchanged_and_emits_no_watch_event(api, cluster):
    core = client.CoreV1Api(api)
    rv = core.list_namespaced_service(NS).metadata.resource_version
    green = {"spec": {"selector": {"version": "green"}}}
    patched = core.patch_namespaced_service("valeo-erp", NS, green, dry_run="All")
    assert patched.spec.selector["version"] == "green"
    made = core.create_namespaced_service(
        NS, {"metadata": {"name": "dry"}, "spec": {"ports": [{"port": 80}]}}, dry_run="All"
    )
    assert made.metadata.name == "dry" and made.spec.cluster_ip
    core.delete_namespaced_service("valeo-erp", NS, dry_run="All")
    core.patch_namespaced_service("valeo-erp", NS, {"metadata": {"labels": {"real": "yes"}}})
    events = list(
        watch.Watch().stream(
            core.list_namespaced_service, NS, resource_version=rv, timeout_seconds=1
        )
    )
    assert [(e["type"], e["object"].metadata.labels.get("real")) for e in events] == [
        ("MODIFIED", "yes")
    ]
    assert events[0]["object"].spec.selector["version"] == "blue"
    assert [s.metadata.name for s in core.list_namespaced_service(NS).items] == ["valeo-erp"]


def test_a_denied_verb_is_a_forbidden_status(api, cluster):
    core = client.CoreV1Api(api)
    cluster.controller.deny("list", "pods")
    with pytest.raises(ApiException) as info:
        core.list_namespaced_pod(NS)
    status = _status(info.value)
    assert info.value.status == 403
    assert status["reason"] == "Forbidden"
    assert status["message"] == (
        'pods is forbidden: User "oncall" cannot list resource "pods" in API group "" '
        'in the namespace "production"'
    )
    name = cluster.store.list("pods", NS)[0][0]["metadata"]["name"]
    assert core.read_namespaced_pod(name, NS).metadata.name == name  # get is still allowed


def test_a_missing_object_is_a_not_found_status(api, cluster):
    with pytest.raises(ApiException) as info:
        client.AppsV1Api(api).read_namespaced_deployment("valeo-erp-red", NS)
    status = _status(info.value)
    assert (info.value.status, status["status"], status["reason"]) == (404, "Failure", "NotFound")
    assert status["message"] == 'deployments.apps "valeo-erp-red" not found'
    assert status["details"] == {"name": "valeo-erp-red", "group": "apps", "kind": "deployments"}


def test_a_deployment_gets_three_ready_pods_in_three_controller_steps(api, clock):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    labels = {"app": "worker"}
    apps.create_namespaced_deployment(
        NS,
        {
            "metadata": {"name": "worker"},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "worker", "image": "worker:1"}]},
                },
            },
        },
    )

    def ready() -> int:
        return sum(is_ready(api.sanitize_for_serialization(p)) for p in _pods(core, "app=worker"))

    clock.advance(1.0)  # two steps: replicaset and pods created, then the pods run
    assert (len(_pods(core, "app=worker")), ready()) == (3, 0)
    clock.advance(0.5)  # the third: ready, and the counts rolled up
    pods = _pods(core, "app=worker")
    assert ready() == 3
    deployment = apps.read_namespaced_deployment("worker", NS)
    assert deployment.status.ready_replicas == 3
    assert deployment.status.observed_generation == deployment.metadata.generation
    assert deployment.status.updated_replicas == deployment.status.available_replicas == 3
    (rs,) = apps.list_namespaced_replica_set(NS, label_selector="app=worker").items
    pod_hash = rs.metadata.labels["pod-template-hash"]
    assert rs.metadata.name == f"worker-{pod_hash}"
    assert rs.metadata.owner_references[0].uid == deployment.metadata.uid
    for pod in pods:
        assert pod.metadata.name.startswith(f"{rs.metadata.name}-")
        assert len(pod.metadata.name) == len(rs.metadata.name) + 6
        assert pod.metadata.owner_references[0].uid == rs.metadata.uid
        assert pod.metadata.labels == {"app": "worker", "pod-template-hash": pod_hash}
        assert pod.spec.node_name in NODES
        assert pod.status.phase == "Running" and pod.status.pod_ip


def test_scaling_and_a_killed_pod_are_reconciled(api, cluster, clock):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    apps.patch_namespaced_deployment_scale("valeo-erp-green", NS, {"spec": {"replicas": 4}})
    assert len(_pods(core, "version=green")) == 3  # nothing happens until the controller steps
    clock.advance(0.5)
    assert len(_pods(core, "version=green")) == 4
    victim = _pods(core, "version=blue")[0].metadata.name
    cluster.controller.kill_pod(victim)
    clock.advance(1.0)  # replaced in one step, running in the next
    running = {p.metadata.name for p in _pods(core, "version=blue") if p.status.phase == "Running"}
    assert len(running) == 3 and victim not in running


def test_endpointslice_follows_the_service_selector(api, clock):
    core, discovery = client.CoreV1Api(api), client.DiscoveryV1Api(api)

    def endpoint_pods() -> set[str]:
        slices = discovery.list_namespaced_endpoint_slice(
            NS, label_selector="kubernetes.io/service-name=valeo-erp"
        ).items
        assert len(slices) == 1
        return {e.target_ref.name for e in slices[0].endpoints if e.conditions.ready}

    blue = {p.metadata.name for p in _pods(core, "version=blue")}
    green = {p.metadata.name for p in _pods(core, "version=green")}
    assert endpoint_pods() == blue
    core.patch_namespaced_service("valeo-erp", NS, {"spec": {"selector": {"version": "green"}}})
    clock.advance(0.5)
    assert endpoint_pods() == green


def test_crashlooping_pods_run_but_are_never_ready_and_restart_every_second(api, cluster, clock):
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    cluster.controller.crashloop("valeo-erp-green")

    def green_ready() -> int:
        return apps.read_namespaced_deployment("valeo-erp-green", NS).status.ready_replicas or 0

    def restarts() -> list[int]:
        pods = _pods(core, "version=green")
        for pod in pods:
            (container,) = pod.status.container_statuses
            assert pod.status.phase == "Running" and not is_ready(
                api.sanitize_for_serialization(pod)
            )
            assert container.state.waiting.reason == "CrashLoopBackOff"
            assert container.last_state.terminated.exit_code == 1
        return sorted(p.status.container_statuses[0].restart_count for p in pods)

    clock.advance(2.0)  # four steps, a restart every other one
    assert restarts() == [2, 2, 2] and green_ready() == 0
    clock.advance(10.0)
    assert restarts() == [12, 12, 12] and green_ready() == 0
    cluster.controller.heal("valeo-erp-green")
    clock.advance(0.5)  # running again …
    assert green_ready() == 0
    clock.advance(0.5)  # … and ready one step later
    assert green_ready() == 3


def test_one_pod_in_image_pull_backoff(api, cluster, clock):
    apps = client.AppsV1Api(api)
    cluster.controller.image_pull_error("valeo-erp-blue", n=1)
    clock.advance(0.5)
    assert apps.read_namespaced_deployment("valeo-erp-blue", NS).status.ready_replicas == 2
    (stuck,) = [
        p for p in _pods(client.CoreV1Api(api), "version=blue") if p.status.phase == "Pending"
    ]
    assert stuck.status.container_statuses[0].state.waiting.reason == "ImagePullBackOff"


def test_latency_is_added_to_every_response(api, cluster):
    core = client.CoreV1Api(api)
    cluster.controller.set_latency(0.3)
    start = time.monotonic()
    core.read_namespace(NS)
    assert time.monotonic() - start >= 0.3
    cluster.controller.set_latency(0)
    start = time.monotonic()
    core.read_namespace(NS)
    assert time.monotonic() - start < 0.25


def test_injected_failures_answer_with_a_status(api, cluster):
    core = client.CoreV1Api(api)
    cluster.controller.fail_requests(status=503)
    with pytest.raises(ApiException) as info:
        core.read_namespace(NS)
    assert (info.value.status, _status(info.value)["reason"]) == (503, "ServiceUnavailable")
    cluster.controller.clear_faults()
    assert core.read_namespace(NS).status.phase == "Active"


def test_bookmarks_carry_only_a_resource_version(api, cluster):
    events = list(
        watch.Watch().stream(
            client.CoordinationV1Api(api).list_namespaced_lease,
            NS,
            allow_watch_bookmarks=True,
            resource_version=cluster.store.resource_version,
            timeout_seconds=1,
        )
    )
    bookmarks = [e for e in events if e["type"] == "BOOKMARK"]
    assert bookmarks and len(bookmarks) == len(events)
    assert bookmarks[-1]["raw_object"]["metadata"] == {
        "resourceVersion": cluster.store.resource_version
    }


def test_a_watch_with_a_label_selector_sees_objects_leave_it(api, cluster):
    core = client.CoreV1Api(api)
    pod = {
        "metadata": {"name": "debug", "labels": {"tier": "debug"}},
        "spec": {"containers": [{"name": "sh", "image": "busybox:1"}]},
    }
    rv = core.create_namespaced_pod(NS, pod).metadata.resource_version
    core.patch_namespaced_pod("debug", NS, {"metadata": {"labels": {"tier": "other"}}})
    events = list(
        watch.Watch().stream(
            core.list_namespaced_pod,
            NS,
            label_selector="tier=debug",
            resource_version=rv,
            timeout_seconds=1,
        )
    )
    assert events[-1]["type"] == "DELETED"
    assert events[-1]["object"].metadata.labels["tier"] == "debug"  # the last matching state


def test_pages_with_limit_and_continue(api, cluster):
    core = client.CoreV1Api(api)
    first = core.list_namespaced_pod(NS, limit=4)
    assert len(first.items) == 4 and first.metadata._continue
    assert first.metadata.remaining_item_count == 2
    second = core.list_namespaced_pod(NS, limit=4, _continue=first.metadata._continue)
    assert len(second.items) == 2 and not second.metadata._continue
    names = [p.metadata.name for p in first.items + second.items]
    assert names == sorted(names) and len(set(names)) == 6


def test_bearer_token_is_required_when_configured(tmp_path):
    store = Store()
    store.create("namespaces", "", {"metadata": {"name": NS}})
    with KubeApiServer(store, token="s3cret") as server:
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"{server.url}/api/v1/namespaces", timeout=5)
        body = json.loads(info.value.read())
        assert (info.value.code, body["reason"], body["kind"]) == (401, "Unauthorized", "Status")
        wrong = urllib.request.Request(
            f"{server.url}/api/v1/namespaces", headers={"Authorization": "Bearer guess"}
        )
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(wrong, timeout=5)
        assert info.value.code == 401
        path = write_kubeconfig(tmp_path / "kubeconfig", server.url, token="s3cret")
        assert path.stat().st_mode & 0o777 == 0o600
        with config.new_client_from_config(config_file=str(path)) as api:
            assert client.CoreV1Api(api).read_namespace(NS).metadata.name == NS


def test_helm_release_secrets_decode_like_helm_stores_them(api, cluster):
    core = client.CoreV1Api(api)
    secrets = core.list_namespaced_secret(NS, label_selector="owner=helm,name=valeo-erp-production")
    assert [s.metadata.name for s in secrets.items] == [
        f"sh.helm.release.v1.valeo-erp-production.v{i}" for i in (1, 2, 3)
    ]
    releases = [decode_release(api.sanitize_for_serialization(s)) for s in secrets.items]
    assert [(r["version"], r["info"]["status"]) for r in releases] == [
        (1, "superseded"),
        (2, "superseded"),
        (3, "deployed"),
    ]
    assert all(s.type == "helm.sh/release.v1" for s in secrets.items)
    assert secrets.items[2].metadata.labels["status"] == "deployed"
    assert releases[2]["chart"]["metadata"]["name"] == "valeo-erp"


def test_discovery_advertises_the_emulated_resources(api, cluster):
    assert client.VersionApi(api).get_code().major == "1"
    assert client.CoreApi(api).get_api_versions().versions == ["v1"]
    groups = {g.name for g in client.ApisApi(api).get_api_versions().groups}
    assert groups == {"apps", "coordination.k8s.io", "discovery.k8s.io"}
    core = {r.name: r for r in client.CoreV1Api(api).get_api_resources().resources}
    assert core["pods"].short_names == ["po"] and core["pods"].namespaced
    assert core["services"].short_names == ["svc"] and core["services"].kind == "Service"
    assert core["namespaces"].short_names == ["ns"] and not core["namespaces"].namespaced
    assert set(core["pods"].verbs) >= {"get", "list", "watch", "create", "patch", "delete"}
    apps = {r.name: r for r in client.AppsV1Api(api).get_api_resources().resources}
    assert apps["deployments"].short_names == ["deploy"]
    assert apps["replicasets"].short_names == ["rs"]
    assert apps["deployments/scale"].kind == "Scale"
    leases = client.CoordinationV1Api(api).get_api_resources().resources
    assert [(r.name, r.kind) for r in leases] == [("leases", "Lease")]


def test_an_invalid_object_is_an_invalid_status(api, cluster):
    labels = {"app": "x"}
    broken = {
        "metadata": {"name": "x"},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": {"app": "y"}}, "spec": {"containers": []}},
        },
    }
    with pytest.raises(ApiException) as info:
        client.AppsV1Api(api).create_namespaced_deployment(NS, broken)
    status = _status(info.value)
    assert (info.value.status, status["reason"]) == (422, "Invalid")
    fields = {c["field"] for c in status["details"]["causes"]}
    assert fields == {"spec.template.metadata.labels", "spec.template.spec.containers"}


def test_stop_ends_open_watches_promptly(cluster):
    host, port = cluster.server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("GET", f"/api/v1/watch/namespaces/{NS}/services")
    response = conn.getresponse()
    assert response.status == 200
    first = json.loads(response.readline())
    assert (first["type"], first["object"]["metadata"]["name"]) == ("ADDED", "valeo-erp")
    started = time.monotonic()
    cluster.stop()
    assert time.monotonic() - started < 2.0
    try:  # the stream ended instead of hanging: its last chunk, or the connection closed
        rest = response.read()
    except http.client.IncompleteRead as cut:
        rest = cut.partial
    assert rest == b""
    conn.close()


def test_a_pod_goes_pending_running_ready_one_step_at_a_time():
    store = Store()
    store.create("namespaces", "", {"metadata": {"name": NS}})
    store.create(
        "deployments",
        NS,
        {
            "metadata": {"name": "api"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "api"}},
                "template": {
                    "metadata": {"labels": {"app": "api"}},
                    "spec": {"containers": [{"name": "api", "image": "api:1"}]},
                },
            },
        },
    )
    controller = Controller(store, seed=1)

    def pod_state() -> tuple:
        (pod,) = store.list("pods", NS)[0]
        (container,) = pod["status"]["containerStatuses"]
        return pod["status"]["phase"], container["started"], is_ready(pod)

    controller.step()
    assert pod_state() == ("Pending", False, False)
    controller.step()
    assert pod_state() == ("Running", True, False)
    controller.step()
    assert pod_state() == ("Running", True, True)
    assert controller.settle() <= 3
    status = store.get("deployments", NS, "api")["status"]
    assert (status["readyReplicas"], status["observedGeneration"]) == (1, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        ("false", False),
        ("False", False),
        ("0", False),
        ("true", True),
        ("True", True),
        ("1", True),
    ],
)
def test_boolean_query_parameters_are_read_as_the_api_server_reads_them(value, expected):
    """kubernetes' Python client before 37 sends `watch=True`: the API server takes it."""
    query = {} if value is None else {"watch": value}
    assert flag(query, "watch") is expected
