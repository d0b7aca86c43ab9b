"""Full-width alerts (rollback triggers, an unwritable journal) and the action under way.

A rollback trigger's line names the key that shows its evidence; a click shows it too.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from cockpit.model.approval import EMERGENCY, REQUESTED
from cockpit.model.evidence import compared
from cockpit.model.state import LockState, State

ORDER = {"critical": 0, "warning": 1, "info": 2}


#: what the rules' rollback banner offers (`rules.window_events`): the holder's key
ROLLBACK_KEY = "r starts the rollback"


def offered(message: str, lock: LockState) -> str:
    """The rollback banner as this cockpit may act on it: the key for the lock's holder (or
    when no lock runs), for an observer who can roll back — never a key it does not have."""
    if ROLLBACK_KEY not in message or lock.state in ("held", "not configured"):
        return message
    if lock.state == "stale":
        whose = "the rollback is the lock's holder's: take the stale lock over (:) to roll back"
    else:
        whose = f"the rollback is {lock.holder or 'the lock holder'}'s, the lock's holder"
    return message.replace(ROLLBACK_KEY, whose)


class Banner(Static):
    def __init__(self, *, why_key: str = "w", approve_key: str = "A", **kwargs) -> None:
        super().__init__(**kwargs)
        self.why_key, self.approve_key = why_key, approve_key  # as remapped in the config

    def show(self, state: State) -> None:
        alerts = sorted(state.alerts.items(), key=lambda kv: (ORDER.get(kv[1].level, 3), kv[0]))
        lines = [
            f" {alert.level.upper()}: {offered(alert.message, state.lock)}"
            + (f" · {self.why_key}: why" if key == "rollback" else "")
            for key, alert in alerts
        ]
        running = state.running_action()
        if running is not None:
            action = running[1]
            step = action.last_step
            doing = f"{step.step} {step.status} {step.detail}".strip() if step else "confirmed"
            if (
                step is not None
                and step.step == "soak"
                and (said := compared(state.window.evidence))
            ):
                doing += f" · green vs blue: {', '.join(said)}"
            lines.append(f" ACTION: {action.title} — {doing}")
        approval = state.approval
        if approval is not None and approval.status == EMERGENCY:
            run = f"run by {approval.requester} without approval — {self.approve_key} approves"
            lines.append(f" APPROVAL AFTER THE FACT open: {approval.title}, {run}")
        elif approval is not None and approval.status == REQUESTED:
            asks = f"requested by {approval.requester}, plan {approval.short}"
            lines.append(f" APPROVAL {asks}: {approval.title} — {self.approve_key} reviews it")
        self.display = bool(lines)
        self.set_class(any(a.level == "critical" for _, a in alerts), "-critical")
        self.update(Text("\n".join(lines), no_wrap=True, overflow="ellipsis"))

    async def on_click(self) -> None:
        await self.app.run_action("why")
