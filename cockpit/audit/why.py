"""The report's evidence: for each verdict change and trigger, what it was judged on.

One row each time a rule's verdict on a series changed (and each soak that failed or
ended inconclusive on the window), with the rule, its threshold and `for`, how many
samples and the last value: enough to see why, brief enough to read. The samples
themselves stay in the journal. Shadow rules are marked as such: they decided nothing.
Journals from before evidence was kept have none, and the section says so.
A rule judged on no data, NaN (no traffic) or a stale sample is reported UNKNOWN (a
trigger) or HOLD (a success criterion), never OK, whatever the journal's state says: a
trigger that saw only NaN did not see the window healthy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from cockpit.audit.markdown import cell
from cockpit.audit.replay import Step
from cockpit.model.evidence import COMPARE, HOLD, OK, SUCCESS, UNKNOWN, decode
from cockpit.model.metrics import parse_value
from cockpit.model.units import Compare, parse_duration


def _blind(item: Mapping[str, Any]) -> bool:
    """The rule saw nothing to judge: no samples, its last one NaN, or older than `fresh`."""
    samples = decode(item.get("samples") or ())
    if not samples or not math.isfinite(samples[-1].value):
        return True
    if not item.get("now") or not item.get("fresh"):
        return False  # a journal from before these were kept: its state stands
    age = datetime.fromisoformat(item["now"]) - datetime.fromtimestamp(samples[-1].t, UTC)
    return age > parse_duration(item["fresh"])


def verdict(item: Mapping[str, Any]) -> str:
    """The state the report shows: a rule's OK on no data is UNKNOWN (HOLD for a success
    criterion), never OK."""
    if item["kind"] != COMPARE and item["state"] == OK and _blind(item):
        return HOLD if item["kind"] == SUCCESS else UNKNOWN
    return item["state"]


def _value(item: Mapping[str, Any]) -> str:
    if item["kind"] == COMPARE:
        return str(item.get("summary", ""))
    if not item.get("value"):
        return "no value"
    try:
        return Compare.model_validate(item["condition"]).format(parse_value(item["value"]))
    except ValueError:
        return str(item["value"])


def _row(at: str, item: Mapping[str, Any], where: str = "") -> str:
    rule = item["rule"] + (" (shadow)" if item.get("shadow") else "")
    if item["kind"] == COMPARE:
        threshold, for_ = "green vs blue: Fail p<0.01, Marginal p<0.05", "—"
        count = f"blue {item.get('n_blue', 0)}, green {item.get('n_green', 0)}"
    else:
        threshold, for_ = item.get("condition", ""), item.get("for", "")
        count = str(len(item.get("samples") or ()))
    cells = [at, where + rule, item.get("series") or "no series", verdict(item)]
    cells += [threshold, for_, count, _value(item)]
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def evidence_section(steps: Iterable[Step], when: Callable[[Any], str]) -> list[str]:
    rows: list[str] = []
    last: dict[tuple[str, str, str], str] = {}
    for step in steps:
        record = step.record
        items = record.data.get("evidence") or ()
        if record.kind == "window":
            for item in items:
                key = (item["kind"], item["rule"], item["series"])
                if last.get(key) != verdict(item):
                    last[key] = verdict(item)
                    rows.append(_row(when(record.time), item))
        elif record.kind == "action.step" and items:
            where = f"soak {record.data.get('status')} on: "
            rows += [_row(when(record.time), item, where) for item in items]
    out = ["## Evidence", ""]
    if not rows:
        return [*out, "No verdict in this journal carries evidence.", ""]
    out += [
        "Each change of a rule's verdict on a series, and each soak the window decided.",
        "",
        "| time | rule | series | verdict | threshold | for | samples | value |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
    ]
    return out
