"""Metric panes say what Prometheus said: values against the runbook, NaN, empty, stale."""

from datetime import timedelta

from cockpit.model import events as ev
from cockpit.model.metrics import STALE_AFTER
from cockpit.model.units import format_value as show
from cockpit.ui.widgets.metric_pane import MetricPane, sparkline
from cockpit.ui.widgets.status_bar import StatusBar
from tests.ui.apps import NOW

BIG = (160, 48)
T = 1795257720.0  # 2026-11-21T10:42:00Z


def answer(metric, samples, at="2026-11-21T10:42:05+00:00"):
    return ev.MetricObserved(metric=metric, samples=tuple(samples), at=at)


def text(app, pane_id):
    return str(app.query_one(f"#{pane_id}", MetricPane).render())


async def test_values_side_by_side_against_the_runbook(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        app.dispatch(
            answer(
                "p95",
                [
                    {"labels": {"version": "blue"}, "t": T, "value": "0.231"},
                    {"labels": {"version": "green"}, "t": T, "value": "2.5"},
                ],
            )
        )
        app.dispatch(
            answer(
                "error_rate",
                [
                    {"labels": {"version": "blue"}, "t": T, "value": "0.004"},
                    {"labels": {"version": "green"}, "t": T, "value": "0.02"},
                ],
            )
        )
        app._derive_checks()  # the window is judged: the panes show that judgement
        await pilot.pause()
        p95 = text(app, "p95")
        assert "blue" in p95 and "231 ms" in p95 and "green" in p95 and "2500 ms" in p95
        # 2.5 s > 2000ms, the deployment plan's trigger — but it has not held for its 2m
        assert "ROLLBACK" not in p95 and "pending" in p95
        assert "↳ P95-Latency > 2000ms (for 2m) since 11:42:00" in p95
        assert "ok < 500ms · rollback > 2000ms for 2m" in p95 and "as of 11:42:05" in p95
        errors = text(app, "errors")
        assert "0.40 %" in errors and "2.00 %" in errors and "HOLD" in errors  # 1 % < 2 % < 5 %
        blue = next(line for line in errors.splitlines() if line.startswith("blue"))
        assert " ok " in blue

        later = "2026-11-21T10:44:05+00:00"  # the same 2.5 s for more than its 2 minutes
        app.dispatch(
            answer("p95", [{"labels": {"version": "green"}, "t": T + 125, "value": "2.5"}], later)
        )
        app.dispatch(ev.ClockTick(now=later))
        app._derive_checks()
        await pilot.pause()
        assert app.state.window.state == "ROLLBACK"
        green = [line for line in text(app, "p95").splitlines() if "green" in line]
        assert "ROLLBACK" in green[0]


async def test_nan_empty_and_stale_are_said_not_hidden(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        app.dispatch(
            answer("error_rate", [{"labels": {"version": "blue"}, "t": T, "value": "NaN"}])
        )
        app.dispatch(answer("sse", []))
        await pilot.pause()
        assert "NaN (no traffic)" in text(app, "errors") and "0.00 %" not in text(app, "errors")
        assert "empty vector" in text(app, "sse")
        app.dispatch(ev.ClockTick(now="2026-11-21T10:43:05+00:00"))
        app.dispatch(ev.SourceStatus(source="prometheus", state="unreachable", at="x"))
        await pilot.pause()
        assert "STALE (60 s old)" in text(app, "errors") and "prometheus unreachable" in text(
            app, "errors"
        )


def test_number_formats_and_sparkline():
    assert show(0.0123, "ratio") == "1.23 %" and show(0.75, "seconds") == "750 ms"
    assert show(float("nan"), "ratio") == "NaN (no traffic)" and show(120.0, "count") == "120"
    assert sparkline([0.0, 1.0, float("nan"), 0.5], 10) == "▁█ ▄"
    assert show(0.25, "cores") == "250m" and show(512 * 2**20, "bytes") == "512 MiB"


async def test_a_firing_rollback_trigger_raises_the_banner_and_a_recovery_lowers_it(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        for second in range(0, 181, 15):  # green above 5 % for three minutes
            app.dispatch(
                answer(
                    "error_rate",
                    [
                        {"labels": {"version": "green"}, "t": T - 180 + second, "value": "0.072"},
                    ],
                )
            )
        app._judge_window()
        await pilot.pause()
        alert = app.state.alerts["rollback"]
        assert alert.level == "critical" and "Error-Rate > 5%" in alert.message
        assert "green at 7.20 %" in alert.message and "r starts the rollback" in alert.message
        assert app.query_one("#banner").display
        assert app.state.window.state == "ROLLBACK"
        assert "│ ROLLBACK │" in str(app.query_one(StatusBar).render())
        app.dispatch(
            answer(
                "error_rate",
                [
                    {"labels": {"version": "green"}, "t": T + 5, "value": "0.004"},
                ],
            )
        )
        app._judge_window()
        await pilot.pause()
        assert "rollback" not in app.state.alerts and not app.query_one("#banner").display
        # recovered, but not OK: the P95 criterion has no data at all
        assert app.state.window.state == "HOLD"
        assert "P95-Latency < 500ms: no data" in app.state.window.reasons
        assert "│ HOLD │" in str(app.query_one(StatusBar).render())


async def test_per_pod_panes_name_pods_by_what_tells_them_apart(make_app):
    app = make_app()
    pods = ["valeo-erp-blue-6f9c-x2k4p", "valeo-erp-blue-6f9c-q8zzt", "valeo-erp-green-7d4b-mm2nd"]
    async with app.run_test(size=BIG) as pilot:
        app.dispatch(
            answer(
                "memory",
                [
                    {"labels": {"pod": pod}, "t": T, "value": str(n * 2**20)}
                    for n, pod in zip((412, 388, 530), pods, strict=True)
                ],
            )
        )
        app.dispatch(answer("cpu", [{"labels": {"pod": pods[0]}, "t": T, "value": "0.231"}]))
        await pilot.pause()
        memory = text(app, "memory").splitlines()
        # no rule of the runbook judges memory: "–", never an "ok" nobody decided
        assert memory[0].split() == ["blue-6f9c-q8zzt", "388", "MiB", "–"]
        assert memory[2].split() == ["green-7d4b-mm2nd", "530", "MiB", "–"]
        assert text(app, "cpu").split()[:2] == [pods[0], "231m"]  # one pod: its whole name


async def test_a_version_without_requests_says_no_traffic_not_its_old_rates(make_app):
    """Blue right after the cutover: its 5-minute rates still look healthy, it takes 0/s."""
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        app.dispatch(
            answer(
                "error_rate",
                [
                    {"labels": {"version": "blue"}, "t": T, "value": "0.002"},
                    {"labels": {"version": "green"}, "t": T, "value": "0.004"},
                ],
            )
        )
        app.dispatch(
            answer(
                "p95",
                [
                    {"labels": {"version": "blue"}, "t": T, "value": "0.12"},
                    {"labels": {"version": "green"}, "t": T, "value": "0.3"},
                ],
            )
        )
        await pilot.pause()
        assert "0.20 %" in text(app, "errors")  # no traffic measured yet: the value stands
        app.dispatch(
            answer(
                "traffic",
                [
                    {"labels": {"version": "blue"}, "t": T, "value": "0"},
                    {"labels": {"version": "green"}, "t": T, "value": "41.5"},
                ],
            )
        )
        await pilot.pause()
        for pane, green in (("errors", "0.40 %"), ("p95", "300 ms")):
            lines = text(app, pane).splitlines()
            blue = next(line for line in lines if line.startswith("blue"))
            assert "no traffic" in blue and " ok " not in blue
            assert "0.20 %" not in blue and "120 ms" not in blue
            assert green in next(line for line in lines if line.startswith("green"))
        sse = app.query_one("#sse", MetricPane)
        assert sse.traffic is None  # connections are counted, not rated: 0 is a value


async def test_the_pane_and_the_window_call_the_same_data_stale_at_the_same_moment(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        fresh = [{"labels": {"version": "blue"}, "t": T + 5, "value": "0.004"}]
        app.dispatch(answer("error_rate", fresh))
        app._judge_window()
        await pilot.pause()
        assert "STALE" not in text(app, "errors")
        assert not any("stale" in r for r in app.state.window.reasons)
        old = (NOW + STALE_AFTER + timedelta(seconds=1)).isoformat()  # past the one bound
        app.dispatch(ev.ClockTick(now=old))
        app._judge_window()
        await pilot.pause()
        assert "STALE (31 s old)" in text(app, "errors")
        assert "Error-Rate < 1%: blue data is stale" in app.state.window.reasons
        assert app.state.window.mark("error_rate", "blue")["state"] == "HOLD"
        assert "│ HOLD │" in str(app.query_one(StatusBar).render())
