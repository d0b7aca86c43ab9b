"""Metrics as Prometheus answered: per query, one series per label set, 30 minutes kept.

NaN is a value (no traffic: 0/0), an empty vector is not (no series at all), and old
data is old: each is kept as what it is, so no widget can show it as 0 % or healthy.
"Old" has one meaning everywhere (`stale`): the rules, the metric panes and, through the
verdict, the status bar say the same data is stale at the same moment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

HISTORY_SECONDS = 30 * 60
#: the one staleness bound: data older than this is not judged, and is said to be old
STALE_AFTER = timedelta(seconds=30)


def stale(at: datetime | float | None, now: datetime, bound: timedelta = STALE_AFTER) -> bool:
    """Can data stamped `at` (a datetime, or unix seconds as Prometheus stamps a sample)
    not be judged at `now`? It is older than `bound` — or further ahead than that
    (garbage, or a clock that is off: no one can say it holds now). None (no data at all)
    is stale. `bound`: a journal's own, when a verdict is judged again from it."""
    if at is None:
        return True
    when = at if isinstance(at, datetime) else datetime.fromtimestamp(at, UTC)
    return abs(now - when) > bound


@dataclass(frozen=True)
class Sample:
    t: float  # unix seconds, as Prometheus stamps it
    value: float  # NaN when Prometheus says NaN


@dataclass(frozen=True)
class Series:
    labels: Mapping[str, str]
    samples: tuple[Sample, ...]

    @property
    def last(self) -> Sample | None:
        return self.samples[-1] if self.samples else None


@dataclass(frozen=True)
class Metric:
    series: Mapping[str, Series] = field(default_factory=lambda: MappingProxyType({}))
    empty: bool = False  # the last instant query returned no series at all
    at: str = ""  # when it was last answered
    #: the series the last instant answer had (None before the first one): a series it no
    #: longer has (pods scaled away) is history, not a current value
    answered: frozenset[str] | None = None

    def current(self) -> dict[str, float]:
        """Label signature → latest value, for the series the last answer still had."""
        return {
            key: s.last.value
            for key, s in self.series.items()
            if s.last is not None
            and not self.empty
            and (self.answered is None or key in self.answered)
        }


def signature(labels: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def parse_value(text: Any) -> float:
    try:
        return float(text)  # Prometheus writes "NaN", "+Inf", "-Inf" as strings too
    except (TypeError, ValueError):
        return math.nan


def with_samples(metric: Metric, samples: list[dict[str, Any]], at: str, instant: bool) -> Metric:
    """Add an answer: `samples` are {labels, t, value}; an instant answer replaces `empty`."""
    series = dict(metric.series)
    for item in samples:
        labels = dict(item.get("labels") or {})
        key = signature(labels)
        old = series.get(key)
        points = list(old.samples) if old else []
        sample = Sample(float(item["t"]), parse_value(item["value"]))
        if not points or sample.t > points[-1].t:
            points.append(sample)
        elif sample.t < points[-1].t:  # a backfill: merge in time order
            points = sorted({p.t: p for p in [*points, sample]}.values(), key=lambda p: p.t)
        newest = points[-1].t
        points = [p for p in points if p.t >= newest - HISTORY_SECONDS]
        series[key] = Series(labels=MappingProxyType(labels), samples=tuple(points))
    empty = (not samples) if instant else metric.empty
    answered = metric.answered
    if instant:
        answered = frozenset(signature(dict(item.get("labels") or {})) for item in samples)
    return Metric(
        series=MappingProxyType(series), empty=empty, at=at or metric.at, answered=answered
    )
