"""Prometheus figures, against Debian's real Prometheus scraping an exporter this script drives.

    python bench/prometheus.py [--seconds 60] [--trials 8]

- Queries per minute and response bytes per minute for the go-live layout: the cockpit
  (one instant query per layout query every 5 s, one range backfill at start) beside a
  dashboard that redraws its 30-minute graphs with a range query per panel on every
  5-second refresh (what Grafana does), both counted by Prometheus itself
  (`prometheus_http_requests_total`, `prometheus_http_response_size_bytes_sum`) in the
  same run. Prometheus starts with 35 minutes of history (written with `promtool tsdb
  create-blocks-from openmetrics`), so the graphs have a past to fetch;
- time from a value changing at the exporter to the cockpit's widget showing it
  (median and max over the trials), at the source's default 5 s interval and at 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cockpit.model.config import Config
from cockpit.model.placeholders import fill
from cockpit.runtime.session import open_session
from cockpit.sim.service.prometheus import start_prometheus
from cockpit.sources.prometheus import PrometheusSettings, PrometheusSource
from cockpit.ui.app import CockpitApp
from cockpit.ui.widgets.metric_pane import MetricPane

LABELS = {"namespace": "production", "service": "valeo-erp"}


class Exporter:
    """The series the go-live queries read, with traffic in the background."""

    def __init__(self) -> None:
        from prometheus_client import (
            CollectorRegistry,
            Counter,
            Gauge,
            Histogram,
            start_http_server,
        )

        names = ["namespace", "service", "version"]
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total", "r", [*names, "status"], registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds", "l", names, registry=self.registry
        )
        self.sse = Gauge("sse_connections", "s", names, registry=self.registry)
        self.server, _ = start_http_server(0, addr="127.0.0.1", registry=self.registry)
        self.stop = threading.Event()
        threading.Thread(target=self._traffic, daemon=True).start()

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.server.server_port}"

    def _traffic(self) -> None:
        while not self.stop.is_set():
            for version in ("blue", "green"):
                self.requests.labels(**LABELS, version=version, status="200").inc(20)
                self.requests.labels(**LABELS, version=version, status="500").inc(1)
                self.latency.labels(**LABELS, version=version).observe(0.12)
            time.sleep(0.05)

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()


HISTORY = 35 * 60
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)


def history(target: str, directory: Path) -> Path:
    """35 minutes of the exporter's series, every 5 s, as TSDB blocks for Prometheus."""
    import subprocess

    now = int(time.time()) - 10
    stamps = range(now - HISTORY, now, 5)
    labels = 'job="valeo-erp",instance="{}",namespace="production",service="valeo-erp"'
    base = labels.format(target)
    lines = ["# TYPE http_requests counter"]
    for version in ("blue", "green"):
        for status, per_tick in (("200", 2000), ("500", 100)):
            lines += [
                f'http_requests_total{{{base},version="{version}",status="{status}"}} '
                f"{n * per_tick} {t}"
                for n, t in enumerate(stamps)
            ]
    lines.append("# TYPE http_request_duration_seconds histogram")
    for version in ("blue", "green"):
        series = f'{base},version="{version}"'
        for n, t in enumerate(stamps):
            for le in BUCKETS:
                count = n * 100 if le >= 0.25 else n * 100 * le * 4
                lines.append(
                    f'http_request_duration_seconds_bucket{{{series},le="{le}"}} {count} {t}'
                )
            lines.append(
                f'http_request_duration_seconds_bucket{{{series},le="+Inf"}} {n * 100} {t}'
            )
            lines.append(f"http_request_duration_seconds_count{{{series}}} {n * 100} {t}")
            lines.append(f"http_request_duration_seconds_sum{{{series}}} {n * 12.0} {t}")
    lines.append("# TYPE sse_connections gauge")
    for version in ("blue", "green"):
        lines += [f'sse_connections{{{base},version="{version}"}} 120 {t}' for t in stamps]
    lines.append("# EOF")
    source = directory / "history.om"
    source.write_text("\n".join(lines) + "\n")
    blocks = directory / "blocks"
    subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q", str(source), str(blocks)],
        check=True,
        capture_output=True,
    )
    return blocks


def session():
    root = Path(__file__).resolve().parents[1]
    config = {"layout": str(root / "layouts" / "go-live.yaml"), "operator": "bench@bench"}
    return open_session(Config.model_validate(config | {"namespace": "production"}))


def counted(url: str) -> tuple[float, float, float]:
    """(requests, response bytes on the wire, seconds of query evaluation) served so far."""
    text = httpx.get(f"{url}/metrics", timeout=5).text
    requests = size = evaluation = 0.0
    for line in text.splitlines():
        value = line.rsplit(" ", 1)[-1]
        if line.startswith("prometheus_engine_query_duration_seconds_sum") and (
            'slice="inner_eval"' in line
        ):
            evaluation += float(value)
        if 'handler="/api/v1/query' not in line:
            continue
        if line.startswith("prometheus_http_requests_total"):
            requests += float(value)
        elif line.startswith("prometheus_http_response_size_bytes_sum"):
            size += float(value)
    return requests, size, evaluation


def delta(before: tuple[float, ...], after: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(a - b for a, b in zip(after, before, strict=True))


def cockpit_load(url: str, queries: dict[str, str], values, seconds: float) -> tuple[float, ...]:
    before = counted(url)
    settings = PrometheusSettings(url=url, queries=queries, values=values)
    source = PrometheusSource(settings, lambda event: None)
    thread = threading.Thread(target=source.run, daemon=True)
    thread.start()
    time.sleep(seconds)
    source.stop()
    thread.join(10)
    return delta(before, counted(url))


def dashboard_load(
    url: str, queries: dict[str, str], values, seconds: float
) -> tuple[float, float]:
    """A range query per panel, 30 minutes at a 15 s step, on every 5-second refresh."""
    before = counted(url)
    deadline = time.monotonic() + seconds
    with httpx.Client(timeout=10) as client:
        while time.monotonic() < deadline:
            now = time.time()
            for query in queries.values():
                params = {"query": fill(query, values), "start": now - 1800, "end": now}
                client.get(f"{url}/api/v1/query_range", params=params | {"step": 15})
            time.sleep(max(0.0, 5.0 - (time.time() - now)))
    return delta(before, counted(url))


async def change_to_widget(
    url: str, exporter: Exporter, interval: float, trials: int
) -> list[float]:
    """Set the SSE gauge to a new value; time until the pane shows it."""
    sess = session()
    settings = PrometheusSettings(
        url=url, queries=sess.workspace.layout.queries, values=sess.values, interval=interval
    )
    app = CockpitApp(
        sess, tick_seconds=1.0, sources=[lambda emit: PrometheusSource(settings, emit)]
    )
    seen: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one("#sse", MetricPane)
        for trial in range(trials):
            value = 1000 + trial * 7 + int(interval)
            started = time.monotonic()
            exporter.sse.labels(**LABELS, version="green").set(value)
            while f" {value} " not in str(pane.render()):
                await pilot.pause(0.02)
                if time.monotonic() - started > 30:
                    raise RuntimeError(f"the widget never showed {value}")
            seen.append(time.monotonic() - started)
            await pilot.pause(interval * 0.37)  # do not start in step with the poll
        app.shutdown(0)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--trials", type=int, default=8)
    args = parser.parse_args()
    exporter = Exporter()
    sess = session()
    queries, values = dict(sess.workspace.layout.queries), sess.values
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="cockpit-bench-"))
    blocks = history(exporter.target, scratch)
    with start_prometheus([exporter.target], scrape_interval=1.0, blocks=blocks) as prometheus:
        time.sleep(8)  # Prometheus scrapes a little before the first answer has data
        per_minute = 60.0 / args.seconds
        ours = cockpit_load(prometheus.url, queries, values, args.seconds)
        theirs = dashboard_load(prometheus.url, queries, values, args.seconds)
        print(f"go-live layout: {len(queries)} queries, {args.seconds:g} s each")
        for name, (n, size, evaluation) in (("cockpit", ours), ("dashboard", theirs)):
            print(
                f"  {name:<10} {n * per_minute:6.1f} queries/min  "
                f"{size * per_minute / 1024:7.1f} KiB/min on the wire  "
                f"{evaluation * per_minute * 1000:7.1f} ms/min of PromQL evaluation"
            )
        print(
            f"  dashboard/cockpit: {theirs[0] / ours[0]:.2f}× queries, "
            f"{theirs[1] / ours[1]:.2f}× bytes, {theirs[2] / ours[2]:.2f}× evaluation"
        )
        for interval in (5.0, 1.0):
            times = asyncio.run(change_to_widget(prometheus.url, exporter, interval, args.trials))
            print(
                f"exporter change → widget, poll every {interval:g} s, scrape 1 s: "
                f"median {statistics.median(times):.2f} s, max {max(times):.2f} s "
                f"({len(times)} trials)"
            )
    exporter.close()
    import shutil

    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
