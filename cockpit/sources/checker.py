"""Closed-loop checks as events: each item's check judged from the state, when it changed.

Kube checks need no request of their own: they read the watched state. They are judged
again when that state changed, and every `REFRESH` anyway, so a check that keeps
passing is not shown as stale while its source is healthy; a result is emitted only
when it differs from the one shown or has grown old.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cockpit.model import events as ev
from cockpit.model.checklist import KubeCheck
from cockpit.model.kube_checks import UNKNOWN, evaluate
from cockpit.model.session import Session
from cockpit.model.state import State

CHECK_EVERY = 1.0
REFRESH = timedelta(seconds=60)


class Checker:
    def __init__(self, session: Session) -> None:
        self.values = session.values
        self._judged: tuple[object, object] | None = None
        self._judged_at: datetime | None = None
        self._checks = [
            (name, item.id, item.check)
            for name, runbook in session.workspace.runbooks.items()
            for item in runbook.walk_items()
            if isinstance(item.check, KubeCheck)
        ]

    def judge(self, check: KubeCheck, state: State) -> tuple[str, str]:
        source = state.sources.get("kubernetes")
        if source is None or source.state == "not configured":
            return UNKNOWN, "Kubernetes not configured"
        status, detail = evaluate(check, state.kube, self.values)
        if source.state != "ok":  # last known data: say so, don't pass on it
            return UNKNOWN, f"kubernetes {source.state} ({detail})"
        return status, detail

    def results(self, state: State) -> list[ev.CheckResult]:
        if not state.now or not self._checks:
            return []
        now = datetime.fromisoformat(state.now)
        inputs = (state.kube, state.sources.get("kubernetes"))
        due = self._judged_at is None or now - self._judged_at >= REFRESH
        if inputs == self._judged and not due:
            return []
        self._judged, self._judged_at = inputs, now
        out = []
        for checklist, item, check in self._checks:
            status, detail = self.judge(check, state)
            shown = state.checks.get((checklist, item))
            same = shown is not None and (shown.status, shown.detail) == (status, detail)
            if same and not due:
                continue
            out.append(
                ev.CheckResult(
                    checklist=checklist, item=item, status=status, detail=detail, at=state.now
                )
            )
        return out
