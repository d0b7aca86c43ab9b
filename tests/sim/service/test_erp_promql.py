"""The simulated Prometheus' arithmetic, against values worked out from Prometheus' source."""

from __future__ import annotations

import math

import pytest
import yaml

from cockpit.model.placeholders import fill
from cockpit.sim.service.promql import (
    divide,
    format_value,
    histogram_quantile,
    known_queries,
    rate,
    selector,
    sum_by,
)
from cockpit.sim.service.tsdb import Ring

COUNTER = selector("c_total")


def ring_of(*points: tuple[float, float | None], labels: dict | None = None) -> Ring:
    """One counter series; a None value is a scrape that no longer had the series."""
    ring = Ring()
    key = tuple(sorted({"__name__": "c_total", **(labels or {})}.items()))
    for t, value in points:
        ring.append("pod", t, {} if value is None else {key: value})
    return ring


def test_layout_queries_are_the_ones_the_fake_knows(repo_dir):
    layout = yaml.safe_load((repo_dir / "layouts" / "go-live.yaml").read_text())
    values = {"namespace": "production", **layout["vars"]}
    known = known_queries("production", "valeo-erp", "valeo-erp")
    for name, query in layout["queries"].items():
        assert fill(query, values) in known, name


def test_rate_extrapolates_to_zero_for_a_fresh_counter():
    ring = ring_of(*[(t, float(t)) for t in range(11)])  # 0 … 10, one per second
    ((labels, value),) = rate(ring, COUNTER, 10.0, 300.0)
    assert labels == {} and value == pytest.approx(10 / 300)


def test_rate_extrapolates_half_an_interval_when_the_window_starts_long_before():
    ring = ring_of(*[(t, 100.0 + t) for t in range(11)])
    # durationToZero is 100 s, beyond 1.1 intervals: half an interval at the start only
    assert rate(ring, COUNTER, 10.0, 300.0)[0][1] == pytest.approx(10 * (10.5 / 10) / 300)


def test_rate_counts_through_a_counter_reset_and_needs_two_samples():
    ring = ring_of((0, 5.0), (1, 8.0), (2, 1.0), (3, 4.0))  # reset after 8
    # increase (4 - 5) + 8 = 7; zero would be 3 s · 5/7 before the first sample, more than
    # 1.1 intervals: extrapolate half an interval at the start, none at the end
    assert rate(ring, COUNTER, 3.0, 300.0)[0][1] == pytest.approx(7 * (3.5 / 3) / 300)
    assert rate(ring_of((0, 1.0)), COUNTER, 0.0, 300.0) == []


def test_a_series_that_disappears_is_stale_at_once():
    ring = ring_of((0, 1.0), (1, 2.0), (2, None))
    assert ring.instant(COUNTER, 1.5) and not ring.instant(COUNTER, 2.0)


def test_histogram_quantile_interpolates_linearly_within_the_bucket():
    def buckets(*counts: tuple[str, float]) -> list:
        return [({"le": le, "version": "blue"}, count) for le, count in counts]

    vector = buckets(("0.1", 50), ("0.5", 90), ("+Inf", 100))
    assert histogram_quantile(0.5, vector) == [({"version": "blue"}, pytest.approx(0.1))]
    assert histogram_quantile(0.7, vector)[0][1] == pytest.approx(0.1 + 0.4 * 20 / 40)
    assert histogram_quantile(0.95, vector)[0][1] == 0.5  # in +Inf: the highest finite bound
    assert math.isnan(histogram_quantile(0.95, buckets(("0.1", 0), ("+Inf", 0)))[0][1])
    assert math.isnan(histogram_quantile(0.95, buckets(("0.1", 3), ("0.5", 4)))[0][1])


def test_sum_by_and_division_match_series_by_labels():
    errors = sum_by([({"version": "blue", "pod": "a"}, 1.0), ({"version": "blue"}, 2.0)], "version")
    total = sum_by([({"version": "blue"}, 30.0), ({"version": "green"}, 0.0)], "version")
    assert divide(errors, total) == [({"version": "blue"}, 0.1)]
    zero = [({"version": "green"}, 0.0)]
    ((_, nan),) = divide(zero, total[1:])
    assert math.isnan(nan)
    assert divide([({"version": "green"}, 2.0)], zero) == [({"version": "green"}, math.inf)]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (math.nan, "NaN"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (3.0, "3"),
        (0.25, "0.25"),
        (1e-05, "0.00001"),
        (1.5e20, "150000000000000000000"),
        (524288000.5, "524288000.5"),
    ],
)
def test_values_are_written_as_prometheus_writes_them(value, text):
    assert format_value(value) == text
