"""One simulated pod: its endpoints, its exposition's names and labels, its SSE stream."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from cockpit.sim.service.pod import ErpPod
from tests.helpers.poll import eventually
from tests.sim.service.helpers import assert_no_leftovers, scrape

APP_LABELS = {
    "namespace": "production",
    "service": "valeo-erp",
    "version": "green",
    "pod": "valeo-erp-green-abc12",
}


@pytest.fixture
def pod() -> Iterator[ErpPod]:
    erp_pod = ErpPod(
        "valeo-erp-green-abc12",
        namespace="production",
        service="valeo-erp",
        version="green",
        container="valeo-erp",
        sse_interval=0.1,
    ).start()
    port = erp_pod.port
    try:
        yield erp_pod
    finally:
        erp_pod.stop()
    assert_no_leftovers([port])


def test_probes_follow_ready_and_down(pod: ErpPod) -> None:
    assert httpx.get(f"{pod.url}/healthz").status_code == 200
    assert httpx.get(f"{pod.url}/readyz").status_code == 503  # not Ready in the emulator yet
    pod.ready = True
    assert httpx.get(f"{pod.url}/readyz").status_code == 200
    pod.down = True
    assert httpx.get(f"{pod.url}/healthz").status_code == 503
    assert httpx.get(f"{pod.url}/readyz").status_code == 503
    assert httpx.get(f"{pod.url}/nothing-here").status_code == 404


def test_metrics_carry_the_names_and_labels_the_queries_use(pod: ErpPod) -> None:
    pod.metrics.observe("200", 0.12)
    pod.metrics.observe("500", 0.7)
    pod.metrics.observe("503", 0.002)
    pod.metrics.set_resources(400 * 2**20, 0.25)
    samples = scrape(pod.url)

    requests = {labels["status"]: value for labels, value in samples["http_requests_total"]}
    assert requests == {"200": 1, "500": 1, "503": 1}
    for labels, _ in samples["http_requests_total"]:
        assert {k: v for k, v in labels.items() if k != "status"} == APP_LABELS

    buckets = {
        labels["le"]: value for labels, value in samples["http_request_duration_seconds_bucket"]
    }
    assert all(
        labels.keys() - {"le"} == APP_LABELS.keys()
        for labels, _ in samples["http_request_duration_seconds_bucket"]
    )
    assert buckets["0.05"] == 1 and buckets["0.15"] == 2 and buckets["1.0"] == 3
    assert buckets["+Inf"] == 3
    assert samples["sse_connections"] == [(APP_LABELS, 0.0)]

    cadvisor = {"namespace": "production", "pod": "valeo-erp-green-abc12", "container": "valeo-erp"}
    assert samples["container_memory_working_set_bytes"] == [(cadvisor, 400 * 2**20)]
    assert samples["container_cpu_usage_seconds_total"] == [(cadvisor, 0.25)]


def test_metrics_start_with_zero_counts_so_no_traffic_is_not_no_series(pod: ErpPod) -> None:
    samples = scrape(pod.url)
    assert sorted(labels["status"] for labels, _ in samples["http_requests_total"]) == [
        "200",
        "500",
    ]
    assert all(value == 0 for _, value in samples["http_requests_total"])
    assert samples["http_request_duration_seconds_count"] == [(APP_LABELS, 0.0)]


def test_sse_delivers_workflow_events_and_the_gauge_counts_the_stream(pod: ErpPod) -> None:
    pod.metrics.set_simulated_streams(5)
    with httpx.stream("GET", f"{pod.url}/api/stream/workflow", timeout=5) as response:
        assert response.headers["content-type"] == "text/event-stream"
        lines = response.iter_lines()
        assert next(lines) == "event: workflow"
        assert next(lines) == "id: 0"
        assert next(lines).startswith('data: {"seq": 0, "pod": "valeo-erp-green-abc12"')
        assert scrape(pod.url)["sse_connections"] == [(APP_LABELS, 6.0)]
    # the server notices the client gone on its next write, within one sse_interval
    eventually(
        lambda: scrape(pod.url)["sse_connections"] == [(APP_LABELS, 5.0)],
        what="five SSE connections scraped",
        timeout=5,
    )


def test_stop_ends_open_streams(pod: ErpPod) -> None:
    with httpx.stream("GET", f"{pod.url}/api/stream/workflow", timeout=5) as response:
        next(response.iter_lines())
        started = time.monotonic()
        pod.stop()  # must not wait for the client to hang up
        assert time.monotonic() - started < 2
