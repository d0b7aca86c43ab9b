"""One line: where, the window (OK/HOLD/ROLLBACK), who, audit, read-only, the clock.

At 80 columns not everything fits: parts are dropped least important first, and the
clock, the place, the window's state and the read-only mark are never dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from rich.text import Text
from textual.widget import Widget

from cockpit.model.state import State
from cockpit.ui.palette import ERROR, ON_WARNING, SUCCESS, look

SHORT = {"kubernetes": "k8s", "prometheus": "prom", "postgres": "pg", "probes": "http"}
STATE_MARK = {"ok": "✔", "not configured": "–"}
SEPARATOR = " │ "
#: the window's state as Textual style text (`palette.look`)
WINDOW_STYLE = {
    "OK": f"bold {SUCCESS}",
    "HOLD": f"bold {ON_WARNING}",
    "ROLLBACK": f"bold reverse {ERROR}",
}


class StatusBar(Widget):
    def __init__(
        self,
        *,
        context: str,
        namespace: str,
        operator: str,
        read_only: bool,
        holder: str = "",
        tz: tzinfo | None,
        note: str = "",
    ) -> None:
        super().__init__(id="status-bar")
        self.note = note
        self.context, self.namespace, self.operator = context, namespace, operator
        self.holder = holder  # this process's lock identity: "mine" means exactly this one
        self.read_only, self.tz = read_only, tz
        self.audit = ""
        self.state = State()

    def show(self, state: State, audit: str) -> None:
        """Repaints only when something it shows changed (it is called on every event)."""
        if (
            state.now == self.state.now
            and state.sources is self.state.sources
            and (state.lock is self.state.lock and audit == self.audit)
            and state.window is self.state.window
        ):
            return
        self.state, self.audit = state, audit
        self.refresh()

    def parts(self) -> list[tuple[int, Text]]:
        """(priority, text) in display order; the higher the number, the sooner dropped."""
        now = datetime.fromisoformat(self.state.now) if self.state.now else None
        sources = " ".join(
            f"{SHORT.get(name, name)}{STATE_MARK.get(src.state, '✗')}"
            for name, src in sorted(self.state.sources.items())
        )
        user = self.operator.split("@", 1)[0]
        lock = self.state.lock
        mine = lock.mine(self.holder, self.state.now or "")
        observer = lock.state != "not configured" and not mine
        mode = Text("observer", style="bold") if observer else Text("rw")  # at every width
        if self.read_only:
            mode = Text("READ-ONLY", style="bold reverse")
        if mine:
            lock_text = Text("🔒 mine")
        elif lock.state == "not configured":
            lock_text = Text("")
        else:
            lock_text = Text(f"lock {lock.said(self.holder, self.state.now or '')}", style="bold")
        window = self.state.window.state
        return [
            (0, Text(self.note, style="bold reverse")),
            (0, Text(f"{self.context}/{self.namespace}", style="bold")),
            (0, Text(window, style=look(WINDOW_STYLE.get(window, "bold")))),
            (5, Text(self.operator)),
            (4, Text(user)),
            (2, Text(self.audit)),
            (0, mode),
            (1, lock_text),
            (3, Text(sources)),
            (0, Text(f"{now.astimezone(self.tz):%H:%M:%S}" if now else "--:--")),
            (1, Text(f"{now.astimezone(UTC):%H:%M}Z" if now else "")),
        ]

    def render(self) -> Text:
        full = self.parts()
        width = self.size.width or 80

        def length(chosen: list[tuple[int, Text]]) -> int:
            return sum(t.cell_len for _, t in chosen) + len(SEPARATOR) * (len(chosen) - 1) + 1

        chosen = [p for p in full if p[0] != 4]  # the full user@host when it fits …
        if length(chosen) > width:
            chosen = [p for p in full if p[0] != 5]  # … else just the user
        while length(chosen) > width and max(p for p, _ in chosen) > 0:
            worst = max(p for p, _ in chosen)
            chosen = [c for c in chosen if c[0] != worst]
        return Text(" ").append_text(Text(SEPARATOR).join(t for _, t in chosen if t.plain))
