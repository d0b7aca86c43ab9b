"""What the engineer sees, pinned: the main layouts at 80x24 (SSH) and 160x48.

Regenerate after an intended change with `pytest tests/ui/test_snapshots.py --snapshot-update`
and look at the report before committing.
"""

import pytest

from cockpit.audit.journal import Journal
from cockpit.audit.trail import AuditTrail
from cockpit.model import events as ev
from cockpit.ui.screens.action import ActionScreen
from cockpit.ui.widgets.pods_pane import PodsPane
from tests.helpers.kube import cluster, pods
from tests.helpers.poll import eventually_async

# the go-live checklist is the first page at 80x24 and the third pane at 160x48; its first
# tickable item is the first child of **PostgreSQL Database** (a parent waits for its items)
TICK_FIRST = {size: ["j", "j", "j", "space", "j"] for size in ((80, 24), (160, 48))}


async def results_and_a_note(pilot) -> None:
    """What sources and people leave on items: a passed check, a failed one, a note."""
    app = pilot.app
    base = "phase-2-deployment/production-deployment/health-checks"
    app.dispatch(
        ev.CheckResult(
            checklist="go-live", item=f"{base}/healthz-returns-200", status="pass", at=AT
        )
    )
    app.dispatch(
        ev.CheckResult(checklist="go-live", item=f"{base}/readyz-returns-200", status="fail", at=AT)
    )
    app.dispatch(
        ev.AddNote(
            checklist="go-live", item=f"{base}/all-pods-running-3-3", text="2/3", by="bob", at=AT
        )
    )
    await pilot.press("slash", *"health", "enter")


AT = "2026-11-21T10:41:00+00:00"


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_go_live(snap_compare, size, make_app):
    assert snap_compare(make_app("go-live"), terminal_size=size, press=TICK_FIRST[size])


def test_check_results_and_filter_at_80x24(snap_compare, make_app):
    assert snap_compare(make_app("go-live"), terminal_size=(80, 24), run_before=results_and_a_note)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_pre_deployment(snap_compare, size, make_app):
    assert snap_compare(make_app("pre-deployment"), terminal_size=size, press=["j", "j", "j"])


def test_go_live_timeline_page_at_80x24(snap_compare, make_app):
    assert snap_compare(make_app("go-live"), terminal_size=(80, 24), press=["tab"])


def test_help_at_80x24(snap_compare, make_app):
    assert snap_compare(make_app("go-live"), terminal_size=(80, 24), press=["question_mark"])


def test_no_color(snap_compare, monkeypatch, make_app):
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(make_app("go-live"), terminal_size=(80, 24), press=TICK_FIRST[(80, 24)])


# --- the risky moves and what the live panes say -----------------------------------------

T = 1795257720.0  # 2026-11-21T10:42:00Z
LATER = "2026-11-21T10:44:05+00:00"  # green's 2.5 s has held past the runbook's 2 minutes


def metrics(app, green_p95: str, at: str, t: float) -> None:
    def answer(metric, blue, green):
        samples = (
            {"labels": {"version": "blue"}, "t": t, "value": blue},
            {"labels": {"version": "green"}, "t": t, "value": green},
        )
        return ev.MetricObserved(metric=metric, samples=samples, at=at)

    app.dispatch(answer("p95", "0.231", green_p95))
    app.dispatch(answer("error_rate", "0.004", "0.02"))
    app.dispatch(answer("sse", "812", "0"))
    app.dispatch(ev.SourceStatus(source="prometheus", state="ok", at=at))


async def a_live_window(pilot, serving: str = "blue") -> None:
    """Blue 3/3, green 2 of 3 ready (one in CrashLoopBackOff), green's P95 high."""
    app = pilot.app
    green = pods(2, "green") + pods(1, "green", ready=False, reason="CrashLoopBackOff")
    green[2] = green[2] | {"name": "valeo-erp-green-00002"}
    cluster(app, pods(3, "blue"), green, selected=serving)
    metrics(app, "2.5", "2026-11-21T10:42:05+00:00", T)
    app._derive_checks()
    await pilot.pause()


async def a_rollback_trigger(pilot) -> None:
    """Cut over to green, two minutes on: the trigger has held its `for`, the banner is up."""
    await a_live_window(pilot, serving="green")
    app = pilot.app
    metrics(app, "2.5", LATER, T + 125)
    app.dispatch(ev.ClockTick(now=LATER))
    app._derive_checks()
    await pilot.pause()


def journaled_app(make_app, tmp_path):
    """Actions refuse without a journal: these apps keep one, as `cockpit run` does."""
    trail = AuditTrail(Journal(tmp_path / "journal.jsonl"))
    return make_app("go-live", trail=trail)


async def a_cutover_previewed(pilot) -> None:
    """`c` on a live window, once its plan (made in a thread) is on the screen."""
    await a_live_window(pilot)
    await pilot.press("c")
    await eventually_async(
        lambda: isinstance(pilot.app.screen, ActionScreen), what="the preview", pause=pilot.pause
    )


def test_cutover_preview_at_80x24(snap_compare, make_app, tmp_path):
    app = journaled_app(make_app, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=a_cutover_previewed)


def test_rollback_chooser_at_80x24(snap_compare, make_app, tmp_path):
    app = journaled_app(make_app, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=a_rollback_trigger, press=["r"])


def test_critical_banner_at_80x24(snap_compare, make_app, tmp_path):
    app = journaled_app(make_app, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=a_rollback_trigger)


def test_pods_and_metric_panes_at_160x48(snap_compare, make_app):
    """Just cut over: the pods pane (grouped, the Service's selection, a crash-looping pod)
    and the metric panes with each series' verdict: pending, HOLD, ok, and `–` unjudged."""

    async def focused_on_pods(pilot) -> None:
        await a_live_window(pilot, serving="green")
        pilot.app.query_one("#pods", PodsPane).catch_up()
        await pilot.pause()

    assert snap_compare(make_app("go-live"), terminal_size=(160, 48), run_before=focused_on_pods)
