"""The pods of the window, blue and green, and what the Service makes of them.

Built for 10,000 pods: rows are rebuilt at most four times a second however fast the
watch streams, and only the visible lines are rendered.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from cockpit.model.layout import Pane as PaneSpec
from cockpit.model.state import State
from cockpit.ui.pod_rows import SORTS, PodRow, age, pod_rows, status_of
from cockpit.ui.widgets.pane import clock
from cockpit.ui.widgets.rows_pane import RowsPane
from cockpit.ui.widgets.source_pane import source_line

REBUILD_EVERY = 0.25
BAD = ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "Error", "OOMKilled", "Evicted")


class PodsPane(RowsPane):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "sort", "Sort", id="pods-sort"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"pods-pane--group", "pods-pane--bad", "pods-pane--dim"}

    def __init__(self, pane_id: str, spec: PaneSpec, state: State, tz: tzinfo | None, service: str):
        super().__init__(id=pane_id, classes="pane")
        self.setup_pane(pane_id, spec, state, tz)
        self.service = service
        self.sort = "name"
        self.rows: list[PodRow] = []
        self._dirty = False
        self.rebuild()

    def on_mount(self) -> None:
        self.set_interval(REBUILD_EVERY, self.catch_up)

    def affected(self, old: State, new: State) -> bool:
        if old.kube is not new.kube or old.sources is not new.sources:
            self._dirty = True  # rebuilt on the next tick, not per watch event
            return False
        return self.view_changed(old, new)

    def catch_up(self) -> None:
        """Rebuild now if the watch changed the pods (the timer's work; a replay's frame)."""
        if self._dirty:
            self._dirty = False
            self.repaint()

    def build_rows(self) -> list[PodRow]:
        return pod_rows(self.state.kube, self.service, self.state.now, self.sort, self.needle)

    def title(self) -> str:
        pods = self.state.kube.pods
        ready = sum(p.ready for p in pods.values())
        source = self.state.sources.get("kubernetes")
        health = ""
        if source is not None and source.state not in ("ok", "not configured"):
            data = (
                f", data of {clock(source.last_ok, self.tz, '%H:%M:%S')}" if source.last_ok else ""
            )
            health = f" · {source.state} since {clock(source.since, self.tz)}{data}"
        return f"{self.spec.title or 'Pods'} {ready}/{len(pods)} ready · by {self.sort}{health}"

    def line_for(self, row: PodRow, width: int) -> tuple[Text, Text]:
        if row.pod is None:
            style = self.get_component_rich_style("pods-pane--group", partial=True)
            return Text(f"▾ {row.version} {row.summary}", style=style), Text()
        pod = row.pod
        status = status_of(pod)
        bad = status in BAD or (pod.phase == "Running" and not pod.ready)
        style = self.get_component_rich_style(
            "pods-pane--bad" if bad else "pods-pane--dim", partial=True
        )
        mark = "◀" if row.selected else " "
        endpoint = {True: "✔", False: "✗", None: " "}[row.endpoint]
        left = Text(f" {mark}{endpoint} {pod.name}")
        right = Text.assemble(
            f"{pod.ready_containers}/{pod.containers} ",
            (f"{status or 'Running':<16.16}", style if bad else ""),
            f" ↻{pod.restarts:<3}",
        )
        if width >= 70:  # room for age and node without cutting the pod's name
            right.append(f" {age(pod.started, self.state.now):>4} {pod.node:<10.10}")
        return left, right

    def render_empty(self) -> Text:
        return source_line("kubernetes", self.state, self.tz).split("\n")[0]

    def action_sort(self) -> None:
        """A view preference of this terminal, not a fact of the window: not journaled."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.repaint()
