"""Just enough PromQL to answer the cockpit's queries the way Prometheus 2 does.

No parser: each query the cockpit sends (layouts/go-live.yaml after its placeholders are
filled, and the per-pod memory and CPU queries) is written here once as its text and once
as the composition of Prometheus' own functions — selectors, rate() with Prometheus'
extrapolation, `sum by`, one-to-one division, histogram_quantile() with linear
interpolation. Any other text is unknown, which the server answers with a 400.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from cockpit.sim.service.tsdb import Ring

Matcher = tuple[str, str, str]  # (label, one of = != =~ !~, value)
Vector = list[tuple[dict[str, str], float]]
Query = Callable[[Ring, float], Vector]  # (samples, evaluation time) → instant vector
WINDOW = 300.0  # the queries' [5m]
TRAFFIC_WINDOW = 30.0  # the layouts' traffic query


def _matches(labels: dict[str, str], matchers: Sequence[Matcher]) -> bool:
    """Label matchers; an absent label reads as "", and regexes are fully anchored."""
    for name, op, value in matchers:
        have = labels.get(name, "")
        if op == "=":
            ok = have == value
        elif op == "!=":
            ok = have != value
        else:
            ok = re.fullmatch(value, have) is not None
            ok = ok if op == "=~" else not ok
        if not ok:
            return False
    return True


def selector(name: str, *matchers: Matcher) -> Callable[[dict[str, str]], bool]:
    wanted = (("__name__", "=", name), *matchers)
    return lambda labels: _matches(labels, wanted)


def _drop_name(labels: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in labels.items() if k != "__name__"}


def rate(ring: Ring, wanted: Callable[[dict[str, str]], bool], t: float, window: float) -> Vector:
    """rate(x[window]) at t: Prometheus' extrapolatedRate for counters."""
    out = []
    for labels, points in ring.range(wanted, t - window, t):
        if len(points) < 2:
            continue
        first_t, first_v = points[0]
        last_t, last_v = points[-1]
        increase, previous = last_v - first_v, 0.0
        for _, value in points:  # a counter that went down was reset: count what it had
            if value < previous:
                increase += previous
            previous = value
        sampled = last_t - first_t
        to_start, to_end = first_t - (t - window), t - last_t
        average = sampled / (len(points) - 1)
        if increase > 0 and first_v >= 0:  # do not extrapolate below zero
            to_start = min(to_start, sampled * (first_v / increase))
        threshold = average * 1.1
        interval = sampled
        interval += to_start if to_start < threshold else average / 2
        interval += to_end if to_end < threshold else average / 2
        out.append((_drop_name(labels), increase * (interval / sampled) / window))
    return out


def sum_by(vector: Vector, *by: str) -> Vector:
    groups: dict[tuple[tuple[str, str], ...], float] = {}
    for labels, value in vector:
        key = tuple((k, labels[k]) for k in by if labels.get(k, "") != "")
        groups[key] = groups.get(key, 0.0) + value
    return [(dict(key), value) for key, value in groups.items()]


def _divide(a: float, b: float) -> float:
    """IEEE 754 division as Go does it: x/0 is ±Inf, 0/0 (and NaN) is NaN."""
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
    return a / b


def divide(lhs: Vector, rhs: Vector) -> Vector:
    """One-to-one `lhs / rhs` on identical label sets; unmatched series drop out."""
    right = {tuple(sorted(labels.items())): value for labels, value in rhs}
    out = []
    for labels, value in lhs:
        key = tuple(sorted(labels.items()))
        if key in right:
            out.append((labels, _divide(value, right[key])))
    return out


def _bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """Prometheus 2's bucketQuantile: linear interpolation within the bucket holding rank."""
    buckets.sort()
    if not buckets or not math.isinf(buckets[-1][0]):
        return math.nan
    merged: list[list[float]] = []
    for bound, count in buckets:  # coalesce equal bounds
        if merged and merged[-1][0] == bound:
            merged[-1][1] += count
        else:
            merged.append([bound, count])
    for i in range(1, len(merged)):  # counts must not fall (float error, scrape skew)
        merged[i][1] = max(merged[i][1], merged[i - 1][1])
    if len(merged) < 2 or merged[-1][1] == 0:
        return math.nan
    rank = q * merged[-1][1]
    b = next((i for i in range(len(merged) - 1) if merged[i][1] >= rank), len(merged) - 1)
    if b == len(merged) - 1:
        return merged[-2][0]
    if b == 0 and merged[0][0] <= 0:
        return merged[0][0]
    start, end, count = 0.0, merged[b][0], merged[b][1]
    if b > 0:
        start = merged[b - 1][0]
        count -= merged[b - 1][1]
        rank -= merged[b - 1][1]
    return start + (end - start) * (rank / count)


def histogram_quantile(q: float, vector: Vector) -> Vector:
    groups: dict[tuple[tuple[str, str], ...], list[tuple[float, float]]] = {}
    for labels, value in vector:
        if "le" not in labels:
            continue
        key = tuple(sorted((k, v) for k, v in labels.items() if k not in ("le", "__name__")))
        groups.setdefault(key, []).append((float(labels["le"]), value))
    return [(dict(key), _bucket_quantile(q, buckets)) for key, buckets in groups.items()]


def known_queries(namespace: str, service: str, app: str) -> dict[str, Query]:
    """Query text, exactly as the cockpit sends it → how Prometheus evaluates it."""
    svc = (("namespace", "=", namespace), ("service", "=", service))
    pods = (("namespace", "=", namespace), ("pod", "=~", f"{app}-.*"), ("container", "!=", ""))
    sel = f'namespace="{namespace}",service="{service}"'
    pod_sel = f'namespace="{namespace}",pod=~"{app}-.*",container!=""'
    buckets = selector("http_request_duration_seconds_bucket", *svc)
    requests = selector("http_requests_total", *svc)
    errors = selector("http_requests_total", *svc, ("status", "=~", "5.."))
    sse = selector("sse_connections", *svc)
    memory = selector("container_memory_working_set_bytes", *pods)
    cpu = selector("container_cpu_usage_seconds_total", *pods)
    return {
        "histogram_quantile(0.95, sum by (le, version) "
        f"(rate(http_request_duration_seconds_bucket{{{sel}}}[5m])))": lambda r, t: (
            histogram_quantile(0.95, sum_by(rate(r, buckets, t, WINDOW), "le", "version"))
        ),
        f'sum by (version) (rate(http_requests_total{{{sel},status=~"5.."}}[5m])) / '
        f"sum by (version) (rate(http_requests_total{{{sel}}}[5m]))": lambda r, t: divide(
            sum_by(rate(r, errors, t, WINDOW), "version"),
            sum_by(rate(r, requests, t, WINDOW), "version"),
        ),
        f"sum by (version) (rate(http_requests_total{{{sel}}}[30s]))": lambda r, t: sum_by(
            rate(r, requests, t, TRAFFIC_WINDOW), "version"
        ),
        f"sum by (version) (sse_connections{{{sel}}})": lambda r, t: sum_by(
            r.instant(sse, t), "version"
        ),
        f"sum by (pod) (container_memory_working_set_bytes{{{pod_sel}}})": lambda r, t: sum_by(
            r.instant(memory, t), "pod"
        ),
        f"sum by (pod) (rate(container_cpu_usage_seconds_total{{{pod_sel}}}[5m]))": lambda r, t: (
            sum_by(rate(r, cpu, t, WINDOW), "pod")
        ),
    }


def format_value(value: float) -> str:
    """A sample value as Prometheus writes it (Go's FormatFloat 'f', -1): NaN, +Inf, 0.25, 3."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = format(Decimal(repr(value)), "f")
    return text[:-2] if text.endswith(".0") else text
