"""The Prometheus source against a real Prometheus scraping an exporter the test drives."""

import base64
import http.server
import math
import threading
import time
from collections.abc import Callable
from typing import ClassVar

import pytest

from cockpit.model.reduce import reduce
from cockpit.model.state import SourceState, State
from cockpit.runtime.sources import source_factories
from cockpit.sources.prometheus import PrometheusSettings, PrometheusSource
from tests.helpers.poll import eventually
from tests.helpers.prometheus import QUERIES
from tests.latency_proxy import LatencyProxy
from tests.ui.apps import make_session

VALUES = {"namespace": "production", "service": "valeo-erp"}


class Watched:
    def __init__(self, url, **settings):
        self.events = []
        self.lock = threading.Lock()
        settings = PrometheusSettings(
            url=url,
            queries=QUERIES,
            values=VALUES,
            backfill_step="1s",
            **({"interval": 0.5} | settings),
        )
        self.source = PrometheusSource(settings, self.add)
        self.thread = threading.Thread(target=self.source.run, daemon=True)
        self.thread.start()

    def add(self, event):
        with self.lock:
            self.events.append(event)

    def state(self):
        with self.lock:
            events = list(self.events)
        state = State()
        for event in events:
            state = reduce(state, event)
        return state

    def wait(self, condition: Callable[[State], object], timeout=20.0, what="") -> State:
        def arrived() -> State | None:
            state = self.state()
            return state if condition(state) else None

        return eventually(
            arrived, what=what, timeout=timeout, every=0.1, seen=lambda: self.state().sources
        )

    def stop(self):
        self.source.stop()
        self.thread.join(10)
        assert not self.thread.is_alive()


@pytest.fixture
def watched(prometheus):
    w = Watched(prometheus.url)
    yield w
    w.stop()


def current(state, name):
    metric = state.metrics.get(name)
    return metric.current() if metric else {}


def traffic(exporter, stop, errors_per_20=1, latency=0.3):
    """Steady traffic on green: `errors_per_20` of every 20 requests fail."""
    while not stop.is_set():
        exporter.requests.labels(status="500", version="green").inc(errors_per_20)
        exporter.requests.labels(status="200", version="green").inc(20 - errors_per_20)
        for _ in range(5):
            exporter.latency.labels(version="green").observe(latency)
        time.sleep(0.05)


def test_values_are_what_the_exporter_produced(exporter, watched):
    exporter.sse.labels(version="blue").set(120)
    exporter.sse.labels(version="green").set(80)
    stop = threading.Event()
    driver = threading.Thread(target=traffic, args=(exporter, stop), daemon=True)
    driver.start()
    try:
        state = watched.wait(
            lambda s: (
                current(s, "sse") == {"version=blue": 120.0, "version=green": 80.0}
                and "version=green" in current(s, "errors")
                and "version=green" in current(s, "p95")
            ),
            what="sse, error ratio and p95",
        )
    finally:
        stop.set()
        driver.join()
    assert current(state, "errors")["version=green"] == pytest.approx(0.05, abs=0.01)
    assert 0.25 < current(state, "p95")["version=green"] <= 0.5  # the 0.25-0.5 s bucket
    assert state.sources["prometheus"].state == "ok"


def test_no_traffic_is_nan_and_a_missing_series_is_empty(exporter, watched):
    exporter.requests.labels(status="500", version="blue")  # exists, stays at 0
    exporter.requests.labels(status="200", version="blue").inc(100)  # then nothing more
    state = watched.wait(
        lambda s: math.isnan(current(s, "errors").get("version=blue", 0.0)),
        what="0/0 = NaN for blue",
    )
    assert state.metrics["purple"].empty and current(state, "purple") == {}


def test_prometheus_down_is_reported_and_recovery_is_seen(exporter, prometheus, watched):
    exporter.sse.labels(version="green").set(7)
    state = watched.wait(lambda s: current(s, "sse").get("version=green") == 7.0)
    answered = state.metrics["sse"].at
    prometheus.stop()
    state = watched.wait(lambda s: s.sources["prometheus"].state == "unreachable", what="down")
    assert state.metrics["sse"].at == answered  # the last answer keeps its time: stale, not new
    assert "version=green" in current(state, "sse")
    prometheus.start()
    exporter.sse.labels(version="green").set(9)
    watched.wait(
        lambda s: (
            s.sources["prometheus"].state == "ok" and current(s, "sse").get("version=green") == 9.0
        ),
        timeout=30,
        what="recovery",
    )


def said(state: State) -> SourceState:
    return state.sources.get("prometheus") or SourceState(state="nothing yet")


def test_a_slow_prometheus_is_said_slow_since_then_recovers(exporter, prometheus):
    exporter.sse.labels(version="green").set(3)
    proxy = LatencyProxy(prometheus.port, delay=1.5)  # every answer later than the timeout
    w = Watched(proxy.url, timeout=0.5)
    try:
        state = w.wait(lambda s: said(s).state == "slow", what="slow")
        assert "no answer within 0.5 s" in state.sources["prometheus"].detail
        since = state.sources["prometheus"].since
        proxy.delay = 0.3  # answers in time, but 4 queries take longer than the interval
        state = w.wait(lambda s: "queries took" in said(s).detail, what="a slow round")
        assert state.sources["prometheus"].since == since  # slow all along, since then
        proxy.delay = 0.0
        w.wait(lambda s: said(s).state == "ok", what="fast again")
    finally:
        w.stop()
        proxy.close()


def test_the_backfill_gives_the_sparklines_a_past(exporter, prometheus):
    exporter.sse.labels(version="green").set(5)
    first = Watched(prometheus.url)  # until Prometheus has scraped the series at all …
    first.wait(lambda s: "version=green" in current(s, "sse"), what="first scrape")
    first.stop()
    time.sleep(4)  # … and then a few seconds more of it
    w = Watched(prometheus.url)
    try:
        state = w.wait(
            lambda s: "version=green" in current(s, "sse"), what="backfill and first answer"
        )
        series = state.metrics["sse"].series["version=green"]
        assert len(series.samples) >= 3  # a few seconds of past, then the first instant answer
        assert [p.t for p in series.samples] == sorted(p.t for p in series.samples)
    finally:
        w.stop()


class Recording(http.server.BaseHTTPRequestHandler):
    """A query API stand-in that keeps the Authorization headers it was sent."""

    seen: ClassVar[list[str | None]] = []

    def do_GET(self):
        Recording.seen.append(self.headers.get("Authorization"))
        body = b'{"status":"success","data":{"resultType":"vector","result":[]}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"COCKPIT_PROMETHEUS_TOKEN": "s3cret"}, "Bearer s3cret"),
        (
            {"COCKPIT_PROMETHEUS_USER": "ops", "COCKPIT_PROMETHEUS_PASSWORD": "pw"},
            "Basic " + base64.b64encode(b"ops:pw").decode(),
        ),
        ({}, None),
    ],
)
def test_credentials_from_the_environment_reach_prometheus(monkeypatch, environ, expected):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recording)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Recording.seen = []
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        session = make_session("go-live", context=None, prometheus={"url": url})
        (factory,) = source_factories(session)
        source = factory(lambda event: None)
        source.poll(source._client())
    finally:
        server.shutdown()
    assert Recording.seen and set(Recording.seen) == {expected}


def test_a_failing_query_is_said_at_once_not_after_the_rest_of_the_round(prometheus):
    # the round goes on to the other queries (each may wait out its timeout): the window
    # must hold from the first failure, not from the round's end
    events = []
    settings = PrometheusSettings(
        url=prometheus.url,
        queries={"broken": "sum(", "sse": QUERIES["sse"]},
        values=VALUES,
    )
    source = PrometheusSource(settings, events.append)
    source.poll(source._client())
    kinds = [(type(e).__name__, getattr(e, "state", getattr(e, "metric", ""))) for e in events]
    assert kinds == [("SourceStatus", "error"), ("MetricObserved", "sse")]
    assert events[0].detail.startswith("query broken: ")
