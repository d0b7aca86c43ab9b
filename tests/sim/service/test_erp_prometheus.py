"""The simulated Prometheus against the real one, over the API the cockpit's source uses.

The agreement test is what keeps the fake honest: the real /usr/bin/prometheus scrapes the
same pods and both must answer the go-live queries alike, so it runs in real time. It
fails, never skips, when the binary is missing. The others run the fake and the traffic
on the manual clock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_api_client import PrometheusConnect
from prometheus_api_client.exceptions import PrometheusApiClientException

from cockpit.model import events as ev
from cockpit.sim.clock import ManualClock
from cockpit.sim.kube.valeo import SimCluster
from cockpit.sim.service import ErpService, SimulatedPrometheus, start_prometheus
from cockpit.sources.prometheus import PrometheusSettings, PrometheusSource
from tests.helpers.poll import eventually
from tests.sim.service.helpers import port_is_closed

SEL = 'namespace="production",service="valeo-erp"'
POD_SEL = 'namespace="production",pod=~"valeo-erp-.*",container!=""'
P95 = (
    "histogram_quantile(0.95, sum by (le, version) "
    f"(rate(http_request_duration_seconds_bucket{{{SEL}}}[5m])))"
)
ERRORS = (
    f'sum by (version) (rate(http_requests_total{{{SEL},status=~"5.."}}[5m])) / '
    f"sum by (version) (rate(http_requests_total{{{SEL}}}[5m]))"
)
SSE = f"sum by (version) (sse_connections{{{SEL}}})"
MEMORY = f"sum by (pod) (container_memory_working_set_bytes{{{POD_SEL}}})"
CPU = f"sum by (pod) (rate(container_cpu_usage_seconds_total{{{POD_SEL}}}[5m]))"


def by(result: list[dict], label: str) -> dict[str, float]:
    return {series["metric"][label]: float(series["value"][1]) for series in result}


def close(a: float, b: float, rel: float = 0.0, abs_: float = 0.0) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def scrapes(prom: SimulatedPrometheus) -> int:
    """How often the fake has scraped blue's SSE gauge so far."""
    wanted = {"__name__": "sse_connections", "version": "blue"}
    series = prom.ring.range(lambda labels: wanted.items() <= labels.items(), 0, math.inf)
    return min((len(points) for _, points in series), default=0)


@pytest.fixture
def simulated(
    cluster: SimCluster, clock: ManualClock
) -> Iterator[tuple[ErpService, SimulatedPrometheus]]:
    with ErpService(cluster.store, rate=300.0, seed=11, clock=clock) as erp:
        prom = SimulatedPrometheus(erp.registries, scrape_interval=0.2, clock=clock).start()
        port = int(prom.url.rsplit(":", 1)[1])
        try:
            yield erp, prom
        finally:
            prom.stop()
        assert port_is_closed(port)


def test_real_and_simulated_prometheus_agree_on_the_go_live_queries(cluster):
    with ErpService(cluster.store, rate=300.0, seed=11) as erp:
        erp.set_behaviour("blue", error_ratio=0.05, median=0.2, p95=0.8)
        with start_prometheus(erp.targets(), scrape_interval=0.5) as real:
            real_api = PrometheusConnect(real.url)
            # discovery hands targets over after ~5 s
            eventually(
                lambda: len(real_api.custom_query("up == 1")) == 6,
                what="six targets up in the real Prometheus",
                timeout=20,
            )
            with SimulatedPrometheus(erp.registries, scrape_interval=0.5) as fake:
                fake_api = PrometheusConnect(fake.url)
                eventually(  # rate() windows to compare
                    lambda: scrapes(fake) >= 10, what="ten simulated scrapes", timeout=20
                )
                at = {"time": f"{time.time() - 0.5:.3f}"}

                def both(query: str, label: str) -> tuple[dict, dict]:
                    real_result = by(real_api.custom_query(query, params=at), label)
                    fake_result = by(fake_api.custom_query(query, params=at), label)
                    assert real_result.keys() == fake_result.keys(), query
                    return real_result, fake_result

                real_p95, fake_p95 = both(P95, "version")
                assert 0.5 < real_p95["blue"] < 1.2 and math.isnan(real_p95["green"])
                assert all(close(real_p95[v], fake_p95[v], rel=0.15) for v in real_p95)

                real_err, fake_err = both(ERRORS, "version")
                assert 0.02 < real_err["blue"] < 0.09 and math.isnan(real_err["green"])
                assert all(close(real_err[v], fake_err[v], abs_=0.012) for v in real_err)

                assert both(SSE, "version") == ({"blue": 40, "green": 0},) * 2

                real_mem, fake_mem = both(MEMORY, "pod")
                assert len(real_mem) == 6
                assert all(close(real_mem[p], fake_mem[p], rel=0.05) for p in real_mem)

                real_cpu, fake_cpu = both(CPU, "pod")
                assert all(close(real_cpu[p], fake_cpu[p], rel=0.35) for p in real_cpu)

                end = datetime.now(UTC) - timedelta(seconds=1)
                start = end - timedelta(seconds=4)
                real_range = real_api.custom_query_range(ERRORS, start, end, "1s")
                fake_range = fake_api.custom_query_range(ERRORS, start, end, "1s")
                for real_series, fake_series in zip(real_range, fake_range, strict=True):
                    assert real_series["metric"] == fake_series["metric"]
                    real_points = dict(real_series["values"])
                    assert set(dict(fake_series["values"])) <= set(real_points)
                    last_t, last_v = fake_series["values"][-1]
                    assert close(float(real_points[last_t]), float(last_v), abs_=0.012)

                for api in (real_api, fake_api):  # and both refuse a query alike
                    response = httpx.get(f"{api.url}/api/v1/query", params={"query": "sum("})
                    assert response.status_code == 400
                    body = response.json()
                    assert body.keys() >= {"status", "errorType", "error"}
                    assert (body["status"], body["errorType"]) == ("error", "bad_data")
        real_port = int(real.url.rsplit(":", 1)[1])
    assert real.process.poll() is not None and port_is_closed(real_port)
    assert not real.directory.exists()


def test_an_unknown_query_is_a_400_in_prometheus_error_format(simulated):
    _, prom = simulated
    for path, extra in (("query", {}), ("query_range", {"start": 1, "end": 2, "step": "1s"})):
        response = httpx.get(f"{prom.url}/api/v1/{path}", params={"query": "up", **extra})
        assert response.status_code == 400
        body = response.json()
        assert body["status"] == "error" and body["errorType"] == "bad_data"
        assert "up" in body["error"]
    with pytest.raises(PrometheusApiClientException, match="400"):
        PrometheusConnect(prom.url).custom_query("up")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"time": "yesterday"}, 'invalid parameter "time"'),
        ({"start": 10, "end": 5, "step": "1s"}, "end timestamp must not be before start time"),
        ({"start": 0, "end": 10, "step": "0"}, "zero or negative query resolution"),
        ({"start": 0, "end": 100_000, "step": "1s"}, "exceeded maximum resolution"),
        ({"start": 0, "end": 10, "step": "fast"}, 'invalid parameter "step"'),
    ],
)
def test_bad_parameters_are_refused_as_prometheus_does(simulated, params, message):
    _, prom = simulated
    path = "query_range" if "step" in params else "query"
    response = httpx.get(f"{prom.url}/api/v1/{path}", params={"query": SSE, **params})
    assert response.status_code == 400 and message in response.json()["error"]


def test_ready_buildinfo_and_post(simulated):
    _, prom = simulated
    assert httpx.get(f"{prom.url}/-/ready").status_code == 200
    info = httpx.get(f"{prom.url}/api/v1/status/buildinfo").json()
    assert info["status"] == "success" and info["data"]["version"]
    posted = httpx.post(f"{prom.url}/api/v1/query", data={"query": SSE}).json()
    assert posted["status"] == "success" and posted["data"]["resultType"] == "vector"


def test_range_queries_answer_a_matrix_of_past_samples(simulated, clock):
    _, prom = simulated
    started = clock.now()  # the first scrape: at start
    clock.advance(1.0)
    assert scrapes(prom) == 6  # at start and every 0.2 s
    end = datetime.fromtimestamp(clock.now(), UTC)
    result = PrometheusConnect(prom.url).custom_query_range(
        SSE, end - timedelta(seconds=30), end, "500ms"
    )
    assert {series["metric"]["version"] for series in result} == {"blue", "green"}
    for series in result:  # only where samples exist: nothing before the first scrape
        stamps = [t for t, _ in series["values"]]
        assert stamps == [started, started + 0.5, started + 1.0]


def test_no_traffic_reads_nan_through_the_cockpits_source(cluster, clock):
    with (
        ErpService(cluster.store, rate=0.0, seed=1, clock=clock) as erp,
        SimulatedPrometheus(erp.registries, scrape_interval=0.1, clock=clock) as prom,
    ):
        clock.advance(0.5)
        events: list[ev.Event] = []
        settings = PrometheusSettings(
            url=prom.url, queries={"p95": P95, "error_rate": ERRORS, "sse": SSE}
        )
        source = PrometheusSource(settings, events.append)
        source.poll(source._client())
    assert [e.state for e in events if isinstance(e, ev.SourceStatus)] == ["ok"]
    observed = [e for e in events if isinstance(e, ev.MetricObserved)]
    assert {e.metric for e in observed} == {"p95", "error_rate", "sse"}
    for event in observed:
        assert event.samples, event.metric
        for sample in event.samples:
            if event.metric == "sse":
                assert sample["value"] == ("40" if sample["labels"]["version"] == "blue" else "0")
            else:
                assert sample["value"] == "NaN", event.metric
