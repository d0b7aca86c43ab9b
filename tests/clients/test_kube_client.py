"""The Kubernetes client as the cockpit builds it, against the emulator."""

import pytest

from cockpit.clients.kube import KubeSettings, api_client, describe


def test_an_answer_past_its_timeout_is_reported_not_silently_asked_again(cluster, kubeconfig):
    """The callers retry with their own back-off and say "unreachable" meanwhile; the pool's
    own retries would hide a stalled server for four timeouts (minutes for a watch, found
    by tests/truth/kube_machine.py)."""
    from kubernetes import client

    settings = KubeSettings("production", "valeo-erp", "valeo-erp", kubeconfig=str(kubeconfig))
    core = client.CoreV1Api(api_client(settings))
    core.read_namespace("production")  # connected
    cluster.controller.set_latency(2.0)
    before = len(cluster.server.requests)
    with pytest.raises(Exception) as failed:
        core.list_namespaced_pod("production", _request_timeout=(1, 0.3))
    assert describe(failed.value, "list", "pods", "production").state == "unreachable"
    asked = [path for _, path, _ in list(cluster.server.requests)[before:]]
    assert asked == ["/api/v1/namespaces/production/pods"]
