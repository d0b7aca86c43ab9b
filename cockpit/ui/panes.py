"""Every kind of pane a layout may name, and how its widget is built: one line each.

A new kind is a widget module plus a line here (and its name in `model.layout.PaneKind`,
which the loader checks layouts against; a test holds the two equal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo

from textual.widget import Widget

from cockpit.model.layout import Layout, PaneKind
from cockpit.model.layout import Pane as PaneSpec
from cockpit.model.rules import rules_for
from cockpit.model.session import Session
from cockpit.model.state import State
from cockpit.ui.widgets.checklist_pane import ChecklistPane
from cockpit.ui.widgets.gate_pane import GatePane
from cockpit.ui.widgets.metric_pane import MetricPane
from cockpit.ui.widgets.pods_pane import PodsPane
from cockpit.ui.widgets.source_pane import SourcePane
from cockpit.ui.widgets.timeline_pane import TimelinePane


@dataclass(frozen=True)
class PaneContext:
    """What a pane is built from: its place in the layout, the state, the session."""

    pane_id: str
    spec: PaneSpec
    state: State
    session: Session
    layout: Layout

    @property
    def tz(self) -> tzinfo | None:
        return self.session.tz

    @property
    def service(self) -> str:
        return self.session.values.get("service", "")


def _metric(c: PaneContext) -> Widget:
    success, trigger = rules_for(c.state, c.layout.rules or "", c.spec.metric)
    return MetricPane(c.pane_id, c.spec, c.state, c.tz, success, trigger, c.layout.traffic)


PANES: dict[PaneKind, Callable[[PaneContext], Widget]] = {
    "checklist": lambda c: ChecklistPane(c.pane_id, c.spec, c.state, c.tz),
    "timeline": lambda c: TimelinePane(c.pane_id, c.spec, c.state, c.tz, c.session.t0),
    "metric": _metric,
    "pods": lambda c: PodsPane(c.pane_id, c.spec, c.state, c.tz, c.service),
    "probes": lambda c: SourcePane(c.pane_id, c.spec, c.state, c.tz),
    "gate": lambda c: GatePane(c.pane_id, c.spec, c.state, c.tz),
}
