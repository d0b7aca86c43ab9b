"""What goes into the journal: the cockpit's events and the operator's raw inputs.

Events are stored under their own kind with their own fields, so replay rebuilds the
state with `reduce`. The clock is not stored: every record has its `ts`, and replay
sets the clock from it. An observation identical to the last one of its source is stored
as `unchanged` (a reference and a time), which keeps hours of polling small.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import platformdirs

from cockpit.audit.journal import Journal
from cockpit.model import events as ev
from cockpit.model.ids import slugify

UNCHANGED = "unchanged"


def default_journal_path(window: str) -> Path:
    """One journal per window; each session in it starts with `session.start`."""
    return platformdirs.user_state_path("cockpit") / "audit" / f"{slugify(window)}.jsonl"


def beside(own: Path, n: int) -> Path:
    """The `n`th journal of a window whose own one another cockpit writes (`NAME.2.jsonl`)."""
    return own.with_name(f"{own.stem}.{n}{own.suffix}")


def dedupe_key(event: ev.Event) -> Hashable | None:
    """Observations that repeat: the same source (or item) reporting the same thing."""
    if isinstance(event, ev.SourceStatus):
        return ("source", event.source)
    if isinstance(event, ev.CheckResult):
        return ("check", event.checklist, event.item)
    if isinstance(event, ev.MetricObserved):
        return ("metric", event.metric)
    if isinstance(event, ev.LockStatus):
        return ("lock",)
    if isinstance(event, ev.KubeObserved):
        names = "*" if event.change == "LIST" else ",".join(i.get("name", "") for i in event.items)
        return ("kube", event.resource, names)
    return None


def _without_time(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "at"}


class AuditTrail:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._last: dict[Hashable, tuple[int, dict[str, Any]]] = {}

    def event(self, event: ev.Event) -> int | None:
        if isinstance(event, ev.ClockTick):
            return None
        data = event.to_data()
        key = dedupe_key(event)
        if key is not None:
            seen = self._last.get(key)
            if seen is not None and seen[1] == _without_time(data):
                return self.journal.append(UNCHANGED, {"of": seen[0], "at": data.get("at", "")})
        seq = self.journal.append(event.kind, data)
        if key is not None:
            self._last[key] = (seq, _without_time(data))
        return seq

    def commit(self, event: ev.Event) -> int:
        """Journal and fdatasync before returning (an action's confirmation, before it runs);
        raises `JournalUnavailable` when that is not possible."""
        return self.journal.commit(event.kind, event.to_data())

    def record(self, kind: str, data: dict[str, Any]) -> int:
        """Raw inputs (key, mouse, paste) and session records (start, end)."""
        return self.journal.append(kind, data)
