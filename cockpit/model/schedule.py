"""Where the window stands against its T-0 timeline. Pure: `now` comes from the state.

A step is done only on evidence: every item of its section done, or the action it names
(`action: cutover`) journaled as succeeded, at whatever hour. A step with neither items
nor such an action has no evidence to give: once its time is over it is PAST (shown as
unknown), never done; the clock alone proves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from cockpit.model.checklist import Runbook, TimelineStep
from cockpit.model.state import ActionState, State
from cockpit.model.units import TimePoint

DONE, NOW, LATE, UPCOMING = "done", "now", "late", "upcoming"
PAST = "past"


@dataclass(frozen=True)
class StepStatus:
    step: TimelineStep
    starts: datetime
    done: int
    total: int
    status: str
    #: the action whose success made the step done (None: its items did, or it is not)
    proof: ActionState | None = None


def moment(point: TimePoint, t0: date, tz: tzinfo) -> datetime:
    """A timeline point as a wall-clock moment; a whole day (`T-3d`) starts at midnight."""
    day = t0 + timedelta(days=point.days)
    return datetime.combine(day, point.at or time(0, 0), tzinfo=tz)


def succeeded(state: State, action: str | None) -> ActionState | None:
    """The first run of `action` (e.g. cutover) that ended in success, if any."""
    return next(
        (a for a in state.actions.values() if a.action == action and a.outcome == "succeeded"),
        None,
    )


def schedule(runbook: Runbook, name: str, state: State, t0: date, tz: tzinfo) -> list[StepStatus]:
    """Each step with its progress and status, from the state alone: what the timeline
    pane shows, and what an invariant check can hold against the journal (no DONE
    without items done or a succeeded action)."""
    now = datetime.fromisoformat(state.now) if state.now else None
    sections = {s.id: s for s in runbook.walk_sections()}
    steps = sorted(runbook.timeline, key=lambda s: s.at.sort_key)
    out: list[StepStatus] = []
    for index, step in enumerate(steps):
        section = sections.get(step.section or "")
        owned = section is not None and not any(
            other.section == step.section for other in steps[:index]
        )
        done, total = state.section_progress(name, section) if section and owned else (0, 0)
        starts = moment(step.at, t0, tz)
        following = next((moment(s.at, t0, tz) for s in steps[index + 1 :]), None)
        ends = moment(step.until, t0, tz) if step.until else following
        if step.at.at is None:  # a whole day is over at midnight at the latest
            ends = min(filter(None, (ends, starts + timedelta(days=1))))
        over = now is not None and ends is not None and now >= ends
        proof = succeeded(state, step.action) if step.action else None
        if (total and done == total) or proof is not None:
            status = DONE
        elif over and not total and not step.action:
            status = PAST
        elif over:
            status = LATE
        elif now is not None and now >= starts:
            status = NOW
        else:
            status = UPCOMING
        out.append(StepStatus(step, starts, done, total, status, proof))
    return out


def lag(steps: list[StepStatus], now: datetime | None) -> timedelta | None:
    """How far behind (positive) or ahead (negative) the window runs; None when unknown.

    Behind: the oldest unfinished step that should be over, by how long it is overdue.
    Ahead: the latest step already finished before its start time, by how early.
    Only the day of T-0 counts: an unticked item from T-7 is late, but it does not make
    the cutover run a week behind.
    """
    if now is None:
        return None
    today = [s for s in steps if s.step.at.days == 0 and s.step.at.at is not None]
    for index, current in enumerate(today):
        if current.status == LATE:
            following = next((s.starts for s in today[index + 1 :]), current.starts)
            return now - following
    early = [s for s in today if s.status == DONE and (s.total or s.proof) and s.starts > now]
    if early:
        return now - max(s.starts for s in early)
    return timedelta(0)
