"""What each verdict was decided on, frozen for the journal, and the verdict again from it.

Each judged (rule, series) becomes one item: the rule as the runbook wrote it (name,
condition, `for`), the query as sent to Prometheus, the samples the decision used, when
it was judged, how fresh a sample must be, and the state it gave. `rejudge` recomputes a
window's state from the items alone — what an auditor can check from the journal years
later, without the cockpit. Missing data is never a pass: no samples, a stale series or
NaN give UNKNOWN (a trigger) or HOLD (a success criterion), never OK.

Bounded, so a verdict stays small in the journal:
- a success criterion uses the last sample only, and keeps only that;
- a trigger keeps its current run: from the newest sample back to the one that broke the
  condition, or to the first that lies `for` or more before `now` (all `for` needs),
  whichever comes first. A run longer than MAX_SAMPLES is thinned in its middle — its
  first sample (the break, or the one `for` back) and the newest stay — which cannot
  change the verdict: every sample dropped held. `since` is kept as judged;
- a comparison keeps the thinned samples it tested (at most `compare.CAP` per side).
Values are text as Prometheus writes them ("NaN", "+Inf"): the journal stays plain JSON.
A shadow rule's item has `counts` false: it is judged and kept, and changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cockpit.model import compare as cmp
from cockpit.model.checklist import Rule
from cockpit.model.metrics import Metric, Sample, Series, parse_value, stale
from cockpit.model.units import Compare, format_duration, parse_duration

OK, HOLD, ROLLBACK = "OK", "HOLD", "ROLLBACK"
#: a trigger's condition holds, but not yet for its `for` duration
PENDING = "PENDING"
#: a trigger that cannot be judged: no samples, or none fresh
UNKNOWN = "UNKNOWN"
MAX_SAMPLES = 64  # per trigger item
TRIGGER, SUCCESS, COMPARE = "trigger", "success", "compare"
#: a fact beside the metrics the window rests on (`cockpit.model.serving`)
GUARD = "guard"

Item = dict[str, Any]


def _text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def encode(samples: Iterable[Sample]) -> list[list[Any]]:
    return [[s.t, _text(s.value)] for s in samples]


def decode(samples: Iterable[Sequence[Any]]) -> list[Sample]:
    return [Sample(float(t), parse_value(v)) for t, v in samples]


def _at(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _holds(condition: Compare, value: float) -> bool:
    return math.isfinite(value) and condition.holds(value)


def trigger_samples(
    samples: Sequence[Sample], condition: Compare, for_: timedelta, now: datetime
) -> list[Sample]:
    """The samples a trigger's verdict rests on (see the module's note on bounds)."""
    start = len(samples)
    for i in range(len(samples) - 1, -1, -1):
        start = i
        if not _holds(condition, samples[i].value) or now - _at(samples[i].t) >= for_:
            break
    run = list(samples[start:])
    return run if len(run) <= MAX_SAMPLES else run[:1] + run[1 - MAX_SAMPLES :]


def rule_item(
    kind: str,
    rule: Rule,
    series: str,
    samples: Sequence[Sample],
    now: datetime,
    fresh: timedelta,
    query: str,
    state: str,
    since: str = "",
    unjudged: str = "",
) -> Item:
    """One rule over one series (`series` "" when there was none), as judged; `unjudged`:
    why its source could not vouch for any data then (it was down), "" when it could."""
    assert rule.condition is not None
    last = samples[-1] if samples else None
    return {
        "kind": kind,
        "rule": rule.name,
        "metric": rule.metric or "",
        "series": series,
        "query": query,
        "condition": str(rule.condition),
        "threshold": _text(float(rule.condition.value))
        if isinstance(rule.condition.value, int | float)
        else str(rule.condition.value),
        "for": format_duration(rule.for_),
        "fresh": format_duration(fresh),
        "window": [_at(samples[0].t).isoformat() if samples else "", now.isoformat()],
        "now": now.isoformat(),
        "samples": encode(samples),
        "value": _text(last.value) if last else "",
        "state": state,
        "since": since,
        "unjudged": unjudged,
        "shadow": rule.shadow,
        "counts": not rule.shadow,
    }


def guard_item(
    rule: str, series: str, state: str, detail: str, now: datetime, banner: str = ""
) -> Item:
    """A fact beside the metrics (the Service's endpoints, where a failed action left the
    traffic), as observed: its state is the observation's, the journal's kube and action
    events are what it rests on. `banner`: what the banner says while it stands."""
    return {
        "kind": GUARD,
        "rule": rule,
        "metric": "",
        "series": series,
        "detail": detail,
        "banner": banner,
        "now": now.isoformat(),
        "window": ["", now.isoformat()],
        "samples": [],
        "value": "",
        "state": state,
        "shadow": False,
        "counts": True,
    }


def compare_item(
    rule: Rule,
    metric_key: str,
    query: str,
    blue: tuple[str, list[Sample]],
    green: tuple[str, list[Sample]],
    now: datetime,
    spacing: float,
    green_live: bool,
) -> Item:
    """Green against blue on the metric `rule` watches; `counts` only while green takes
    traffic (before the cutover it is shown, not held against the window)."""
    assert rule.condition is not None
    worse = cmp.worse_way(rule.condition.op) or cmp.HIGHER
    result = cmp.compare([s.value for s in blue[1]], [s.value for s in green[1]], worse)
    metric = rule.metric or metric_key
    return {
        "kind": COMPARE,
        "rule": f"{green[0].capitalize()} vs {blue[0]} on {metric}",
        "trigger": rule.name,  # whose metric, direction and shadow the comparison takes
        "metric": metric,
        "series": f"{green[0]} vs {blue[0]}",
        "query": query,
        "worse": worse,
        "condition": str(rule.condition),  # the trigger's: the unit the values are shown in
        "window": [
            (now - timedelta(seconds=cmp.WINDOW)).isoformat(),
            now.isoformat(),
        ],
        "now": now.isoformat(),
        "spacing": spacing,
        "blue": {"version": blue[0], "samples": encode(blue[1])},
        "green": {"version": green[0], "samples": encode(green[1])},
        "state": result.outcome,
        "u": result.u,
        "p": result.p,
        "effect": result.effect,
        "n_blue": result.n_blue,
        "n_green": result.n_green,
        "summary": result.describe(),
        "shadow": rule.shadow,
        "counts": not rule.shadow and green_live,
    }


def compare_items(
    triggers: Iterable[Rule],
    metrics: Mapping[str, Metric],
    sources: Mapping[str, str],
    queries: Mapping[str, str],
    now: datetime,
    versions: tuple[str, str],
    live: Collection[str] | None,
    spacing: float,
) -> list[Item]:
    """One comparison per metric a trigger watches with < <= > >= (the first such trigger
    says which way is worse, one that acts before a shadow one), when the metric has
    series per version."""
    blue, green = versions
    out: list[Item] = []
    seen: set[str] = set()
    for rule in sorted(triggers, key=lambda r: r.shadow):
        if rule.manual or rule.metric not in sources or rule.metric in seen:
            continue
        if rule.condition is None or cmp.worse_way(rule.condition.op) is None:
            continue
        seen.add(rule.metric)
        key = sources[rule.metric]
        metric = metrics.get(key)
        by_version: dict[str, Series] = {
            s.labels["version"]: s
            for s in (metric.series.values() if metric is not None else ())
            if "version" in s.labels
        }
        if not by_version:
            continue  # not measured per version: nothing to compare
        sides = [
            (v, cmp.thin(by_version[v].samples, now.timestamp(), cmp.WINDOW, spacing))
            if v in by_version
            else (v, [])
            for v in (blue, green)
        ]
        green_live = live is None or green in live
        query = queries.get(key, key)
        item = compare_item(rule, key, query, sides[0], sides[1], now, spacing, green_live)
        out.append(item)
    return out


# --- the verdict again, from the items alone ----------------------------------------------


def rejudge_item(item: Mapping[str, Any]) -> str:
    """An item's state from its own fields: what the cockpit decided, decided again (a
    guard's is the cluster's as observed: its events are in the journal beside it)."""
    if item["kind"] == GUARD:
        return item["state"]
    if item["kind"] == COMPARE:
        blue = [s.value for s in decode(item["blue"]["samples"])]
        green = [s.value for s in decode(item["green"]["samples"])]
        return cmp.compare(blue, green, item["worse"]).outcome
    condition = Compare.model_validate(item["condition"])
    samples = decode(item["samples"])
    now = datetime.fromisoformat(item["now"])
    last = samples[-1] if samples else None
    old = item.get("unjudged") or stale(
        last.t if last else None, now, parse_duration(item["fresh"])
    )
    if item["kind"] == SUCCESS:
        ok = not old and last is not None and _holds(condition, last.value)
        return OK if ok else HOLD
    if old:
        return UNKNOWN
    since = None
    for sample in reversed(samples):
        if not _holds(condition, sample.value):
            break
        since = sample.t
    if since is None:
        return OK
    return ROLLBACK if now - _at(since) >= parse_duration(item["for"]) else PENDING


def rejudge(evidence: Iterable[Mapping[str, Any]]) -> str:
    """The window's state (OK, HOLD, ROLLBACK) from its evidence alone: a counting trigger
    or guard at ROLLBACK rolls back; else a counting success criterion or guard at HOLD, a
    trigger that could not be judged (UNKNOWN), or a comparison at Marginal or Fail,
    holds; else OK."""
    states = [(item["kind"], rejudge_item(item)) for item in evidence if item.get("counts")]
    if any(kind in (TRIGGER, GUARD) and state == ROLLBACK for kind, state in states):
        return ROLLBACK
    if any(
        (kind in (SUCCESS, GUARD) and state == HOLD)
        or (kind == TRIGGER and state == UNKNOWN)
        or (kind == COMPARE and state in (cmp.MARGINAL, cmp.FAIL))
        for kind, state in states
    ):
        return HOLD
    return OK


def summary(evidence: Iterable[Mapping[str, Any]]) -> tuple[tuple[str, ...], ...]:
    """What a verdict's evidence decided, without its numbers: a change here is a new
    verdict for the journal; a new sample saying the same is not. A comparison also says
    which way green leans and its p-value to one decimal, since the panes show both: a
    flipped direction or a p drifting from 0.6 to 0.4 is journaled, not left on screen."""
    return tuple(
        (item["kind"], item["rule"], item["series"], item["state"], str(item.get("counts")))
        + (_leaning(item) if item["kind"] == COMPARE else ())
        for item in evidence
    )


def _leaning(item: Mapping[str, Any]) -> tuple[str, ...]:
    p = item.get("p")
    return (str(item.get("effect")), "" if p is None else f"{p:.1f}")


def deciding(evidence: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The counting items that kept the window from OK: a fired trigger, one that could
    not be judged, a failed criterion, a comparison at Marginal or Fail."""
    bad = {ROLLBACK, HOLD, UNKNOWN, cmp.MARGINAL, cmp.FAIL}
    return [i for i in evidence if i.get("counts") and i["state"] in bad]


def brief(item: Mapping[str, Any]) -> str:
    """One line for the report and the soak: rule, threshold, for, samples, value."""
    if item["kind"] == COMPARE:
        return f"{item['rule']}: {item['summary']}"
    if item["kind"] == GUARD:
        return f"{item['rule']}: {item['series'] or 'no series'} {item['state']} — {item['detail']}"
    shadow = " (shadow)" if item.get("shadow") else ""
    since = f", since {item['since']}" if item.get("since") else ""
    value = "no value"
    if item.get("value"):
        value = Compare.model_validate(item["condition"]).format(parse_value(item["value"]))
    return (
        f"{item['rule']}{shadow}: {item['series'] or 'no series'} {item['state']} — "
        f"{item['condition']} for {item['for']}, {len(item['samples'])} samples, "
        f"last {value}{since}"
    )


def compared(evidence: Iterable[Mapping[str, Any]]) -> list[str]:
    """Each judged comparison of green with blue in a few words ("p95_latency Pass"): what
    the banner says during a soak, which fails on a Fail and leaves a Marginal to a person."""
    return [
        f"{item['metric']} {item['state']}"
        for item in evidence
        if item["kind"] == COMPARE and not item.get("shadow")
    ]
