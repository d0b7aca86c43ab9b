"""The live cockpit showing a recorded window: what the operator's screen was at a record.

The same `CockpitApp`, its panes, banner and status bar, with no sources, no executors,
no journal and no clock of its own: the state is the replay's at the record shown. The
status bar says what it said live: the operator, context and rw/READ-ONLY of the session
then, and the journal's next seq (`audit #N`) at that record.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date
from pathlib import Path
from typing import Any

from textual.events import Resize

from cockpit.audit.clock import recorded_zone
from cockpit.audit.replay import Replay
from cockpit.model import events as ev
from cockpit.model.session import Session, Workspace
from cockpit.model.state import State
from cockpit.ui.app import CockpitApp
from cockpit.ui.widgets.pods_pane import PodsPane
from cockpit.ui.widgets.status_bar import StatusBar


def recorded_session(replay: Replay, path: Path, *, read_only: bool | None = None) -> Session:
    """The session as the first `session.start` recorded it; `read_only` overrides its mark."""
    start = replay.start
    runbooks = replay.state_after(0).runbooks
    main = Workspace(layout=replay.layout, layout_path=path, runbooks=dict(runbooks))
    compact = None
    if replay.compact is not None:
        compact = Workspace(layout=replay.compact, layout_path=path, runbooks=dict(runbooks))
    return Session(
        workspace=main,
        compact=compact,
        operator=start.get("operator", "?"),
        context=start.get("kube_context", "?"),
        server=start.get("kube_server", ""),
        # journals before per-process lock identities held the lock as the operator
        holder=start.get("lock_holder", start.get("operator", "")),
        namespace=start.get("namespace", "?"),
        read_only=bool(start.get("read_only")) if read_only is None else read_only,
        window=start.get("window", "?"),
        t0=date.fromisoformat(start["t0"]) if start.get("t0") else date.today(),
        tz=recorded_zone(start) or UTC,
        keys={},
        note=start.get("note", ""),
    )


class RecordedApp(CockpitApp):
    def __init__(self, replay: Replay, path: Path, *, read_only: bool | None = None) -> None:
        self.replay = replay
        self.position = 0
        self._read_only = read_only
        self._starts = [i for i, s in enumerate(replay.steps) if s.record.kind == "session.start"]
        session = recorded_session(replay, path, read_only=read_only)
        super().__init__(session, tick_seconds=None, clock=lambda: replay.times[0])
        self.state = replay.state_after(0)

    # --- the recording is read, never changed ------------------------------------------------

    def dispatch(self, event: ev.Event, *, durable: bool = False) -> str | None:
        """Keys in the panes would change the recording: ignored (focus still moves)."""
        return None

    async def on_mount(self) -> None:
        """No sources, checks, clock or hang-up handler: only the recorded state, shown."""
        self._after_compose()

    async def on_resize(self, event: Resize) -> None:
        """The layout follows the recorded terminal size (`seek_index`), not this one."""

    def _layout_for(self, width: int, height: int) -> Workspace:
        recorded = self.state.size or (width, height)
        return super()._layout_for(*recorded)

    # --- the status bar as it was ------------------------------------------------------------

    def session_start_at(self, index: int) -> dict[str, Any]:
        """The `session.start` data of the session that `steps[index]` belongs to."""
        at = bisect_right(self._starts, index) - 1
        return self.replay.steps[self._starts[max(at, 0)]].record.data

    def _audit_label(self) -> str:
        if "audit" in self.state.alerts:  # the journal could not write: the live bar said so
            return "AUDIT ✗"
        return f"audit #{self.replay.steps[self.position].record.seq + 1}"

    def _render_state(self) -> None:
        bars = self.query(StatusBar) if self.screen_stack else []
        if bars:
            start, bar = self.session_start_at(self.position), bars.first()
            read_only = bool(start.get("read_only")) if self._read_only is None else self._read_only
            seen = (start.get("kube_context", "?"), start.get("namespace", "?"))
            seen += (start.get("operator", "?"), read_only, start.get("note", ""))
            if seen != (bar.context, bar.namespace, bar.operator, bar.read_only, bar.note):
                bar.context, bar.namespace, bar.operator, bar.read_only, bar.note = seen
                bar.refresh()
        super()._render_state()

    # --- moving through the recording --------------------------------------------------------

    async def seek_index(self, index: int) -> None:
        """Show the state once `steps[0..index]` happened (recomposed if the layout changes)."""
        index = min(max(index, 0), len(self.replay.steps) - 1)
        before = self._layout_for(self.size.width, self.size.height)
        self.position = index
        self.state = self.replay.state_after(index)
        if self._layout_for(self.size.width, self.size.height) is not before:
            self.active = self._layout_for(self.size.width, self.size.height)
            await self.recompose()
        self.show_state(self.state)

    def show_state(self, state: State) -> None:
        """The state, shown at once: the pods pane's 4-per-second rebuild is not waited for."""
        self.state = state
        self._apply_focus()
        self._render_state()
        for pane in self.query(PodsPane):
            pane.catch_up()
