"""Real kubectl against the emulator, through a written kubeconfig: the runbooks' commands.

The cluster's controller runs on the tests' manual clock: a test advances it where the
runbook's command needs the cluster to move, and reads kubectl's output with a deadline.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cockpit.sim.kube.valeo import SimCluster
from tests.helpers.poll import eventually

NS = "production"


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"kubectl failed ({result.returncode}): {result.stderr}"
    return result.stdout


def _lines(proc: subprocess.Popen[str]) -> queue.Queue:
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _read_until(lines: queue.Queue, done, timeout: float = 10.0) -> list[str]:
    """Collect output lines until `done(collected)` holds; fail at the deadline."""
    collected: list[str] = []
    # not tests.helpers.poll: each round blocks on the queue for the next line, collecting
    # every line on the way (polling would need a second buffer and an interval)
    deadline = time.monotonic() + timeout
    while not done(collected):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"kubectl output so far: {collected}"
        try:
            collected.append(lines.get(timeout=remaining))
        except queue.Empty:
            continue
    return collected


def test_get_pods_json_lists_the_six_pods(kubectl, cluster: SimCluster):
    listing = json.loads(_ok(kubectl("get", "pods", "-n", NS, "-o", "json")))
    assert listing["kind"] == "List"
    pods = listing["items"]
    assert len(pods) == 6
    assert {p["kind"] for p in pods} == {"Pod"}
    colours = sorted(p["metadata"]["labels"]["version"] for p in pods)
    assert colours == ["blue"] * 3 + ["green"] * 3
    assert all(p["metadata"]["name"].startswith("valeo-erp-") for p in pods)
    assert all(p["status"]["phase"] == "Running" for p in pods)


def test_plain_get_pods_prints_the_server_side_table(kubectl, cluster: SimCluster):
    header, *rows = _ok(kubectl("get", "pods", "-n", NS)).splitlines()
    assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert len(rows) == 6
    for row in rows:
        name, ready, status, restarts, _age = row.split()
        assert name.startswith("valeo-erp-") and (ready, status, restarts) == (
            "1/1",
            "Running",
            "0",
        )
    accepts = [accept for method, path, accept in cluster.server.requests if "/pods" in path]
    assert any("as=Table" in accept for accept in accepts)


def test_get_pods_watch_shows_a_change_made_during_the_watch(
    kubectl_popen, cluster: SimCluster, clock
):
    proc = kubectl_popen("get", "pods", "-n", NS, "-w")
    lines = _lines(proc)
    initial = _read_until(lines, lambda seen: len(seen) >= 7)  # header and six pods
    assert initial[0].split()[:3] == ["NAME", "READY", "STATUS"]
    victim = initial[1].split()[0]
    cluster.controller.kill_pod(victim)
    clock.advance(1.5)  # replaced, running, ready
    rs_prefix = victim.rsplit("-", 1)[0]
    later = _read_until(
        lines,
        lambda seen: any(
            line.startswith(rs_prefix) and line.split()[0] != victim and "1/1" in line
            for line in seen
        ),
    )
    assert any(line.split()[0] == victim and "Terminating" in line for line in later)
    assert proc.poll() is None, "kubectl get -w must keep watching"


def test_get_service_json(kubectl, cluster: SimCluster):
    svc = json.loads(_ok(kubectl("get", "svc", "valeo-erp", "-n", NS, "-o", "json")))
    assert (svc["kind"], svc["apiVersion"]) == ("Service", "v1")
    assert svc["spec"]["selector"] == {"app": "valeo-erp", "version": "blue"}
    (port,) = svc["spec"]["ports"]
    assert (port["port"], port["targetPort"], port["protocol"]) == (80, 8000, "TCP")
    assert svc["spec"]["clusterIP"].startswith("10.96.")


def test_patch_service_selector_moves_the_endpoints_to_green(kubectl, cluster: SimCluster, clock):
    patch = '{"spec":{"selector":{"version":"green"}}}'
    out = _ok(kubectl("patch", "service", "valeo-erp", "-n", NS, "-p", patch))
    assert out.strip() == "service/valeo-erp patched"
    svc = cluster.store.get("services", NS, "valeo-erp")
    assert svc["spec"]["selector"] == {"app": "valeo-erp", "version": "green"}
    green = {
        p["metadata"]["name"]
        for p in cluster.store.list("pods", NS, label_selector="version=green")[0]
    }
    clock.advance(0.5)  # one step of the endpointslice controller
    slices = json.loads(_ok(kubectl("get", "endpointslices", "-n", NS, "-o", "json")))
    (es,) = slices["items"]
    targets = {e["targetRef"]["name"] for e in es["endpoints"] if e["conditions"]["ready"]}
    assert targets == green
    assert es["metadata"]["labels"]["kubernetes.io/service-name"] == "valeo-erp"


def test_the_move_annotation_rides_the_selector_patch_and_kubectl_reads_and_changes_it(
    kubectl, cluster: SimCluster
):
    """What a cockpit publishes (`cockpit.dev/move`) is what an operator sees with kubectl,
    and what kubectl annotates is what every cockpit's watch reads."""
    move = '{"action":"cutover","id":"c1","by":"alice","state":"executing","to":"green"}'
    patch = json.dumps(
        {
            "metadata": {"annotations": {"cockpit.dev/move": move}},
            "spec": {"selector": {"version": "green"}},
        }
    )
    _ok(kubectl("patch", "service", "valeo-erp", "-n", NS, "-p", patch))
    path = "-o=jsonpath={.metadata.annotations.cockpit\\.dev/move} {.spec.selector.version}"
    assert _ok(kubectl("get", "service", "valeo-erp", "-n", NS, path)) == f"{move} green"
    failed = move.replace("executing", "failed")
    _ok(
        kubectl(
            "annotate",
            "service",
            "valeo-erp",
            "-n",
            NS,
            "--overwrite",
            f"cockpit.dev/move={failed}",
        )
    )
    svc = cluster.store.get("services", NS, "valeo-erp")
    assert svc["metadata"]["annotations"]["cockpit.dev/move"] == failed
    assert svc["spec"]["selector"]["version"] == "green"  # an annotation moves nothing
    _ok(kubectl("annotate", "service", "valeo-erp", "-n", NS, "cockpit.dev/move-"))
    assert "cockpit.dev/move" not in cluster.store.get("services", NS, "valeo-erp")["metadata"].get(
        "annotations", {}
    )


def test_get_lease_after_applying_one(kubectl, cluster: SimCluster, tmp_path: Path):
    manifest = tmp_path / "lease.yaml"
    manifest.write_text(
        "apiVersion: coordination.k8s.io/v1\n"
        "kind: Lease\n"
        "metadata: {name: golive-lock, namespace: production}\n"
        "spec: {holderIdentity: oncall-alice, leaseDurationSeconds: 30}\n"
    )
    assert _ok(kubectl("apply", "-f", str(manifest))).strip() == (
        "lease.coordination.k8s.io/golive-lock created"
    )
    header, row = _ok(kubectl("get", "lease", "-n", NS)).splitlines()
    assert header.split() == ["NAME", "HOLDER", "AGE"]
    assert row.split()[:2] == ["golive-lock", "oncall-alice"]
    lease = cluster.store.get("leases", NS, "golive-lock")
    assert lease["spec"]["leaseDurationSeconds"] == 30


def test_a_denied_verb_is_kubectls_forbidden_error(kubectl, cluster: SimCluster):
    cluster.controller.deny("list", "pods")
    result = kubectl("get", "pods", "-n", NS)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'Error from server (Forbidden): pods is forbidden: User "oncall" cannot list resource '
        '"pods" in API group "" in the namespace "production"'
    )


def test_set_image_rolls_out_a_new_replicaset(kubectl, kubectl_popen, cluster: SimCluster, clock):
    image = "registry.valeo.example.com/valeo-erp:3.0.1"
    deploy = "deployment/valeo-erp-green"
    _ok(kubectl("set", "image", deploy, f"valeo-erp={image}", "-n", NS))
    rollout = kubectl_popen("rollout", "status", deploy, "-n", NS, "--timeout=20s")
    clock.advance(2.0)  # new pods pending, running, ready; then the old set scaled to 0
    status, errors = rollout.communicate(timeout=30)
    assert rollout.returncode == 0, errors
    assert 'deployment "valeo-erp-green" successfully rolled out' in status
    pods = cluster.store.list("pods", NS, label_selector="version=green")[0]
    assert len(pods) == 3
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {image}
    sets = {
        rs["metadata"]["name"]: rs["spec"]["replicas"]
        for rs in cluster.store.list("replicasets", NS, label_selector="version=green")[0]
    }
    assert sorted(sets.values()) == [0, 3]


def test_deleting_the_blue_deployment_removes_its_pods(kubectl, cluster: SimCluster, clock):
    out = _ok(kubectl("delete", "deployment", "valeo-erp-blue", "-n", NS))
    assert out.startswith('deployment.apps "valeo-erp-blue" deleted')
    clock.advance(0.5)  # the garbage collector takes the replicaset …
    assert len(cluster.store.list("pods", NS, label_selector="version=blue")[0]) == 3
    clock.advance(0.5)  # … and then its pods
    assert not cluster.store.list("pods", NS, label_selector="version=blue")[0]
    assert len(cluster.store.list("pods", NS, label_selector="version=green")[0]) == 3


def test_runbook_create_commands_send_protobuf_that_the_server_understands(
    kubectl, cluster: SimCluster
):
    _ok(kubectl("create", "namespace", "staging"))
    literal = "--from-literal=DB_PASSWORD=s3cr3t!"
    _ok(kubectl("create", "secret", "generic", "valeo-erp-secrets", "-n", NS, literal))
    _ok(kubectl("create", "configmap", "valeo-erp-config", "-n", NS, "--from-literal=LOG=debug"))
    secret = cluster.store.get("secrets", NS, "valeo-erp-secrets")
    assert (secret["type"], secret["data"]) == ("Opaque", {"DB_PASSWORD": "czNjcjN0IQ=="})
    assert cluster.store.get("configmaps", NS, "valeo-erp-config")["data"] == {"LOG": "debug"}
    assert cluster.store.get("namespaces", "", "staging")["spec"]["finalizers"] == ["kubernetes"]
    typed = [a for m, p, a in cluster.server.requests if m == "POST" and "secrets" in p]
    assert typed and typed[-1].startswith("application/vnd.kubernetes.protobuf")


def test_server_side_dry_run_patch_changes_nothing(kubectl, cluster: SimCluster):
    before = cluster.store.resource_version
    green = '{"spec":{"selector":{"version":"green"}}}'
    args = ["-n", NS, "--dry-run=server", "-p", green, "-o", "jsonpath={.spec.selector}"]
    out = kubectl("patch", "service", "valeo-erp", *args)
    assert json.loads(_ok(out)) == {"app": "valeo-erp", "version": "green"}
    assert cluster.store.get("services", NS, "valeo-erp")["spec"]["selector"]["version"] == "blue"
    assert cluster.store.resource_version == before


def test_cockpit_sim_serves_until_interrupted(kubectl_binary: Path, tmp_path: Path):
    """`cockpit sim` (DESIGN.md): writes a kubeconfig, prints the URL, stops on Ctrl+C."""
    config = tmp_path / "kubeconfig"
    sim = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "sim", "--kubeconfig-out", str(config), "--speed", "20"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = sim.stdout.readline()
        assert first.startswith("Kubernetes API  http://127.0.0.1:"), first
        port = int(first.split()[2].rsplit(":", 1)[1])
        env = {**os.environ, "KUBECONFIG": str(config), "HOME": str(tmp_path)}
        result = subprocess.run(
            [str(kubectl_binary), "get", "deployments"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert [line.split()[:2] for line in result.stdout.splitlines()[1:]] == [
            ["valeo-erp-blue", "3/3"],
            ["valeo-erp-green", "3/3"],
        ]
    finally:
        sim.send_signal(signal.SIGINT)
        assert sim.wait(timeout=10) == 0
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # nothing left listening


# --- the four-eyes approval object: a labelled ConfigMap, as kubectl sees it ----------------


def _approvals(kubeconfig: Path):
    from cockpit.clients.approvals import ApprovalClient
    from cockpit.clients.kube import KubeSettings

    settings = KubeSettings(
        namespace=NS, app="valeo-erp", service="valeo-erp", kubeconfig=str(kubeconfig)
    )
    return ApprovalClient(settings, "cockpit-window")


def _request():
    from cockpit.model.approval import Approval

    return Approval(
        request="cutover@1",
        action="cutover",
        target="valeo-erp",
        title="Cutover valeo-erp: blue → green",
        digest="ef" * 32,
        requester="alice@bastion",
        preview=("-   version: blue", "+   version: green"),
    )


def test_kubectl_sees_the_approval_object_the_cockpit_writes(kubectl, kubeconfig, cluster):
    approvals = _approvals(kubeconfig)
    seen = approvals.publish(_request())
    header, row = _ok(kubectl("get", "cm", "-n", NS, "-l", "cockpit.dev/approval")).splitlines()
    assert header.split() == ["NAME", "DATA", "AGE"]
    name, data, _age = row.split()
    assert name == "cockpit-window-approval" and int(data) == 18  # with the two logins
    assert _ok(kubectl("get", "cm", "-n", NS, "-l", "cockpit.dev/approval=other")) == ""
    approvals.grant(seen, "bob@laptop", "bob@laptop#2-b", "ok", "t1", "t2")
    path = "{.items[0].data.status} {.items[0].data.approver} {.items[0].data.digest}"
    out = _ok(
        kubectl("get", "cm", "-n", NS, "-l", "cockpit.dev/approval", "-o", f"jsonpath={path}")
    )
    assert out.split() == ["granted", "bob@laptop", "ef" * 32]


def test_a_stale_resource_version_is_a_conflict_for_kubectl_and_the_cockpit(
    kubectl, kubeconfig, cluster, tmp_path: Path
):
    from cockpit.clients.approvals import Conflict

    approvals = _approvals(kubeconfig)
    seen = approvals.publish(_request())
    stale = json.loads(_ok(kubectl("get", "cm", "cockpit-window-approval", "-n", NS, "-o", "json")))
    assert stale["metadata"]["resourceVersion"] == seen.resource_version
    approvals.grant(seen, "bob@laptop", "bob@laptop#2-b", "ok", "t1", "t2")  # a newer version

    stale["data"]["approver"] = "mallory@nowhere"
    manifest = tmp_path / "stale.json"
    manifest.write_text(json.dumps(stale))
    refused = kubectl("replace", "-f", str(manifest))
    assert refused.returncode == 1
    assert "Conflict" in refused.stderr and "the object has been modified" in refused.stderr

    with pytest.raises(Conflict, match="409 Conflict"):
        approvals.grant(seen, "carol@desk", "carol@desk#3-c", "", "t3", "t4")
    now = json.loads(_ok(kubectl("get", "cm", "cockpit-window-approval", "-n", NS, "-o", "json")))
    assert now["data"]["approver"] == "bob@laptop"  # neither stale writer overwrote it


# --- the faults the stateful test injects, as kubectl meets them ------------------------------


def test_a_revoked_token_is_kubectls_login_error(kubectl, cluster: SimCluster):
    cluster.controller.unauthorized("Unauthorized")
    refused = kubectl("get", "pods", "-n", NS)
    assert refused.returncode == 1
    assert refused.stderr.strip().endswith(
        "error: You must be logged in to the server "
        "(the server has asked for the client to provide credentials)"
    )
    cluster.controller.clear_faults()
    assert len(_ok(kubectl("get", "pods", "-n", NS, "-o", "name")).split()) == 6


def test_an_injected_failure_is_kubectls_server_error_with_its_message(
    kubectl, cluster: SimCluster
):
    _ok(kubectl("get", "pods", "-n", NS))  # discovery cached: the failure meets the list
    cluster.controller.fail_requests(500, message="etcd leader changed")
    failed = kubectl("get", "pods", "-n", NS)
    assert failed.returncode == 1
    assert failed.stderr.strip() == (
        "Error from server (InternalError): Internal error occurred: injected fault: "
        "etcd leader changed"
    )


def test_a_server_slower_than_the_request_timeout_is_kubectls_timeout(kubectl, cluster: SimCluster):
    _ok(kubectl("get", "pods", "-n", NS))  # discovery cached: one request left to wait for
    cluster.controller.set_latency(3.0)
    started = time.monotonic()
    late = kubectl("get", "pods", "-n", NS, "--request-timeout=1s")
    assert late.returncode == 1 and time.monotonic() - started < 3.0
    # Go says which of its timers fired first: the client's or the request context's
    said = late.stderr.strip()
    assert said.startswith("Unable to connect to the server: "), said
    assert said.endswith(("(Client.Timeout exceeded while awaiting headers)", "exceeded")), said
    cluster.controller.set_latency(0.2)  # slow, but within the timeout: answered
    assert len(_ok(kubectl("get", "pods", "-n", NS, "--request-timeout=2s")).splitlines()) == 7


def test_an_expired_watch_ends_kubectls_watch_with_410_gone(kubectl_popen, cluster: SimCluster):
    proc = kubectl_popen("get", "svc", "-n", NS, "-w", "-o", "json")
    lines = _lines(proc)
    _read_until(lines, lambda seen: "}" in seen)  # the Service, listed
    eventually(lambda: cluster.server.open_watches == 1, what="kubectl's watch open")
    cluster.controller.expire_watches()
    assert proc.wait(timeout=10) == 0  # kubectl's watch ends: it does not resume on its own
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    status = json.loads("\n".join(rest))
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
    assert status["message"].startswith("too old resource version:")


def test_an_update_that_loses_a_race_is_kubectls_conflict(
    kubectl, cluster: SimCluster, tmp_path: Path
):
    _ok(kubectl("create", "configmap", "settings", "-n", NS, "--from-literal=mode=a"))
    read = json.loads(_ok(kubectl("get", "cm", "settings", "-n", NS, "-o", "json")))
    read["data"]["mode"] = "b"
    manifest = tmp_path / "settings.json"
    manifest.write_text(json.dumps(read))
    cluster.controller.race_updates("configmaps")
    lost = kubectl("replace", "-f", str(manifest))
    assert lost.returncode == 1
    assert "Error from server (Conflict)" in lost.stderr
    assert "the object has been modified" in lost.stderr
    now = json.loads(_ok(kubectl("get", "cm", "settings", "-n", NS, "-o", "json")))
    assert now["data"]["mode"] == "a"  # the other writer touched it; the update did not land
    assert now["metadata"]["annotations"] == {"sim.cockpit.dev/other-writer": "1"}
    now["data"]["mode"] = "b"  # read again, then write: the race is over
    manifest.write_text(json.dumps(now))
    _ok(kubectl("replace", "-f", str(manifest)))
    assert cluster.store.get("configmaps", NS, "settings")["data"] == {"mode": "b"}
