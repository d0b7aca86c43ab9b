"""`w` shows why: the evidence of the verdict, from the banner, a metric pane or the gate."""

from __future__ import annotations

import io
from datetime import timedelta

from rich.console import Console

from cockpit.model import events as ev
from cockpit.ui.screens.why import WhyScreen
from cockpit.ui.widgets.banner import Banner
from cockpit.ui.widgets.gate_pane import GatePane
from cockpit.ui.widgets.metric_pane import MetricPane
from tests.ui.apps import NOW

BIG = (200, 60)
QUERY = 'status=~"5.."}[5m]))'  # the end of the go-live layout's error-rate PromQL


def errors(app, green: float, blue: float = 0.002, every: float = 5.0, count: int = 40):
    """Error rates up to now, `every` seconds apart, as Prometheus's backfill gives them."""
    samples = tuple(
        {"labels": {"version": version}, "t": (NOW - timedelta(seconds=every * i)).timestamp()}
        | {"value": str(value)}
        for i in range(count - 1, -1, -1)
        for version, value in (("blue", blue), ("green", green))
    )
    app.dispatch(ev.MetricObserved(metric="error_rate", samples=samples, instant=False))
    app.dispatch(ev.SourceStatus(source="prometheus", state="ok", at=app.now()))
    app._judge_window()


def shown(screen: WhyScreen) -> str:
    console = Console(width=180, file=io.StringIO(), record=True)
    console.print(screen.heading)
    console.print(screen.body)
    return console.export_text()


async def test_from_the_banner_the_trigger_that_fired_with_its_samples(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        errors(app, green=0.07)  # 7 % for 200 s: past "> 5% for 2m"
        await pilot.pause()
        assert app.state.window.state == "ROLLBACK"
        banner = str(app.query_one(Banner).render())
        assert "r starts the rollback · w: why" in banner
        await pilot.press("w")
        assert isinstance(app.screen, WhyScreen)
        text = shown(app.screen)
        assert "Why: window ROLLBACK since 11:42:05" in text
        assert "ROLLBACK Error-Rate > 5% — green" in text
        assert "trigger: > 5% for 2m; a sample older than 30s is stale" in text
        assert "held since 11:38:50" in text  # the first of the 40 samples, Berlin time
        assert QUERY in text and 'service="valeo-erp"' in text  # as sent: filled in
        assert "11:42:05  7.00 %" in text and "… and 15 earlier" in text  # 25 kept
        assert "HOLD     Error-Rate < 1% — green" in text  # the success criterion, too
        assert "Error-Rate > 5% — blue" not in text  # only what keeps the window from OK
        await pilot.press("escape")
        assert not isinstance(app.screen, WhyScreen)
        await pilot.click(Banner)  # the banner itself opens it too
        assert isinstance(app.screen, WhyScreen)


async def test_from_a_metric_pane_its_metric_and_from_the_gate_everything(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        errors(app, green=0.004, every=30, count=20)
        app.dispatch(ev.Focus(pane="errors"))
        await pilot.pause()
        assert isinstance(app.focused, MetricPane)
        await pilot.press("w")
        text = shown(app.screen)
        assert "— Error rate" in text.splitlines()[0]
        assert "OK       Error-Rate > 5% — blue" in text and "P95" not in text
        assert (
            "Fail     Green vs blue on error_rate — green vs blue" in text
            and "Fail: green higher" in text
        )  # 0.4 % against 0.2 %
        await pilot.press("escape")
        app.dispatch(ev.Focus(pane="gate"))
        await pilot.pause()
        await pilot.press("w")
        text = shown(app.screen)
        assert "P95-Latency < 500ms — no series" in text
        assert "no samples: nothing to judge on, so not a pass" in text


async def test_outside_text_is_shown_never_obeyed_or_read_as_markup(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        item = {
            "kind": "success",
            "rule": "[bold red]pwned[/] \x1b]0;title\x07",
            "metric": "error_rate",
            "series": "green",
            "query": "up\x1b[2J password=hunter2",
            "condition": "< 1%",
            "for": "0s",
            "fresh": "1m",
            "window": ["", NOW.isoformat()],
            "now": NOW.isoformat(),
            "samples": [[NOW.timestamp(), "0.5"]],
            "state": "HOLD",
            "since": "",
            "counts": True,
        }
        app.dispatch(ev.WindowJudged(state="HOLD", reasons=("x",), at=app.now(), evidence=(item,)))
        await pilot.press("w")
        text = shown(app.screen)
        assert "[bold red]pwned[/]" in text and "␛]0;title␇" in text
        assert "\x1b" not in text and "hunter2" not in text and "password=***" in text


SHADOW_PLAN = """\
title: Plan
success:
- {name: Error-Rate < 1%, metric: error_rate, condition: < 1%}
rollback_triggers:
- {name: Error-Rate > 0.3%, metric: error_rate, condition: '> 0.3%', for: 1m, shadow: true}
gates:
- {id: go, title: Go/No-Go, criteria: [{name: Window healthy, window: true}]}
sections:
- {id: s, title: S, items: [{id: s/i, text: Watch}]}
"""
SHADOW_LAYOUT = """\
title: Shadow
vars: {service: valeo-erp}
checklists: {plan: plan.yaml}
rules: plan
queries: {error_rate: 'sum by (version) (rate(x[5m]))'}
rows:
  - panes:
      - {id: gate, kind: gate, checklist: plan, width: 60}
      - {id: errors, kind: metric, query: error_rate, metric: error_rate, unit: ratio}
"""


async def test_shadow_rules_and_their_comparison_are_shown_and_change_nothing(make_app, tmp_path):
    (tmp_path / "plan.yaml").write_text(SHADOW_PLAN)
    (tmp_path / "shadow.yaml").write_text(SHADOW_LAYOUT)
    app = make_app(str(tmp_path / "shadow.yaml"))
    async with app.run_test(size=BIG) as pilot:
        errors(app, green=0.004, every=30, count=20)  # 0.4 % for 10 minutes: past 0.3 %
        await pilot.pause()
        window = app.state.window
        assert window.state == "OK"  # neither the shadow trigger nor its comparison act
        assert "rollback" not in app.state.alerts
        lines = str(app.query_one("#gate", GatePane).render()).splitlines()
        assert lines[0].strip() == "GO"
        assert "◌ shadow Error-Rate > 0.3%: green ROLLBACK" in lines
        assert any(line.startswith("≈ error_rate (shadow): Fail, p=") for line in lines)
        metric = str(app.query_one("#errors", MetricPane).render())
        assert "◌ shadow Error-Rate > 0.3%: ROLLBACK" in metric
        assert "≈ Green vs blue on error_rate: Fail: green higher" in metric


async def test_the_gate_and_the_metric_pane_show_green_against_blue(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        errors(app, green=0.004, every=30, count=20)
        await pilot.pause()
        lines = str(app.query_one("#gate", GatePane).render()).splitlines()
        assert any(line.startswith("≈ error_rate: Fail, p=") for line in lines)
        metric = str(app.query_one("#errors", MetricPane).render())
        assert "≈ Green vs blue on error_rate: Fail: green higher" in metric
        compared = next(line for line in metric.splitlines() if line.startswith("≈"))
        assert "(as of 11:42:05)" in compared  # its numbers are of when it was judged


async def test_a_soak_under_way_shows_green_against_blue_in_the_banner(make_app):
    from dataclasses import asdict

    from cockpit.actions.selector import SelectorMove
    from tests.helpers.kube import cluster, pods

    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        cluster(app, pods(3, "blue"), pods(3, "green"), selected="green")  # cut over
        errors(app, green=0.002, every=30, count=20)  # green like blue: Pass
        move = SelectorMove(
            service="valeo-erp",
            namespace="production",
            to="green",
            label="version",
            app="valeo-erp",
        )
        at, params = app.now(), {"move": asdict(move)}
        planned = dict(id="c@1", action="cutover", target="valeo-erp", title="Cut", params=params)
        app.dispatch(ev.ActionPlanned(**planned))
        app.dispatch(ev.ActionConfirmed(id="c@1", by="alice@bastion", at=at))
        app.dispatch(ev.ActionStep(id="c@1", step="verify", status="done", at=at))
        await pilot.pause()
        assert "green vs blue" not in str(app.query_one(Banner).render())  # not soaking yet
        app.dispatch(ev.ActionStep(id="c@1", step="soak", status="running", at=at))
        await pilot.pause()
        lines = str(app.query_one(Banner).render()).splitlines()
        action = next(line for line in lines if "ACTION" in line)
        assert action.endswith("soak running · green vs blue: error_rate Pass")
