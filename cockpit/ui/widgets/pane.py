"""What every pane shares: its spec from the layout and the state it renders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from cockpit.model import events as ev
from cockpit.model.layout import Pane as PaneSpec
from cockpit.model.state import State

#: where a pane's events go: the app's `dispatch`, given to the pane, never looked up
Sink = Callable[[ev.Event], object]


def clock(iso: str | None, tz: tzinfo | None, fmt: str = "%H:%M") -> str:
    """An event's RFC 3339 time as wall-clock text in `tz`; '' when there is none."""
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone(tz).strftime(fmt)
    except ValueError:
        return "?"


class PaneMixin:
    """Mixed into pane widgets: `show(state)` is the only way data reaches a pane."""

    pane_id: str
    spec: PaneSpec
    state: State
    tz: tzinfo | None

    def setup_pane(self, pane_id: str, spec: PaneSpec, state: State, tz: tzinfo | None) -> None:
        self.pane_id, self.spec, self.state, self.tz = pane_id, spec, state, tz

    def show(self, state: State) -> None:
        """After every event; repaints only when something this pane shows has changed."""
        old, self.state = self.state, state
        if self.affected(old, state):
            self.repaint()

    def affected(self, old: State, new: State) -> bool:
        return old is not new

    sink: Sink | None = None

    def emit(self, event: ev.Event) -> None:
        """An operator's key became an event: into the journal and the reducer at once, so
        the next key (typed ahead over a slow link) acts on the state this one made. A
        Textual message would arrive after it: "jj<space>" ticked the wrong row."""
        if self.sink is not None:
            self.sink(event)

    def repaint(self) -> None:
        self.refresh()  # type: ignore[attr-defined]
