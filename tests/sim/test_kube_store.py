"""The emulator's store on its own: resourceVersions, concurrency, selectors, patches, history."""

from __future__ import annotations

import json
import threading

import pytest

from cockpit.sim.kube.store import (
    RESOURCES,
    ApiError,
    Store,
    WatchClosed,
    apply_patch,
    parse_field_selector,
    parse_label_selector,
)


def _store(history: int = 100) -> Store:
    store = Store(history=history)
    store.create("namespaces", "", {"metadata": {"name": "production"}})
    return store


def _lease(name: str = "lock", holder: str = "alice") -> dict:
    return {"metadata": {"name": name}, "spec": {"holderIdentity": holder}}


def _deployment(name: str = "web", replicas: int = 2) -> dict:
    labels = {"app": name}
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "web:1", "ports": []}]},
            },
        },
    }


def _error(call) -> ApiError:
    with pytest.raises(ApiError) as info:
        call()
    return info.value


def test_every_write_takes_the_next_global_resource_version():
    store = _store()
    first = store.create("leases", "production", _lease("a"))
    second = store.create("configmaps", "production", {"metadata": {"name": "c"}})
    third = store.mutate("leases", "production", "a", lambda o: {**o, "spec": {"x": 1}})
    versions = [int(o["metadata"]["resourceVersion"]) for o in (first, second, third)]
    assert versions == sorted(versions) and len(set(versions)) == 3
    assert store.resource_version == str(versions[-1])
    assert first["metadata"]["uid"] and first["metadata"]["creationTimestamp"].endswith("Z")
    assert first["kind"] == "Lease" and first["apiVersion"] == "coordination.k8s.io/v1"


def test_update_with_a_stale_resource_version_conflicts():
    store = _store()
    created = store.create("leases", "production", _lease())
    store.update("leases", "production", "lock", {**created, "spec": {"holderIdentity": "bob"}})
    stale = {**created, "spec": {"holderIdentity": "carol"}}
    err = _error(lambda: store.update("leases", "production", "lock", stale))
    assert (err.code, err.reason) == (409, "Conflict")
    assert "the object has been modified" in err.message
    assert store.get("leases", "production", "lock")["spec"]["holderIdentity"] == "bob"


def test_update_without_resource_version_is_unconditional_and_keeps_identity():
    store = _store()
    created = store.create("leases", "production", _lease())
    updated = store.update("leases", "production", "lock", _lease(holder="bob"))
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    assert updated["spec"]["holderIdentity"] == "bob"


def test_generation_counts_spec_changes_only():
    store = _store()
    store.create("deployments", "production", _deployment())

    def relabel(obj: dict) -> dict:
        obj["metadata"]["labels"] = {"tier": "web"}
        return obj

    def scale(obj: dict) -> dict:
        obj["spec"]["replicas"] = 5
        return obj

    assert store.mutate("deployments", "production", "web", relabel)["metadata"]["generation"] == 1
    assert store.mutate("deployments", "production", "web", scale)["metadata"]["generation"] == 2


def test_status_subresource_and_main_resource_do_not_overwrite_each_other():
    store = _store()
    store.create("deployments", "production", _deployment())
    current = store.get("deployments", "production", "web")
    current["status"] = {"replicas": 2}
    current["spec"]["replicas"] = 9  # ignored by a status write
    after = store.update("deployments", "production", "web", current, subresource="status")
    assert after["status"] == {"replicas": 2} and after["spec"]["replicas"] == 2
    assert after["metadata"]["generation"] == 1
    main = {**after, "status": {"replicas": 0}}
    assert store.update("deployments", "production", "web", main)["status"] == {"replicas": 2}


def test_an_unchanged_object_is_not_written():
    store = _store()
    store.create("leases", "production", _lease())
    before = store.resource_version
    store.mutate("leases", "production", "lock", lambda obj: obj)
    assert store.resource_version == before


def test_dry_run_changes_nothing_on_any_verb():
    store = _store()
    store.create("leases", "production", _lease())
    before = store.resource_version
    made = store.create("leases", "production", _lease("other"), dry_run=True)
    assert made["metadata"]["name"] == "other" and made["metadata"]["uid"]
    changed = store.update("leases", "production", "lock", _lease(holder="bob"), dry_run=True)
    assert changed["spec"]["holderIdentity"] == "bob"
    store.delete("leases", "production", "lock", dry_run=True)
    assert store.resource_version == before
    assert store.get("leases", "production", "lock")["spec"]["holderIdentity"] == "alice"
    assert _error(lambda: store.get("leases", "production", "other")).code == 404


def test_errors_carry_the_apiserver_reasons():
    store = _store()
    store.create("leases", "production", _lease())
    exists = _error(lambda: store.create("leases", "production", _lease()))
    assert (exists.code, exists.reason) == (409, "AlreadyExists")
    assert exists.message == 'leases.coordination.k8s.io "lock" already exists'
    missing_ns = _error(lambda: store.create("leases", "staging", _lease()))
    assert (missing_ns.code, missing_ns.message) == (404, 'namespaces "staging" not found')
    missing = _error(lambda: store.get("pods", "production", "nope"))
    assert missing.status()["details"] == {"name": "nope", "kind": "pods"}
    bad_name = _error(lambda: store.create("leases", "production", _lease("Bad_Name")))
    assert (bad_name.code, bad_name.reason) == (422, "Invalid")
    assert bad_name.status()["details"]["causes"][0]["field"] == "metadata.name"


def test_deployment_selector_must_match_its_template():
    store = _store()
    broken = _deployment()
    broken["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    err = _error(lambda: store.create("deployments", "production", broken))
    assert err.code == 422
    assert err.message.startswith('Deployment "web" is invalid: spec.template.metadata.labels')


def test_deleting_a_namespace_deletes_what_it_holds():
    store = _store()
    store.create("leases", "production", _lease())
    store.delete("namespaces", "", "production")
    assert store.list("leases")[0] == []


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ("app=web", [True, True, False, False]),
        ("app==web,version=blue", [True, False, False, False]),
        ("version!=blue", [False, True, True, True]),
        ("version in (blue,green)", [True, True, True, False]),
        ("version notin (green)", [True, False, False, True]),
        ("version", [True, True, True, False]),
        ("!version", [False, False, False, True]),
        ("app=web, version in (green, red)", [False, True, False, False]),
        ("", [True, True, True, True]),
    ],
)
def test_label_selectors(selector: str, matches: list[bool]):
    objects = [
        {"app": "web", "version": "blue"},
        {"app": "web", "version": "green"},
        {"app": "db", "version": "green"},
        {"app": "db"},
    ]
    predicate = parse_label_selector(selector)
    assert [predicate(labels) for labels in objects] == matches


def test_a_malformed_label_selector_is_a_bad_request():
    err = _error(lambda: parse_label_selector("app in blue"))
    assert (err.code, err.reason) == (400, "BadRequest")


def test_field_selectors():
    pod = {"metadata": {"name": "p", "namespace": "production"}, "status": {"phase": "Running"}}
    assert parse_field_selector("metadata.name=p,status.phase=Running", "pods")(pod)
    assert not parse_field_selector("status.phase!=Running", "pods")(pod)
    assert not parse_field_selector("metadata.namespace=default", "pods")(pod)
    err = _error(lambda: parse_field_selector("spec.replicas=3", "deployments"))
    assert (err.code, err.message) == (400, 'field label not supported: "spec.replicas"')


def test_watch_history_returns_events_after_a_version_and_expires_old_ones():
    store = _store(history=5)
    epoch = store.watch_epoch
    start = int(store.resource_version)
    store.create("leases", "production", _lease("a"))
    events, latest = store.events_after(start, 0.0, epoch)
    assert [(e.type, e.obj["metadata"]["name"]) for e in events] == [("ADDED", "a")]
    assert latest == start + 1
    for i in range(6):
        store.create("leases", "production", _lease(f"b{i}"))
    err = _error(lambda: store.events_after(start, 0.0, epoch))
    assert (err.code, err.reason) == (410, "Expired")
    assert err.message.startswith(f"too old resource version: {start} (")
    recent, _ = store.events_after(int(store.resource_version) - 2, 0.0, epoch)
    assert len(recent) == 2


def test_compact_expires_everything_before_it():
    store = _store()
    rv = int(store.create("leases", "production", _lease())["metadata"]["resourceVersion"])
    store.compact()
    assert store.events_after(rv, 0.0, store.watch_epoch) == ([], rv)
    assert _error(lambda: store.events_after(rv - 1, 0.0, store.watch_epoch)).code == 410


def test_a_waiting_watch_wakes_on_a_write_and_ends_on_drop():
    store = _store()
    epoch, rv = store.watch_epoch, int(store.resource_version)
    threading.Timer(0.05, lambda: store.create("leases", "production", _lease())).start()
    events, _ = store.events_after(rv, 5.0, epoch)
    assert [e.type for e in events] == ["ADDED"]
    threading.Timer(0.05, store.drop_watches).start()
    with pytest.raises(WatchClosed):
        store.events_after(int(store.resource_version), 5.0, epoch)


def test_concurrent_writers_get_distinct_resource_versions():
    store = _store()
    versions: list[str] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        for i in range(25):
            rv = store.create("configmaps", "production", {"metadata": {"name": f"c{n}-{i}"}})
            with lock:
                versions.append(rv["metadata"]["resourceVersion"])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(versions)) == 100
    assert max(map(int, versions)) == int(store.resource_version)


PODLIKE = {
    "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
    "spec": {
        "containers": [
            {"name": "app", "image": "web:1", "ports": [{"containerPort": 80}]},
            {"name": "sidecar", "image": "proxy:1"},
        ]
    },
}


def _patch(content_type: str, patch: object) -> dict:
    return apply_patch(RESOURCES["pods"], "web", PODLIKE, content_type, json.dumps(patch).encode())


def test_merge_patch_replaces_lists_and_deletes_nulls():
    patched = _patch(
        "application/merge-patch+json",
        {"metadata": {"labels": {"tier": None, "version": "green"}}, "spec": {"containers": []}},
    )
    assert patched["metadata"]["labels"] == {"app": "web", "version": "green"}
    assert patched["spec"]["containers"] == []


def test_strategic_merge_patch_merges_containers_by_name():
    patched = _patch(
        "application/strategic-merge-patch+json",
        {"spec": {"containers": [{"name": "app", "image": "web:2"}]}},
    )
    app, sidecar = patched["spec"]["containers"]
    assert app == {"name": "app", "image": "web:2", "ports": [{"containerPort": 80}]}
    assert sidecar["image"] == "proxy:1"
    dropped = _patch(
        "application/strategic-merge-patch+json",
        {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}},
    )
    assert [c["name"] for c in dropped["spec"]["containers"]] == ["app"]


def test_json_patch_operations():
    patched = _patch(
        "application/json-patch+json",
        [
            {"op": "test", "path": "/metadata/name", "value": "web"},
            {"op": "replace", "path": "/spec/containers/0/image", "value": "web:3"},
            {"op": "add", "path": "/metadata/labels/version", "value": "blue"},
            {"op": "remove", "path": "/metadata/labels/tier"},
        ],
    )
    assert patched["spec"]["containers"][0]["image"] == "web:3"
    assert patched["metadata"]["labels"] == {"app": "web", "version": "blue"}
    failed = _error(
        lambda: _patch(
            "application/json-patch+json", [{"op": "test", "path": "/metadata/name", "value": "db"}]
        )
    )
    assert failed.code == 422


def test_server_side_apply_is_refused_as_unsupported():
    err = _error(lambda: _patch("application/apply-patch+yaml", {}))
    assert (err.code, err.reason) == (415, "UnsupportedMediaType")
