"""OK → HOLD → ROLLBACK by the runbook's rules, end to end: exporter → real Prometheus → cockpit.

The test's exporter serves the traffic it makes up; Debian's Prometheus scrapes it every
second; the cockpit's Prometheus source asks twice a second and the app judges the window
from what came back. Rates over 10 s windows and a 3 s `for` keep the test short.
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta

from cockpit.model.config import Config
from cockpit.runtime.session import open_session
from cockpit.sources.prometheus import PrometheusSettings, PrometheusSource
from cockpit.ui.app import CockpitApp
from cockpit.ui.widgets.status_bar import StatusBar
from tests.helpers.poll import eventually_async
from tests.helpers.prometheus import QUERIES, WINDOW_LAYOUT

PLAN = """\
title: Plan
success:
- {name: Error-Rate < 1%, metric: error_rate, condition: < 1%}
- {name: P95 < 500ms, metric: p95_latency, condition: < 500ms}
rollback_triggers:
- {name: Error-Rate > 5%, metric: error_rate, condition: '> 5%', for: 3s}
sections:
- {id: s, title: S, items: [{id: s/i, text: Watch}]}
"""


class Traffic:
    """Green's requests: `errors` of every 100 fail; a thread keeps them coming."""

    def __init__(self, exporter) -> None:
        self.exporter, self.errors = exporter, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            self.exporter.requests.labels(status="500", version="green").inc(self.errors)
            self.exporter.requests.labels(status="200", version="green").inc(100 - self.errors)
            for _ in range(5):
                self.exporter.latency.labels(version="green").observe(0.08)
            time.sleep(0.05)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)


def build(tmp_path, url: str, layout: str = "window.yaml") -> CockpitApp:
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "window.yaml").write_text(WINDOW_LAYOUT)
    session = open_session(
        Config.model_validate(
            {"layout": str(tmp_path / layout), "operator": "alice@bastion"}
            | {"namespace": "production", "timezone": "UTC"}  # no cluster: Prometheus only
        )
    )
    settings = PrometheusSettings(
        url=url,
        queries=session.workspace.layout.queries,
        values=session.values,
        interval=0.5,
        backfill_step="1s",
    )
    return CockpitApp(
        session, tick_seconds=0.25, sources=[lambda emit: PrometheusSource(settings, emit)]
    )


async def wait_for(pilot, condition, what: str, timeout: float = 40.0) -> None:
    await eventually_async(condition, what=what, timeout=timeout, pause=pilot.pause)


def green_errors(app: CockpitApp) -> float | None:
    metric = app.state.metrics.get("errors")
    return metric.current().get("version=green") if metric else None


async def test_the_window_moves_ok_hold_rollback_by_the_runbook(tmp_path, exporter, prometheus):
    traffic = Traffic(exporter)
    app = build(tmp_path, prometheus.url)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await wait_for(pilot, lambda: app.state.window.state == "OK", "OK on clean traffic")
            assert app.state.window.reasons == ()
            assert "│ OK │" in str(app.query_one(StatusBar).render())

            traffic.errors = 3  # 3 %: short of success, not yet a trigger
            await wait_for(pilot, lambda: app.state.window.state == "HOLD", "HOLD at 3 %")
            assert any(
                re.fullmatch(r"Error-Rate < 1%: green is \d\.\d\d %", r)
                for r in app.state.window.reasons
            )
            assert "rollback" not in app.state.alerts

            traffic.errors = 20  # far past 5 %: the trigger fires once it held for 3 s
            await wait_for(pilot, lambda: app.state.window.state == "ROLLBACK", "ROLLBACK at 20 %")
            # held for its `for` by the samples' own times (not by when this test saw them)
            (fired,) = [
                item
                for item in app.state.window.evidence
                if item["rule"] == "Error-Rate > 5%" and item["state"] == "ROLLBACK"
            ]
            last = datetime.fromtimestamp(fired["samples"][-1][0], UTC)
            assert last - datetime.fromisoformat(fired["since"]) >= timedelta(seconds=3)
            alert = app.state.alerts["rollback"]
            assert alert.level == "critical" and "ROLLBACK TRIGGER Error-Rate > 5%: green" in (
                alert.message
            )
            assert "(for 3s)" in alert.message and "r starts the rollback" in alert.message
            assert app.query_one("#banner").display
            assert "│ ROLLBACK │" in str(app.query_one(StatusBar).render())
            # the value the banner names is the one Prometheus computed: within rate's jitter
            number, unit = alert.message.split(" at ")[1].split()[:2]
            assert unit == "%" and 5 < float(number) <= 21  # past the trigger, at most 20 %

            traffic.errors = 0  # healed: the banner goes, the window is OK again
            await wait_for(pilot, lambda: app.state.window.state == "OK", "OK after healing")
            assert "rollback" not in app.state.alerts and not app.query_one("#banner").display
            since = datetime.fromisoformat(app.state.window.since)
            assert since <= datetime.fromisoformat(app.state.now or "")
            app.shutdown(0)
    finally:
        traffic.close()


QUIET_QUERIES = {
    "errors": QUERIES["errors"].replace("[10s]", "[60s]"),
    "traffic": 'sum by (version) (rate(http_requests_total{service="${service}"}[3s]))',
}
QUIET_LAYOUT = f"""\
title: Blue goes quiet
vars: {{service: valeo-erp}}
checklists: {{plan: plan.yaml}}
rules: plan
traffic: traffic
queries: {json.dumps(QUIET_QUERIES)}
rows:
  - panes:
      - {{id: errors, kind: metric, query: errors, metric: error_rate, unit: ratio}}
"""


async def test_blue_without_requests_says_no_traffic_while_its_rates_linger(
    tmp_path, exporter, prometheus
):
    """After the cutover: blue's 60 s error ratio still holds a healthy value for a minute;
    measured at 0 requests/s, the pane says "no traffic" instead of showing it."""
    blue = Traffic(exporter)
    blue_version = threading.Event()

    def blue_requests() -> None:
        while not blue_version.is_set():
            exporter.requests.labels(status="200", version="blue").inc(50)
            time.sleep(0.05)

    exporter.requests.labels(status="500", version="blue")  # a series at 0: no errors
    driver = threading.Thread(target=blue_requests, daemon=True)
    driver.start()
    (tmp_path / "quiet.yaml").write_text(QUIET_LAYOUT)
    app = build(tmp_path, prometheus.url, layout="quiet.yaml")
    try:
        async with app.run_test(size=(160, 40)) as pilot:

            def blue_line() -> str:
                lines = str(app.query_one("#errors").render()).splitlines()
                return next((line for line in lines if line.startswith("blue")), "")

            await wait_for(pilot, lambda: "0.00 %" in blue_line(), "blue's traffic, 0 errors")
            blue_version.set()  # the cutover: blue takes no more requests
            await wait_for(pilot, lambda: "no traffic" in blue_line(), "blue: no traffic")
            lingering = app.state.metrics["errors"].current()["version=blue"]
            assert lingering == 0.0  # its 60 s ratio still says "0 % errors": healthy-looking
            assert "0.00 %" not in blue_line() and " ok " not in blue_line()
            app.shutdown(0)
    finally:
        blue.close()
        blue_version.set()
        driver.join(5)
