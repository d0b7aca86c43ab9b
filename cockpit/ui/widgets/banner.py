"""Full-width alerts (rollback triggers, an audit journal that cannot be written)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from cockpit.model.state import State

ORDER = {"critical": 0, "warning": 1, "info": 2}


class Banner(Static):
    def show(self, state: State) -> None:
        alerts = sorted(state.alerts.items(), key=lambda kv: (ORDER.get(kv[1].level, 3), kv[0]))
        self.display = bool(alerts)
        self.set_class(any(a.level == "critical" for _, a in alerts), "-critical")
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, (_, alert) in enumerate(alerts):
            if i:
                text.append("\n")
            text.append(f" {alert.level.upper()}: {alert.message}")
        self.update(text)
