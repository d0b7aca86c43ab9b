"""The runbook's rules over the metrics: is the window OK, on HOLD, or due a ROLLBACK? Pure.

A rollback trigger fires when its condition has held, in one series (blue or green),
over every sample of at least its `for` duration, up to a fresh sample. Between
"success" and "trigger" lies HOLD (like Argo Rollouts' Inconclusive): a success
criterion not met, or not judgeable because the data is missing, NaN or stale.
Every verdict carries its evidence (`cockpit.model.evidence`): what each rule was judged
on, so that `evidence.rejudge` gives the same verdict from the journal alone. Beside the
fixed thresholds, green is compared with blue (`cockpit.model.compare`); a Marginal or
Fail comparison holds the window while green takes traffic. Shadow rules are judged and
kept as evidence, and change nothing. Data is stale by `metrics.stale`, the one bound the
panes use too, and a metrics source that is not answering leaves every series unjudged.
Beside the metrics, `cockpit.model.serving` holds the window while the Service lacks
ready endpoints or a failed move left the traffic unverified.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo

from cockpit.model import compare as cmp
from cockpit.model import events as ev
from cockpit.model import evidence as proof
from cockpit.model.checklist import Rule
from cockpit.model.evidence import (
    GUARD,
    HOLD,
    OK,
    PENDING,
    ROLLBACK,
    SUCCESS,
    TRIGGER,
    UNKNOWN,
)
from cockpit.model.metrics import STALE_AFTER, Metric, Series, stale
from cockpit.model.serving import guards
from cockpit.model.state import State
from cockpit.model.units import format_duration

#: per series, the worse verdict wins
RANK = {OK: 0, HOLD: 1, PENDING: 2, ROLLBACK: 3}


@dataclass(frozen=True)
class Firing:
    rule: Rule
    series: str  # the version (or label signature) it fired in
    value: float
    since: datetime


@dataclass(frozen=True)
class Mark:
    """One series' verdict and the rule that decided it: what a metric pane shows."""

    metric: str  # the runbook's metric (error_rate …)
    series: str  # the version
    state: str  # OK | HOLD | PENDING | ROLLBACK
    why: str = ""  # the rule that decided: "Error-Rate > 5% (for 2m)"
    since: str = ""  # a trigger's condition has held since then (RFC 3339)

    def to_data(self) -> dict[str, str]:
        return {
            "metric": self.metric,
            "series": self.series,
            "state": self.state,
            "why": self.why,
            "since": self.since,
        }


@dataclass(frozen=True)
class Verdict:
    state: str
    reasons: tuple[str, ...]
    firing: tuple[Firing, ...]
    marks: tuple[Mark, ...] = ()
    #: per rule and series (and comparison): what it was judged on (`evidence.rule_item`)
    evidence: tuple[proof.Item, ...] = ()


def _mark(marks: dict[tuple[str, str], Mark], new: Mark) -> None:
    old = marks.get((new.metric, new.series))
    if old is None or RANK[new.state] > RANK[old.state]:
        marks[(new.metric, new.series)] = new


def _trigger(metric: str, series: str, state: str, rule: Rule, since: datetime) -> Mark:
    why = f"{rule.name} (for {format_duration(rule.for_)})"
    return Mark(metric, series, state, why, since.isoformat())


def _held_since(series: Series, rule: Rule) -> tuple[datetime, float] | None:
    """Since when the condition has held without a break, up to the last sample."""
    assert rule.condition is not None
    since = None
    for sample in reversed(series.samples):
        if not (math.isfinite(sample.value) and rule.condition.holds(sample.value)):
            break
        since = sample.t
    if since is None:
        return None
    return datetime.fromtimestamp(since, UTC), series.samples[-1].value


def _short_of(rule: Rule, series: Series, label: str) -> str | None:
    """Why a series that can be judged falls short of a success criterion (None: it meets it)."""
    last = series.last
    if last is None or not math.isfinite(last.value):
        return f"{rule.name}: {label} has no traffic (NaN)"
    if rule.condition is not None and not rule.condition.holds(last.value):
        return f"{rule.name}: {label} is {rule.condition.format(last.value)}"
    return None


def _label(series: Series, key: str) -> str:
    return series.labels.get("version") or key or "all"


def _serving(metric: Metric, live: Collection[str] | None) -> dict[str, Series]:
    """The series of the versions that take traffic (all when that is not known)."""
    return {
        key: series
        for key, series in metric.series.items()
        if live is None or "version" not in series.labels or series.labels["version"] in live
    }


def judge(
    success: list[Rule],
    triggers: list[Rule],
    metrics: Mapping[str, Metric],
    sources: Mapping[str, str],
    now: datetime,
    live: Collection[str] | None = None,
    queries: Mapping[str, str] | None = None,
    unjudged: str = "",
) -> Verdict:
    """`sources` maps a rule's metric (error_rate …) to the metric key that measures it;
    `live`: the versions the Service selects — a version without traffic (green before the
    cutover, after a rollback) is not the window's health; `queries`: metric key → the
    PromQL as sent, for the evidence; `unjudged`: why the metrics cannot be vouched for
    now however fresh they look ("prometheus unreachable"), which holds every series."""
    reasons: list[str] = []
    firing: list[Firing] = []
    marks: dict[tuple[str, str], Mark] = {}
    evidence: list[proof.Item] = []

    def record(kind: str, rule: Rule, label: str, samples, state: str, since: str = "") -> None:
        query = (queries or {}).get(sources[rule.metric or ""], sources[rule.metric or ""])
        evidence.append(
            proof.rule_item(
                kind, rule, label, samples, now, STALE_AFTER, query, state, since, unjudged
            )
        )

    def hold(rule: Rule, label: str, why: str) -> None:
        """A series the rule cannot judge, or judged short of success: never OK."""
        if not rule.shadow:
            reasons.append(why)
            if label:
                _mark(marks, Mark(rule.metric or "", label, HOLD, why))

    def unknown(rule: Rule, series: Series, key: str) -> str | None:
        """Why `series` cannot be judged now (None: it can)."""
        label = _label(series, key)
        if unjudged:
            return f"{rule.name}: {unjudged}, {label} not judged"
        if stale(series.last.t if series.last else None, now):
            return f"{rule.name}: {label} data is stale"
        return None

    for rule in triggers:
        if rule.manual or rule.metric not in sources:
            continue  # a person decides, or another source judges it (pods: kube checks)
        metric = metrics.get(sources[rule.metric])
        serving = _serving(metric, live) if metric is not None and not metric.empty else {}
        if not serving:
            record(TRIGGER, rule, "", (), UNKNOWN)
            hold(rule, "", f"{rule.name}: no data")
            continue
        for key, series in serving.items():
            label, metric_name = _label(series, key), rule.metric or ""
            why = unknown(rule, series, key)
            if why is not None:
                record(TRIGGER, rule, label, series.samples[-1:], UNKNOWN)
                hold(rule, label, why)
                continue
            held = _held_since(series, rule)
            assert rule.condition is not None
            kept = proof.trigger_samples(series.samples, rule.condition, rule.for_, now)
            state = (ROLLBACK if now - held[0] >= rule.for_ else PENDING) if held else OK
            record(TRIGGER, rule, label, kept, state, held[0].isoformat() if held else "")
            if rule.shadow:
                continue  # report-only: judged and kept, never fired
            if held and now - held[0] >= rule.for_:
                firing.append(Firing(rule, label, held[1], held[0]))
                _mark(marks, _trigger(metric_name, label, ROLLBACK, rule, held[0]))
            elif held:
                _mark(marks, _trigger(metric_name, label, PENDING, rule, held[0]))
    for rule in success:
        if rule.manual or rule.metric not in sources:
            continue
        metric = metrics.get(sources[rule.metric])
        serving = _serving(metric, live) if metric is not None and not metric.empty else {}
        if not serving:
            record(SUCCESS, rule, "", (), HOLD)
            hold(rule, "", f"{rule.name}: no data")
            continue
        for key, series in serving.items():
            label = _label(series, key)
            why = unknown(rule, series, key) or _short_of(rule, series, label)
            if why is None:
                record(SUCCESS, rule, label, series.samples[-1:], OK)
                if not rule.shadow:
                    _mark(marks, Mark(rule.metric or "", label, OK, rule.name))
                continue
            record(SUCCESS, rule, label, series.samples[-1:], HOLD)
            hold(rule, label, why)
    judged = tuple(sorted(marks.values(), key=lambda m: (m.metric, m.series)))
    if firing:
        return Verdict(ROLLBACK, tuple(reasons), tuple(firing), judged, tuple(evidence))
    return Verdict(HOLD if reasons else OK, tuple(reasons), (), judged, tuple(evidence))


def with_comparisons(verdict: Verdict, items: list[proof.Item]) -> Verdict:
    """The verdict with green's comparisons against blue: a counting Marginal or Fail
    holds an OK window, with its reason (a Marginal asks a person)."""
    reasons = [
        f"{i['rule']}: {i['summary']}"
        + (" — a person decides" if i["state"] == cmp.MARGINAL else "")
        for i in items
        if i["counts"] and i["state"] in (cmp.MARGINAL, cmp.FAIL)
    ]
    state = HOLD if verdict.state == OK and reasons else verdict.state
    return replace(
        verdict,
        state=state,
        reasons=(*verdict.reasons, *reasons),
        evidence=(*verdict.evidence, *items),
    )


def with_guards(verdict: Verdict, items: list[proof.Item]) -> Verdict:
    """The verdict with what the cluster and the actions say (`cockpit.model.serving`):
    a guard not OK keeps the window from OK, with its reason; the worse state wins."""
    bad = [item for item in items if item["state"] != OK]
    state = max((verdict.state, *(i["state"] for i in bad)), key=lambda s: RANK.get(s, 1))
    return replace(
        verdict,
        state=state,
        reasons=(*verdict.reasons, *(i["detail"] for i in bad)),
        evidence=(*verdict.evidence, *items),
    )


def judge_window(
    state: State,
    rules: str,
    metric_keys: Mapping[str, str],
    service: str,
    label: str,
    speed: float = 1.0,
    queries: Mapping[str, str] | None = None,
    versions: tuple[str, str] | None = None,
    spacing: float = cmp.SPACING,
) -> Verdict | None:
    """The window's verdict from the state, by the runbook named `rules`, and what the
    cluster and the actions say (`serving.guards`); None when nothing measures the window
    (no Prometheus, no metrics) and nothing keeps it from OK: no verdict rather than a
    HOLD for nothing (and "not judged" again once a guard that held it clears).
    `speed` > 1 plays the rules' `for` durations (and the comparison's sample spacing)
    faster (the demo). Only the version the Service selects is judged. `queries`: metric
    key → PromQL as sent, for the evidence; `versions` (blue, green): compare green with
    blue, samples `spacing` seconds apart."""
    runbook = state.runbooks.get(rules)
    if runbook is None or not state.now:
        return None
    now = datetime.fromisoformat(state.now)
    checked = guards(state, service, label, now)
    prometheus = state.sources.get("prometheus")
    if not state.metrics and (prometheus is None or prometheus.state == "not configured"):
        if any(item["state"] != OK for item in checked):
            return with_guards(Verdict(OK, (), ()), checked)
        by_guards = state.window.evidence and all(
            item["kind"] == GUARD for item in state.window.evidence
        )
        return Verdict("", (), ()) if state.window.state and by_guards else None
    triggers = runbook.rollback_triggers
    if speed != 1.0:
        triggers = [r.model_copy(update={"for_": r.for_ / speed}) for r in triggers]
    selected = state.kube.services.get(service)
    live = {selected.selector[label]} if selected and label in selected.selector else None
    verdict = judge(
        runbook.success, triggers, state.metrics, metric_keys, now, live, queries, unjudged(state)
    )
    verdict = with_guards(verdict, checked)
    if versions is None:
        return verdict
    compared = proof.compare_items(
        runbook.rollback_triggers,
        state.metrics,
        metric_keys,
        queries or {},
        now,
        versions,
        live,
        spacing / speed,
    )
    return with_comparisons(verdict, compared)


def rules_for(state: State, checklist: str, metric: str | None) -> tuple[Rule | None, Rule | None]:
    """The runbook's success criterion and rollback trigger for one metric (a metric pane
    draws both as lines)."""
    runbook = state.runbooks.get(checklist)
    if runbook is None or metric is None:
        return None, None
    success = next((r for r in runbook.success if r.metric == metric), None)
    trigger = next((r for r in runbook.rollback_triggers if r.metric == metric), None)
    return success, trigger


def unjudged(state: State) -> str:
    """Why the metrics cannot be vouched for now, whatever their age ("" when they can):
    a Prometheus that is down, erroring, slow or not yet connected has stopped saying
    whether its last answer still holds."""
    prometheus = state.sources.get("prometheus")
    if prometheus is None or prometheus.state in ("ok", "not configured"):
        return ""
    return f"prometheus {prometheus.state}"


def window_events(state: State, verdict: Verdict, tz: tzinfo | None) -> list[ev.Event]:
    """What the verdict changes, as events: the window's judgement when it differs from the
    state's, and the rollback banner raised, changed or lowered (an empty message)."""
    at = state.now or ""
    out: list[ev.Event] = []
    window, marks = state.window, tuple(m.to_data() for m in verdict.marks)
    now = datetime.fromisoformat(at) if at else None
    renewed = now is not None and _aged(window.evidence, now) and not _aged(verdict.evidence, now)
    if (
        (window.state, window.reasons, window.series) != (verdict.state, verdict.reasons, marks)
        or proof.summary(window.evidence) != proof.summary(verdict.evidence)
        or renewed
    ):
        out.append(
            ev.WindowJudged(
                state=verdict.state,
                reasons=verdict.reasons,
                series=marks,
                at=at,
                evidence=verdict.evidence,
            )
        )
    stranded = [i["banner"] for i in verdict.evidence if i["kind"] == GUARD and i.get("banner")]
    message = "; ".join(
        [
            *stranded,
            *(
                f"ROLLBACK TRIGGER {f.rule.name}: {f.series} at {_in_unit(f.rule, f.value)} "
                f"since {f.since.astimezone(tz):%H:%M:%S} (for {format_duration(f.rule.for_)})"
                for f in verdict.firing
            ),
        ]
    )
    if message:
        message += " · r starts the rollback"
    current = state.alerts.get("rollback")
    if (current.message if current else "") != message:
        out.append(ev.Alert(key="rollback", level="critical", message=message, at=at))
    return out


def _aged(evidence: Collection[Mapping], now: datetime) -> bool:
    """A measurement the verdict stands on is past the staleness bound at `now`: the same
    verdict on fresh answers is said again, so the state and the journal never keep it
    standing on stale samples."""
    for item in evidence:
        if item.get("counts") and item["kind"] in (TRIGGER, SUCCESS) and "samples" in item:
            samples = item["samples"]  # only the last one's time: this runs every second
            if stale(float(samples[-1][0]) if samples else None, now):
                return True
    return False


def _in_unit(rule: Rule, value: float) -> str:
    return rule.condition.format(value) if rule.condition else f"{value:g}"
