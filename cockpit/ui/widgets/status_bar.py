"""One line: where (context, namespace), who, audit, read-only, the clock local and UTC."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from rich.text import Text
from textual.widgets import Static

from cockpit.model.state import State

SHORT = {"kubernetes": "k8s", "prometheus": "prom", "postgres": "pg", "probes": "http"}
STATE_MARK = {"ok": "✔", "not configured": "–"}


class StatusBar(Static):
    def __init__(
        self, *, context: str, namespace: str, operator: str, read_only: bool, tz: tzinfo | None
    ) -> None:
        super().__init__(id="status-bar")
        self.context, self.namespace, self.operator = context, namespace, operator
        self.read_only, self.tz = read_only, tz
        self.audit = "audit off"

    def show(self, state: State) -> None:
        now = datetime.fromisoformat(state.now) if state.now else None
        clock = (
            f"{now.astimezone(self.tz):%H:%M:%S} · {now.astimezone(UTC):%H:%M}Z" if now else "--:--"
        )
        sources = " ".join(
            f"{SHORT.get(name, name)}{STATE_MARK.get(src.state, '✗')}"
            for name, src in sorted(state.sources.items())
        )
        mode = "READ-ONLY" if self.read_only else "rw"
        self.update(
            Text.assemble(
                (f" {self.context}", "bold"),
                f"/{self.namespace} │ {self.operator} │ {self.audit} │ ",
                (mode, "bold reverse" if self.read_only else ""),
                f" │ {sources} │ {clock}",
                no_wrap=True,
                overflow="ellipsis",
            )
        )
