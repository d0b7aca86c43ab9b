"""Metric panes say what Prometheus said: values against the runbook, NaN, empty, stale."""

from cockpit.model import events as ev
from cockpit.ui.widgets.metric_pane import MetricPane, show, sparkline

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
        await pilot.pause()
        p95 = text(app, "p95")
        assert "blue" in p95 and "231 ms" in p95 and "green" in p95 and "2500 ms" in p95
        assert "ROLLBACK" in p95  # 2.5 s > 2000ms, the deployment plan's trigger
        assert "ok < 500ms · rollback > 2000ms" in p95 and "as of 11:42:05" in p95
        errors = text(app, "errors")
        assert "0.40 %" in errors and "2.00 %" in errors and "HOLD" in errors  # 1 % < 2 % < 5 %


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
        assert "green at 0.072" in alert.message and "r starts the rollback" in alert.message
        assert app.query_one("#banner").display
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
