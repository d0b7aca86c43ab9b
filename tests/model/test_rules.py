from datetime import UTC, datetime, timedelta

import pytest

from cockpit.model import events as ev
from cockpit.model.checklist import Rule, Runbook
from cockpit.model.evidence import rejudge
from cockpit.model.metrics import STALE_AFTER, stale
from cockpit.model.reduce import reduce
from cockpit.model.rules import HOLD, OK, PENDING, ROLLBACK, judge, judge_window
from cockpit.model.state import State, initial_state

T0 = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
SUCCESS = [
    Rule.model_validate({"name": "Error-Rate < 1%", "metric": "error_rate", "condition": "< 1%"}),
    Rule.model_validate(
        {"name": "Pods 3/3", "metric": "pods_ready", "condition": "ready == desired"}
    ),
]
TRIGGERS = [
    Rule.model_validate(
        {"name": "Error-Rate > 5%", "metric": "error_rate", "condition": "> 5%", "for": "2m"}
    ),
    Rule.model_validate({"name": "Critical bug"}),
]
SOURCES = {"error_rate": "errors"}


def metrics(points):
    """points: [(seconds after T0, {version: value})] as instant answers."""
    state = State()
    for offset, values in points:
        t = (T0 + timedelta(seconds=offset)).timestamp()
        samples = tuple(
            {"labels": {"version": v}, "t": t, "value": str(x)} for v, x in values.items()
        )
        state = reduce(state, ev.MetricObserved(metric="errors", samples=samples))
    return state.metrics


def verdict_at(points, seconds):
    return judge(SUCCESS, TRIGGERS, metrics(points), SOURCES, T0 + timedelta(seconds=seconds))


def test_ok_hold_rollback_with_the_for_duration():
    healthy = [(s, {"blue": 0.002, "green": 0.004}) for s in range(0, 300, 15)]
    assert verdict_at(healthy, 300).state == OK
    climbing = healthy + [(300 + s, {"blue": 0.002, "green": 0.03}) for s in range(0, 60, 15)]
    verdict = verdict_at(climbing, 350)
    assert verdict.state == HOLD and "green is 3.00 %" in verdict.reasons[0]  # the runbook's unit
    bad = climbing + [(360 + s, {"blue": 0.002, "green": 0.07}) for s in range(0, 150, 15)]
    assert verdict_at(bad, 400).state == HOLD  # > 5 % for 40 s: not yet 2 minutes
    fired = verdict_at(bad, 495)  # > 5 % since 360 s, last sample at 495 s: 2m15s
    assert fired.state == ROLLBACK
    (firing,) = fired.firing
    assert (firing.series, firing.value, firing.since) == (
        "green",
        0.07,
        T0 + timedelta(seconds=360),
    )


def test_a_dip_restarts_the_clock_and_old_data_does_not_fire():
    points = [(s, {"green": 0.07}) for s in range(0, 120, 15)] + [(120, {"green": 0.01})]
    points += [(135 + s, {"green": 0.07}) for s in range(0, 60, 15)]
    assert verdict_at(points, 200).state != ROLLBACK  # only 60 s since the dip
    long_bad = [(s, {"green": 0.07}) for s in range(0, 300, 15)]
    assert verdict_at(long_bad, 285).state == ROLLBACK
    assert verdict_at(long_bad, 285 + 600).state != ROLLBACK  # ten minutes without data


def test_no_data_and_nan_are_hold_not_ok():
    assert verdict_at([], 10).state == HOLD
    nan = verdict_at([(0, {"green": float("nan")})], 10)
    assert nan.state == HOLD and "no traffic (NaN)" in nan.reasons[0]


def test_only_the_versions_taking_traffic_judge_the_window():
    # green failed and was rolled back: its last five minutes still read 7 %, blue is fine
    points = [(s, {"blue": 0.002, "green": 0.07}) for s in range(0, 300, 15)]
    now = T0 + timedelta(seconds=300)
    assert judge(SUCCESS, TRIGGERS, metrics(points), SOURCES, now).state == ROLLBACK
    on_blue = judge(SUCCESS, TRIGGERS, metrics(points), SOURCES, now, live={"blue"})
    assert on_blue.state == OK and on_blue.reasons == ()
    on_green = judge(SUCCESS, TRIGGERS, metrics(points), SOURCES, now, live={"green"})
    assert on_green.state == ROLLBACK and on_green.firing[0].series == "green"


def test_each_series_carries_its_own_verdict_and_the_rule_that_decided_it():
    points = [(0, {"blue": 0.002, "green": 0.08}), (60, {"blue": 0.03, "green": 0.09})]
    marks = {m.series: m for m in verdict_at(points, 61).marks}
    assert (marks["green"].state, marks["green"].why) == (PENDING, "Error-Rate > 5% (for 2m)")
    assert marks["green"].since == T0.isoformat()  # held since the first sample over 5 %
    assert (marks["blue"].state, marks["blue"].why) == (HOLD, "Error-Rate < 1%: blue is 3.00 %")
    points.append((125, {"blue": 0.004, "green": 0.07}))
    marks = {m.series: m for m in verdict_at(points, 126).marks}
    assert marks["green"].state == ROLLBACK and marks["blue"].state == OK
    assert marks["blue"].why == "Error-Rate < 1%"


# --- staleness and an unreachable source: never OK on data no one can vouch for -----------

PLAN = Runbook.model_validate(
    {
        "title": "Plan",
        "success": [{"name": "Error-Rate < 1%", "metric": "error_rate", "condition": "< 1%"}],
        "rollback_triggers": [
            {"name": "Error-Rate > 5%", "metric": "error_rate", "condition": "> 5%", "for": "2m"}
        ],
    }
)


def window_at(seconds: float, *events: ev.Event, rules=PLAN):
    """The window judged `seconds` after T0, blue at 0.2 % every 15 s up to T0 + 60 s."""
    state = initial_state({"plan": rules})
    for offset in range(0, 61, 15):
        t = (T0 + timedelta(seconds=offset)).timestamp()
        sample = {"labels": {"version": "blue"}, "t": t, "value": "0.002"}
        state = reduce(state, ev.MetricObserved(metric="errors", samples=(sample,)))
    now = (T0 + timedelta(seconds=seconds)).isoformat()
    for event in (ev.ClockTick(now=now), *events):
        state = reduce(state, event)
    return judge_window(state, "plan", {"error_rate": "errors"}, "", "version")


def test_data_older_than_the_one_staleness_bound_holds_the_window():
    # 45 s old: the panes said STALE (30 s) while the rules still said OK (60 s)
    assert window_at(60 + 5).state == OK
    assert not stale(T0, T0 + STALE_AFTER) and stale(T0, T0 + STALE_AFTER + timedelta(seconds=1))
    old = window_at(60 + STALE_AFTER.total_seconds() + 15)
    assert old.state == HOLD
    assert "Error-Rate < 1%: blue data is stale" in old.reasons
    assert rejudge(old.evidence) == HOLD


@pytest.mark.parametrize("source", ["unreachable", "error", "slow", "failed"])
def test_a_metrics_source_not_answering_holds_the_window_at_once(source):
    # the data is 5 s old and healthy, but Prometheus just stopped answering: no one can
    # say it is still true, so the window is not OK — not once the data is a minute old
    down = ev.SourceStatus(source="prometheus", state=source, detail="boom", at="x")
    verdict = window_at(60 + 5, down)
    assert verdict.state == HOLD
    assert any(r.startswith(f"Error-Rate < 1%: prometheus {source}") for r in verdict.reasons)
    states = {(i["kind"], i["state"]) for i in verdict.evidence}
    assert states == {("trigger", "UNKNOWN"), ("success", HOLD)}
    assert rejudge(verdict.evidence) == HOLD
    assert {m.state for m in verdict.marks} == {HOLD}  # what the panes show


def test_a_trigger_that_cannot_be_judged_holds_a_window_without_success_criteria():
    only_trigger = PLAN.model_copy(update={"success": []})
    assert window_at(60 + 5, rules=only_trigger).state == OK
    verdict = window_at(60 + 600, rules=only_trigger)  # ten minutes without data
    assert verdict.state == HOLD and verdict.reasons == ("Error-Rate > 5%: blue data is stale",)
    assert rejudge(verdict.evidence) == HOLD


def test_data_stamped_beyond_the_bound_in_the_future_is_not_judged_either():
    # garbage, or a Prometheus whose clock is off: no one can say it holds now
    assert window_at(60 - 15).state == OK  # a sample 15 s ahead: within the bound
    ahead = window_at(60 - STALE_AFTER.total_seconds() - 1)
    assert ahead.state == HOLD and "Error-Rate < 1%: blue data is stale" in ahead.reasons
    assert stale(T0 + STALE_AFTER + timedelta(seconds=1), T0)


def test_an_unchanged_verdict_is_journaled_again_before_its_evidence_goes_stale():
    """OK judged once, then the same healthy answers for 40 s: the state's evidence (what
    `w` shows, what the journal proves) is renewed before it is older than the staleness
    bound, not left standing on samples that went stale (found by the actions machine);
    and not once a second while it is fresh."""
    from cockpit.model.honesty import honest_verdict_violations
    from cockpit.model.rules import window_events
    from tests.helpers.serving import cluster, healthy_metrics, state_of

    def judged(state: State) -> tuple[State, list[ev.Event]]:
        verdict = judge_window(state, "plan", {"error_rate": "errors"}, "valeo-erp", "version")
        events = window_events(state, verdict, None)
        for event in events:
            state = reduce(state, event)
        return state, events

    state, _ = judged(state_of(*healthy_metrics(), *cluster("blue", {})))
    assert state.window.state == OK
    state, events = judged(state)
    assert events == []  # the same verdict on the same answers: nothing to journal
    for seconds in (20, 40):
        at = T0 + timedelta(seconds=seconds)
        fresh = tuple(
            {"labels": {"version": v}, "t": at.timestamp(), "value": "0.002"}
            for v in ("blue", "green")
        )
        state = reduce(state, ev.ClockTick(now=at.isoformat()))
        state = reduce(state, ev.MetricObserved(metric="errors", samples=fresh, at=at.isoformat()))
        state, events = judged(state)
        assert state.window.state == OK
        assert honest_verdict_violations(state, "valeo-erp") == []
    assert [type(e) for e in events] == [ev.WindowJudged]  # renewed at 40 s, not at 20 s
