"""The T-0 schedule: each step's progress and status, a now-marker, ahead or behind.

✔ only on evidence (`model.schedule`); a step whose time is over with nothing to prove
it is marked `?` (past, unknown), an overdue one `!`."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from rich.text import Text
from textual.content import Content
from textual.widget import Widget

from cockpit.model.layout import Pane as PaneSpec
from cockpit.model.schedule import DONE, LATE, NOW, PAST, lag, schedule
from cockpit.model.state import State
from cockpit.ui.palette import ALARM, look
from cockpit.ui.widgets.pane import PaneMixin

MARK = {DONE: "✔", NOW: "▶", LATE: "!", PAST: "?", "upcoming": " "}


def describe_lag(delta: timedelta | None) -> str:
    if delta is None:
        return "no clock"
    minutes = int(delta.total_seconds() // 60)
    if abs(minutes) < 1:
        return "on schedule"
    hours, mins = divmod(abs(minutes), 60)
    amount = f"{hours}h{mins:02d}m" if hours else f"{mins}m"
    return f"{amount} behind" if minutes > 0 else f"{amount} ahead"


class TimelinePane(PaneMixin, Widget, can_focus=True):
    def __init__(
        self, pane_id: str, spec: PaneSpec, state: State, tz: tzinfo | None, t0: date
    ) -> None:
        super().__init__(id=pane_id, classes="pane")
        self.setup_pane(pane_id, spec, state, tz)
        self.t0 = t0
        self.checklist = spec.checklist or ""

    def affected(self, old: State, new: State) -> bool:
        return (
            old.progress is not new.progress
            or old.actions is not new.actions
            or (old.now or "")[:16] != (new.now or "")[:16]
        )

    def render(self) -> Text:
        runbook = self.state.runbooks[self.checklist]
        steps = schedule(runbook, self.checklist, self.state, self.t0, self.tz)
        now = datetime.fromisoformat(self.state.now).astimezone(self.tz) if self.state.now else None
        self.border_title = Content(f"{self.spec.title or 'Timeline'} · T-0 {self.t0:%Y-%m-%d}")
        self.border_subtitle = Content(describe_lag(lag(steps, now)))
        lines: list[Text] = []
        marker = Text(f"── now {now:%H:%M} ──", style="bold") if now else None
        at_marker = 0
        styles = {DONE: "dim", NOW: "bold", LATE: look(ALARM), PAST: "dim italic"}
        for status in steps:
            if marker is not None and now is not None and status.starts > now:
                at_marker = len(lines)
                lines.append(marker)
                marker = None
            step = status.step
            when = f"{step.at}" + (f"–{step.until}" if step.until else "")
            counts = f" {status.done}/{status.total}" if status.total else ""
            lines.append(
                Text(
                    f"{MARK[status.status]} {when:<11} {step.title}{counts}",
                    style=styles.get(status.status, ""),
                )
            )
        if marker is not None:
            at_marker = len(lines)
            lines.append(marker)
        if not steps:
            lines.append(Text("this checklist has no timeline"))
        width, height = self.content_region.width or 80, self.content_region.height or len(lines)
        # too tall for the pane: keep "now" in view, with a little of what just happened
        start = max(0, min(at_marker - 3, len(lines) - height))
        shown = lines[start : start + height]
        for line in shown:
            line.truncate(width, overflow="ellipsis")
        return Text("\n").join(shown)
