"""Why the window is where it is: the evidence its verdict was judged on, as journaled.

Rule, threshold, `for`, since, the query as sent and the samples, per judged series; for
a comparison of green with blue, U, p and both sides' samples. Read from the state (the
verdict's `evidence`), never fetched: what this shows is what the journal holds. Every
string is outside text (a query, a rule's name from a runbook) and is cleaned and shown
as text, never read as markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from itertools import zip_longest
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.model.evidence import COMPARE, GUARD, TRIGGER, decode
from cockpit.model.units import Compare, format_value
from cockpit.model.untrusted import clean
from cockpit.ui.palette import ALARM, CAUTION, SUCCESS, WARNING, look
from cockpit.ui.widgets.pane import clock

SHOWN = 10  # samples per series in the table; the rest are counted
#: a verdict as Textual style text (`palette.look`)
STYLE = {
    "OK": SUCCESS,
    "Pass": SUCCESS,
    "PENDING": CAUTION,
    "HOLD": CAUTION,
    "Marginal": CAUTION,
    "ROLLBACK": ALARM,
    "Fail": ALARM,
}


def _time(t: float, tz: tzinfo | None) -> str:
    return datetime.fromtimestamp(t, UTC).astimezone(tz).strftime("%H:%M:%S")


def _formatter(item: Mapping[str, Any]):
    condition = item.get("condition")
    if not condition:
        return lambda v: format_value(v, None)
    try:
        return Compare.model_validate(condition).format
    except ValueError:
        return lambda v: format_value(v, None)


def _samples(item: Mapping[str, Any], tz: tzinfo | None) -> RenderableType:
    fmt = _formatter(item)
    if item["kind"] == COMPARE:
        sides = [decode(item[side]["samples"])[-SHOWN:] for side in ("blue", "green")]
        table = Table(box=None, pad_edge=False, header_style="dim")
        for side in ("blue", "green"):
            name = clean(str(item[side].get("version", side)))
            table.add_column(Text(f"{name} at"))
            table.add_column(Text(name), justify="right")
        for pair in zip_longest(*sides):
            row: list[Text] = []
            for sample in pair:
                row += [
                    Text(_time(sample.t, tz) if sample else ""),
                    Text(fmt(sample.value) if sample else ""),
                ]
            table.add_row(*row)
        return table
    samples = decode(item["samples"])
    if not samples:
        return Text("  no samples: nothing to judge on, so not a pass", style=look(WARNING))
    table = Table(box=None, pad_edge=False, header_style="dim")
    table.add_column(Text("at"))
    table.add_column(Text("value"), justify="right")
    for sample in samples[-SHOWN:]:
        table.add_row(Text(_time(sample.t, tz)), Text(fmt(sample.value)))
    earlier = len(samples) - SHOWN
    return Group(table, Text(f"  … and {earlier} earlier", style="dim")) if earlier > 0 else table


def _head(item: Mapping[str, Any]) -> Text:
    state = clean(str(item.get("state", "")))
    shadow = " (shadow: report-only)" if item.get("shadow") else ""
    series = clean(str(item.get("series") or "no series"))
    return Text.assemble(
        (f"{state:<9}", look(STYLE.get(state, WARNING))),
        (f"{clean(str(item.get('rule', '')))}", "bold"),
        f" — {series}{shadow}",
    )


def _facts(item: Mapping[str, Any], tz: tzinfo | None) -> Text:
    lines = []
    if item["kind"] == COMPARE:
        lines.append(f"green against blue, one-sided (green {item.get('worse')} is worse)")
        lines.append(clean(str(item.get("summary", ""))))
        if not item.get("counts") and not item.get("shadow"):
            lines.append("green takes no traffic: shown, not held against the window")
    else:
        condition = clean(str(item.get("condition", "")))
        judged = (
            f"trigger: {condition} for {clean(str(item.get('for', '')))}"
            if item["kind"] == TRIGGER
            else f"success criterion: {condition} on the last sample"
        )
        fresh = clean(str(item.get("fresh", "")))
        lines.append(f"{judged}; a sample older than {fresh} is stale")
        if item.get("since"):
            lines.append(f"held since {clock(item['since'], tz, '%H:%M:%S')}")
    window = item.get("window") or ["", ""]
    lines.append(
        f"window {clock(window[0], tz, '%H:%M:%S') or '–'} – {clock(window[1], tz, '%H:%M:%S')}"
    )
    lines.append(f"query: {clean(str(item.get('query', '')))}")
    return Text("\n".join(f"  {line}" for line in lines), style="dim")


def describe(items: Sequence[Mapping[str, Any]], tz: tzinfo | None) -> RenderableType:
    """Each item: its verdict and rule, the facts it was judged by, its samples (a guard,
    what the cluster or an action showed)."""
    if not items:
        return Text(
            "No evidence: the window has not been judged (no metrics).", style=look(WARNING)
        )
    parts: list[RenderableType] = []
    for item in items:
        if item["kind"] == GUARD:
            parts += [_head(item), Text(f"  {clean(str(item.get('detail', '')))}"), Text("")]
            continue
        parts += [_head(item), _facts(item, tz), _samples(item, tz), Text("")]
    return Group(*parts)


class WhyScreen(ModalScreen[None]):
    AUTO_FOCUS = "#why-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,w,enter", "dismiss", "Close", id="why-close")
    ]

    def __init__(self, title: str, body: RenderableType) -> None:
        super().__init__()
        self.heading, self.body = title, body

    def compose(self) -> ComposeResult:
        body = VerticalScroll(id="why-body")
        body.border_title = Content(self.heading)  # Content: text, never markup
        body.border_subtitle = Content("esc: close")
        with body:
            yield Static(self.body, id="why-text")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
