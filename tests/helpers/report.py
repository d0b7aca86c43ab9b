"""A window's journal written by hand, as the cockpit writes it, and its Markdown report read
back by section (shared by the report's tests and the decisions')."""

from __future__ import annotations

from datetime import timedelta

from cockpit.audit.export_markdown import report
from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.replay import Replay
from cockpit.audit.session_record import session_start
from cockpit.audit.trail import AuditTrail
from cockpit.audit.verify import verify
from cockpit.model import events as ev
from tests.ui.apps import NOW, make_session


class Window:
    """A journal written as the cockpit writes it, the clock moved by hand (minutes after NOW,
    11:42:05 in Berlin)."""

    def __init__(self, path, zone: str | None = "Europe/Berlin", policy: bool = True) -> None:
        self.path, self.now = path, NOW
        self.journal = Journal(path, clock=lambda: self.now)
        self.trail = AuditTrail(self.journal)
        start = session_start(make_session(), (160, 48), [])
        if zone is None:  # a journal from before the zone was recorded
            del start["timezone"]
        if not policy:  # … or the approval policy
            del start["approval"]
        self.trail.record("session.start", start)

    def at(self, minutes: float, *events: ev.Event) -> None:
        self.now = NOW + timedelta(minutes=minutes)
        for event in events:
            self.trail.event(event)

    def iso(self, minutes: float | None = None) -> str:
        """The clock's time (moved to `minutes` first), for an event's own `at`."""
        if minutes is not None:
            self.at(minutes)
        return self.now.isoformat()

    def alert(self, minutes: float, message: str) -> None:
        self.at(minutes)
        self.at(minutes, ev.Alert(key="rollback", level="critical", message=message, at=self.iso()))

    def metrics(self, minutes: float, errors: dict, p95: dict) -> None:
        self.at(minutes)
        t = self.now.timestamp()
        for name, values in (("error_rate", errors), ("p95", p95)):
            samples = tuple(
                {"labels": {"version": v}, "t": t, "value": str(x)} for v, x in values.items()
            )
            self.at(minutes, ev.MetricObserved(metric=name, samples=samples, at=self.iso()))

    def action(self, minutes: float, key: str, action: str, title: str, steps, outcome, detail):
        self.at(minutes)
        by = "alice@bastion"
        self.at(
            minutes,
            ev.ActionPlanned(id=key, action=action, target="valeo-erp", title=title, by=by),
            ev.ActionConfirmed(id=key, by=by, at=self.iso()),
        )
        for step, status, text in steps:
            self.at(minutes, ev.ActionStep(id=key, step=step, status=status, detail=text))
        self.at(minutes + 1, ev.ActionFinished(id=key, outcome=outcome, detail=detail))

    def done(self) -> str:
        self.trail.record("session.end", {"reason": "quit"})
        self.journal.close()
        return report(Replay(read_records(self.path)), verify(self.path, None), self.path.name)


def section(story: str, title: str) -> list[str]:
    lines = story.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in lines.splitlines() if line.startswith("| ") and "---" not in line]
