"""Green against blue end to end: exporter → real Prometheus → the cockpit's source → the
window's verdict. A green like blue passes; a green worse than blue fails the comparison
even while it stays within every threshold of the runbook, and holds the window.

Both versions take requests from one thread, so a good green's counters move exactly as
blue's and the test cannot fail by chance; the session's `speed` brings the comparison's
sample spacing from 30 s down to 1 s, so eight samples a side take seconds, not minutes.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from cockpit.model.compare import FAIL, PASS
from cockpit.model.config import Config
from cockpit.model.evidence import rejudge
from cockpit.runtime.session import open_session
from cockpit.sources.prometheus import PrometheusSettings, PrometheusSource
from cockpit.ui.app import CockpitApp
from tests.helpers.poll import eventually_async
from tests.helpers.prometheus import WINDOW_LAYOUT  # the two panes of test_window_rules

PLAN = """\
title: Plan
success:
- {name: Error-Rate < 1%, metric: error_rate, condition: < 1%}
- {name: P95 < 500ms, metric: p95_latency, condition: < 500ms}
rollback_triggers:
- {name: Error-Rate > 5%, metric: error_rate, condition: '> 5%', for: 2m}
- {name: P95 > 2000ms, metric: p95_latency, condition: '> 2000ms', for: 2m}
sections:
- {id: s, title: S, items: [{id: s/i, text: Watch}]}
"""


class Traffic:
    """Blue and green requests side by side: per round, `errors[v]` of 1000 fail and five
    requests take `latency[v]` seconds."""

    def __init__(self, exporter, errors: dict[str, int], latency: dict[str, float]) -> None:
        self.exporter, self.errors, self.latency = exporter, errors, latency
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            for version in ("blue", "green"):
                failed = self.errors[version]
                self.exporter.requests.labels(status="500", version=version).inc(failed)
                self.exporter.requests.labels(status="200", version=version).inc(1000 - failed)
                for _ in range(5):
                    self.exporter.latency.labels(version=version).observe(self.latency[version])
            time.sleep(0.05)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)


def build(tmp_path, url: str) -> CockpitApp:
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "window.yaml").write_text(WINDOW_LAYOUT)
    session = open_session(
        Config.model_validate(
            {"layout": str(tmp_path / "window.yaml"), "operator": "alice@bastion"}
            | {"namespace": "production", "timezone": "UTC"}
        )
    )
    session = replace(session, speed=30.0)  # samples 1 s apart instead of 30 s
    settings = PrometheusSettings(
        url=url, queries=session.workspace.layout.queries, values=session.values, interval=0.5
    )
    return CockpitApp(
        session, tick_seconds=0.25, sources=[lambda emit: PrometheusSource(settings, emit)]
    )


def compared(app: CockpitApp) -> dict[str, dict]:
    return {i["metric"]: i for i in app.state.window.evidence if i["kind"] == "compare"}


async def judged_as(tmp_path, exporter, prometheus, errors, latency, outcome) -> CockpitApp:
    traffic = Traffic(exporter, errors, latency)
    app = build(tmp_path, prometheus.url)
    try:
        async with app.run_test(size=(160, 40)) as pilot:

            def settled() -> bool:
                found = compared(app)
                return set(found) == {"error_rate", "p95_latency"} and all(
                    i["state"] == outcome for i in found.values()
                )

            await eventually_async(
                settled, what=f"both comparisons at {outcome}", timeout=60, pause=pilot.pause
            )
            app.shutdown(0)
    finally:
        traffic.close()
    return app


async def test_a_green_like_blue_passes(tmp_path, exporter, prometheus):
    same = {"blue": 2, "green": 2}
    app = await judged_as(tmp_path, exporter, prometheus, same, {"blue": 0.08, "green": 0.08}, PASS)
    for item in compared(app).values():
        assert item["n_blue"] >= 8 and item["n_green"] >= 8 and item["counts"]
        assert item["effect"] == "no difference" or item["p"] > 0.05
    assert app.state.window.state == "OK"
    assert rejudge(app.state.window.evidence) == "OK"


async def test_a_green_worse_than_blue_within_the_thresholds_fails(tmp_path, exporter, prometheus):
    errors = {"blue": 2, "green": 6}  # 0.2 % against 0.6 %: both below 1 %
    latency = {"blue": 0.08, "green": 0.3}  # P95 ≈ 98 ms against ≈ 488 ms: both below 500 ms
    app = await judged_as(tmp_path, exporter, prometheus, errors, latency, FAIL)
    for item in compared(app).values():
        assert item["effect"] == "green higher" and item["p"] < 0.01
    window = app.state.window
    assert window.state == "HOLD"  # the comparison alone holds it: no threshold is crossed
    assert all(
        reason.startswith(
            (
                "Green vs blue on error_rate: Fail: green higher",
                "Green vs blue on p95_latency: Fail: green higher",
            )
        )
        for reason in window.reasons
    )
    assert len(window.reasons) == 2
    assert rejudge(window.evidence) == "HOLD"
