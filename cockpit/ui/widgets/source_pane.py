"""Panes fed by a live source (pods, metrics, probes): what the source says.

Until a source delivers data the pane says so plainly — "not configured", "unreachable
since 11:42" — and never shows an invented value.
"""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual.content import Content
from textual.widgets import Static

from cockpit.model.layout import Pane as PaneSpec
from cockpit.model.state import State
from cockpit.ui.widgets.pane import PaneMixin, clock

#: the panes that have no widget of their own yet, and what feeds them
SOURCE_OF = {"probes": "probes"}
HOW_TO = {
    "kubernetes": "set --context/--namespace or KUBECONFIG",
    "prometheus": "set --prometheus URL or prometheus.url",
    "probes": "set vars.base_url in the config",
}


def source_line(name: str, state: State, tz: tzinfo | None) -> Text:
    source = state.sources.get(name)
    if source is None or source.state == "not configured":
        return Text.assemble((f"{name}: not configured", "bold"), f"\n{HOW_TO.get(name, '')}")
    if source.state == "ok":
        return Text(f"{name}: ok since {clock(source.since, tz)}")
    last = f", last data {clock(source.last_ok, tz)}" if source.last_ok else ", no data yet"
    detail = f"\n{source.detail}" if source.detail else ""
    return Text.assemble(
        (f"{name}: {source.state} since {clock(source.since, tz)}", "bold"), last, detail
    )


class SourcePane(PaneMixin, Static, can_focus=True):
    def __init__(self, pane_id: str, spec: PaneSpec, state: State, tz: tzinfo | None) -> None:
        super().__init__(id=pane_id, classes="pane")
        self.setup_pane(pane_id, spec, state, tz)
        self.source = SOURCE_OF[spec.kind]
        self.border_title = Content(spec.title or spec.kind)

    def on_mount(self) -> None:
        self.repaint()

    def affected(self, old: State, new: State) -> bool:
        return old.sources.get(self.source) is not new.sources.get(self.source)

    def repaint(self) -> None:
        self.update(source_line(self.source, self.state, self.tz))
