"""Metrics in the state: a backfill and instant answers per query, one series per label set,
30 minutes kept; NaN and an empty answer kept as what they are."""

import math

from cockpit.model import events as ev
from cockpit.model.metrics import HISTORY_SECONDS
from cockpit.model.reduce import reduce
from cockpit.model.state import State

T = 1_795_000_000.0  # unix seconds, as Prometheus stamps its samples
AT = "2026-11-21T11:00:00+00:00"
BLUE, GREEN = {"version": "blue"}, {"version": "green"}


def sample(t, value, labels=BLUE):
    return {"labels": labels, "t": t, "value": value}


def observe(state, *samples, instant=True, at=AT, metric="error_rate"):
    event = ev.MetricObserved(metric=metric, samples=samples, instant=instant, at=at)
    return reduce(state, event)


def points(state, key="version=blue", metric="error_rate"):
    return [(s.t, s.value) for s in state.metrics[metric].series[key].samples]


def test_a_backfill_then_instant_answers_make_one_series_in_time_order():
    state = observe(State(), sample(T - 20, "0.01"), sample(T - 10, "0.02"), instant=False)
    state = observe(state, sample(T, "0.03"))
    state = observe(state, sample(T + 10, "0.04"))
    assert points(state) == [(T - 20, 0.01), (T - 10, 0.02), (T, 0.03), (T + 10, 0.04)]
    assert state.metrics["error_rate"].current() == {"version=blue": 0.04}
    assert state.metrics["error_rate"].at == AT


def test_a_late_backfill_is_merged_in_time_order_and_does_not_duplicate():
    state = observe(State(), sample(T, "0.03"))
    state = observe(state, sample(T - 20, "0.01"), sample(T, "0.03"), instant=False)
    state = observe(state, sample(T - 10, "0.02"), sample(T - 20, "0.01"), instant=False)
    assert points(state) == [(T - 20, 0.01), (T - 10, 0.02), (T, 0.03)]
    assert state.metrics["error_rate"].current() == {"version=blue": 0.03}


def test_an_answer_with_the_same_timestamp_again_adds_no_point():
    state = observe(State(), sample(T, "0.03"))
    state = observe(state, sample(T, "0.03"))
    assert points(state) == [(T, 0.03)]


def test_label_sets_are_separate_series_keyed_by_sorted_labels():
    labels = {"version": "green", "pod": "valeo-erp-green-0"}
    state = observe(State(), sample(T, "0.01"), sample(T, "0.2", labels))
    series = state.metrics["error_rate"].series
    assert sorted(series) == ["pod=valeo-erp-green-0,version=green", "version=blue"]
    assert dict(series["pod=valeo-erp-green-0,version=green"].labels) == labels


def test_nan_is_kept_as_nan_not_zero():
    state = observe(State(), sample(T, "0.01"), sample(T, "NaN", GREEN))
    current = state.metrics["error_rate"].current()
    assert current["version=blue"] == 0.01 and math.isnan(current["version=green"])
    assert not state.metrics["error_rate"].empty


def test_infinities_and_unreadable_values_are_not_numbers_that_look_healthy():
    state = observe(State(), sample(T, "+Inf"), sample(T, "garbage", GREEN))
    current = state.metrics["error_rate"].current()
    assert current["version=blue"] == math.inf and math.isnan(current["version=green"])


def test_an_empty_instant_answer_says_empty_and_keeps_the_history():
    state = observe(State(), sample(T, "0.01"))
    state = observe(state, at="2026-11-21T11:00:10+00:00")
    metric = state.metrics["error_rate"]
    assert metric.empty and metric.current() == {}
    assert points(state) == [(T, 0.01)] and metric.at == "2026-11-21T11:00:10+00:00"
    state = observe(state, sample(T + 20, "0.02"))
    assert not state.metrics["error_rate"].empty
    assert state.metrics["error_rate"].current() == {"version=blue": 0.02}


def test_an_empty_backfill_does_not_say_the_last_instant_answer_was_empty():
    state = observe(State(), sample(T, "0.01"))
    assert not observe(state, instant=False).metrics["error_rate"].empty
    empty = observe(State())
    assert observe(empty, instant=False).metrics["error_rate"].empty


def test_a_series_missing_from_the_last_answer_has_no_current_value():
    """Blue scaled down: its series is gone from the answer; its last value is history."""
    state = observe(State(), sample(T, "0.01"), sample(T, "0.02", GREEN))
    state = observe(state, sample(T + 10, "0.03", GREEN))
    assert state.metrics["error_rate"].current() == {"version=green": 0.03}
    assert points(state) == [(T, 0.01)]  # still drawn in the sparkline's past


def test_history_is_trimmed_to_thirty_minutes_behind_the_newest_sample():
    start = T - HISTORY_SECONDS - 30
    backfill = [sample(start + 15 * i, str(i)) for i in range(4)]  # start … start+45
    state = observe(State(), *backfill, instant=False)
    assert len(points(state)) == 4
    state = observe(state, sample(T, "9"))
    # kept: newest − 1800 s and later, so start+30 (exactly at the edge) and start+45
    assert points(state) == [(start + 30, 2.0), (start + 45, 3.0), (T, 9.0)]


def test_a_long_window_keeps_a_bounded_history():
    state = State()
    for i in range(400):  # every 10 s for 66 minutes
        state = observe(state, sample(T + 10 * i, "0.01"))
    kept = points(state)
    assert len(kept) == HISTORY_SECONDS // 10 + 1
    assert kept[0][0] == T + 10 * 399 - HISTORY_SECONDS


def test_metrics_are_kept_per_query_and_the_answer_time_stays_when_not_given():
    state = observe(State(), sample(T, "0.01"))
    state = observe(state, sample(T, "0.3"), metric="p95")
    state = observe(state, sample(T + 10, "0.02"), at="")
    assert sorted(state.metrics) == ["error_rate", "p95"]
    assert state.metrics["p95"].current() == {"version=blue": 0.3}
    assert state.metrics["error_rate"].at == AT
