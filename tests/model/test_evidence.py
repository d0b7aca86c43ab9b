"""A verdict's evidence gives the verdict again, from the journal alone: for any series,
rules and time — NaN, gaps, stale data and shadow rules included."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.model import events as ev
from cockpit.model.checklist import Rule
from cockpit.model.evidence import (
    COMPARE,
    HOLD,
    MAX_SAMPLES,
    OK,
    PENDING,
    ROLLBACK,
    UNKNOWN,
    brief,
    compare_items,
    compared,
    deciding,
    rejudge,
    rejudge_item,
)
from cockpit.model.metrics import Metric, with_samples
from cockpit.model.rules import judge, with_comparisons

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC).timestamp()
SOURCES = {"error_rate": "errors"}
QUERIES = {"errors": 'sum by (version) (rate(http_requests_total{status=~"5.."}[5m]))'}

values = st.one_of(
    st.floats(min_value=0, max_value=0.2, allow_nan=False),
    st.sampled_from([0.0, 0.01, 0.05, 0.1, math.nan, math.inf]),
)
#: gaps between samples (seconds, with fractions: microsecond rounding is part of it)
gaps = st.floats(min_value=0.001, max_value=90, allow_nan=False)
points = st.lists(st.tuples(gaps, values), max_size=120)


@st.composite
def rules(draw, kind: str) -> Rule:
    op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
    threshold = draw(st.sampled_from(["1%", "5%", "0.05", "2.5%", "0"]))
    data = {
        "name": f"{kind} {op} {threshold}",
        "metric": "error_rate",
        "condition": f"{op} {threshold}",
        "shadow": draw(st.booleans()),
    }
    if kind == "trigger":
        data["for"] = f"{draw(st.integers(min_value=0, max_value=600))}s"
    return Rule.model_validate(data)


def metrics_of(series: dict[str, list[tuple[float, float]]]) -> dict[str, Metric]:
    samples = []
    for version, pts in series.items():
        t = T0
        for gap, value in pts:
            t += gap
            samples.append({"labels": {"version": version}, "t": t, "value": str(value)})
    metric = with_samples(Metric(), samples, "", instant=False) if samples else None
    return {"errors": metric} if metric is not None else {}


def journaled(evidence) -> tuple[dict, ...]:
    """Through the journal and back: JSON text, then `from_record` as replay reads it."""
    event = ev.WindowJudged(state="", evidence=evidence)
    data = json.loads(json.dumps(event.to_data(), allow_nan=False))
    return ev.from_record("window", data).evidence  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(
    blue=points,
    green=points,
    success=st.lists(rules("success"), max_size=2),
    triggers=st.lists(rules("trigger"), max_size=3),
    after=st.floats(min_value=0, max_value=200, allow_nan=False),
    live=st.sampled_from([None, {"blue"}, {"green"}]),
    unjudged=st.sampled_from(["", "prometheus unreachable"]),
)
def test_the_frozen_evidence_reproduces_the_verdict(
    blue, green, success, triggers, after, live, unjudged
):
    metrics = metrics_of({"blue": blue, "green": green})
    last = max(
        (s.t for m in metrics.values() for x in m.series.values() for s in x.samples), default=T0
    )
    now = datetime.fromtimestamp(last + after, UTC)
    verdict = judge(success, triggers, metrics, SOURCES, now, live, QUERIES, unjudged)
    if unjudged and any(not r.shadow for r in success + triggers):  # a source down: never OK
        assert verdict.state == HOLD
    verdict = with_comparisons(
        verdict,
        compare_items(triggers, metrics, SOURCES, QUERIES, now, ("blue", "green"), live, 1.0),
    )
    evidence = journaled(verdict.evidence)
    assert rejudge(evidence) == verdict.state
    for item in evidence:
        assert rejudge_item(item) == item["state"]
        if item["kind"] == "trigger":
            assert len(item["samples"]) <= MAX_SAMPLES
    # missing data is never a pass: an item without samples is never OK
    for item in evidence:
        if item["kind"] != "compare" and not item["samples"]:
            assert item["state"] in (HOLD, UNKNOWN)
    # what kept the window from OK is named, and nothing when it is OK
    assert bool(deciding(evidence)) == (verdict.state != OK)
    assert all(brief(item) for item in evidence)


def rule(condition: str, for_: str = "0s", shadow: bool = False) -> Rule:
    return Rule.model_validate(
        {"name": f"Error-Rate {condition}", "metric": "error_rate", "condition": condition}
        | {"for": for_, "shadow": shadow}
    )


def test_a_trigger_keeps_what_for_needs_and_since_as_judged():
    # 10 minutes over 5 %, a sample every 5 s, for 2m: only the samples of the last 2 minutes
    metrics = metrics_of({"green": [(5, 0.07)] * 120})
    now = datetime.fromtimestamp(T0 + 600, UTC)
    verdict = judge([], [rule("> 5%", "2m")], metrics, SOURCES, now, None, QUERIES)
    (item,) = verdict.evidence
    assert item["state"] == ROLLBACK and verdict.state == ROLLBACK
    assert len(item["samples"]) == 25  # 120 s back to a sample at or before now - 2m
    assert item["since"] == datetime.fromtimestamp(T0 + 5, UTC).isoformat()  # the whole run
    assert item["query"] == QUERIES["errors"] and item["condition"] == "> 5%"
    assert (item["for"], item["threshold"], item["value"]) == ("2m", "0.05", "0.07")
    assert brief(item).startswith("Error-Rate > 5%: green ROLLBACK — > 5% for 2m, 25 samples")


def test_a_long_run_is_thinned_without_changing_its_verdict():
    metrics = metrics_of({"green": [(1, 0.01)] + [(1, 0.07)] * 500})
    now = datetime.fromtimestamp(T0 + 501, UTC)
    (pending,) = judge([], [rule("> 5%", "30m")], metrics, SOURCES, now).evidence
    assert pending["state"] == PENDING and len(pending["samples"]) == MAX_SAMPLES
    assert pending["samples"][0][1] == "0.01"  # the break stays
    assert rejudge_item(pending) == PENDING
    (fired,) = judge([], [rule("> 5%", "5m")], metrics, SOURCES, now).evidence
    assert fired["state"] == ROLLBACK and len(fired["samples"]) == MAX_SAMPLES
    assert fired["samples"][0][0] <= now.timestamp() - 300  # the sample `for` back stays
    assert rejudge_item(fired) == ROLLBACK


def test_no_samples_stale_and_nan_are_not_ok():
    now = datetime.fromtimestamp(T0 + 10, UTC)
    nothing = judge([rule("< 1%")], [rule("> 5%")], {}, SOURCES, now)
    assert [i["state"] for i in nothing.evidence] == [UNKNOWN, HOLD]
    stale = judge(
        [rule("< 1%")],
        [rule("> 5%")],
        metrics_of({"green": [(1, 0.0)]}),
        SOURCES,
        datetime.fromtimestamp(T0 + 120, UTC),
    )
    assert [i["state"] for i in stale.evidence] == [UNKNOWN, HOLD]
    nan = judge([rule("< 1%")], [], metrics_of({"green": [(1, math.nan)]}), SOURCES, now)
    (item,) = nan.evidence
    assert (item["state"], item["value"]) == (HOLD, "NaN") and nan.state == HOLD


def test_a_shadow_rule_is_judged_and_kept_but_changes_nothing():
    metrics = metrics_of({"green": [(5, 0.07)] * 60})
    now = datetime.fromtimestamp(T0 + 300, UTC)
    shadow = [rule("> 5%", "1m", shadow=True)]
    verdict = judge([rule("< 10%", shadow=True)], shadow, metrics, SOURCES, now)
    assert verdict.state == OK and verdict.firing == () and verdict.marks == ()
    trigger, success = verdict.evidence
    assert (trigger["state"], trigger["shadow"], trigger["counts"]) == (ROLLBACK, True, False)
    assert success["state"] == OK and rejudge(verdict.evidence) == OK
    assert "(shadow)" in brief(trigger)


def test_old_journals_without_evidence_still_read():
    event = ev.from_record("window", {"state": "OK", "reasons": [], "at": "", "series": []})
    assert event.evidence == ()  # type: ignore[attr-defined]
    step = ev.from_record("action.step", {"id": "a", "step": "soak", "status": "failed"})
    assert step.evidence == ()  # type: ignore[attr-defined]


def test_escapes_in_a_rule_or_query_are_cleaned_in_the_event():
    item = {"rule": "bad\x1b]0;title\x07", "query": "up\x1b[2J", "samples": [[1.0, "NaN"]]}
    (cleaned,) = ev.WindowJudged(state="OK", evidence=(item,)).evidence
    assert "\x1b" not in cleaned["rule"] and "\x1b" not in cleaned["query"]


def test_a_comparison_that_changes_its_leaning_is_a_new_verdict():
    """The panes show a comparison's direction and p: those changing must reach the
    journal (a new verdict), while more samples saying the same do not."""
    from cockpit.model.evidence import COMPARE, summary

    item = {"kind": COMPARE, "rule": "Green vs blue on error_rate", "series": "green vs blue"}
    item |= {"state": "Pass", "counts": True, "effect": "green lower", "p": 0.644, "u": 762}
    same = item | {"p": 0.61, "u": 790, "n_green": 41}
    assert summary([same]) == summary([item])
    assert summary([item | {"effect": "green higher", "p": 0.433}]) != summary([item])
    assert summary([item | {"p": 0.43}]) != summary([item])
    assert summary([item | {"p": None, "state": "unknown"}]) != summary([item])


def test_compared_says_each_judged_comparison_and_no_shadow_or_rule():
    evidence = [
        {"kind": COMPARE, "metric": "p95_latency", "state": "Pass"},
        {"kind": COMPARE, "metric": "error_rate", "state": "Marginal", "shadow": True},
        {"kind": "rule", "metric": "error_rate", "state": "OK"},
        {"kind": COMPARE, "metric": "error_rate", "state": "Fail"},
    ]
    assert compared(evidence) == ["p95_latency Pass", "error_rate Fail"]
    assert compared([]) == []
