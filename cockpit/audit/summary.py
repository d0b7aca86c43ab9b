"""`cockpit replay --headless`: the final state of a recorded window, in plain text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from cockpit.audit.replay import Replay
from cockpit.model.state import ActionState, State

MARK = {"passed": "✔", "failed": "✗"}


def _when(ts: str) -> str:
    return f"{ts[:19].replace('T', ' ')} UTC"


def sessions(replay: Replay) -> list[str]:
    out = []
    for step in replay.steps:
        record, data = step.record, step.record.data
        if record.kind == "session.start":
            where = f"{data.get('kube_context')}/{data.get('namespace')}"
            who = f"{data.get('operator')} on {data.get('host')}"
            out.append(f"{_when(record.ts)}  start  {who} ({where})")
        elif record.kind == "session.end":
            out.append(f"{_when(record.ts)}  end    ({data.get('reason', '')})")
    return out


def progress_lines(state: State) -> list[str]:
    lines = []
    for name, runbook in state.runbooks.items():
        counts = state.counts(name)
        lines.append(f"{name}: {runbook.title}: {counts.done}/{counts.total}{counts.extra()}")
        for section in runbook.sections:
            c = state.counts(name, section)
            if c.total:
                lines.append(f"  {section.title}: {c.done}/{c.total}{c.extra()}")
    return lines


def action_lines(action: ActionState, when: Callable[[str], str] = _when) -> list[str]:
    """An action as an auditor reads it: who planned what, what held, what was typed, what
    each step saw, how it ended. `when` writes its times (the report's zone)."""
    lines = [f"{action.title}: {action.outcome or 'unfinished'} — planned by {action.by}"]
    for check in action.preconditions:
        mark = MARK.get(str(check.get("status")), "?")
        lines.append(f"  {mark} {check.get('name')}  {check.get('detail', '')}".rstrip())
    if action.confirmed:
        overridden = f", overriding {', '.join(action.overridden)}" if action.overridden else ""
        because = f" because {action.override_reason}" if action.override_reason else ""
        lines.append(f"  confirmed {when(action.confirmed)}{overridden}{because}")
    if action.aborted_by:
        at = when(action.aborted_at) if action.aborted_at else ""
        lines.append(f"  cancel asked {at} by {action.aborted_by}: {action.abort_reason}")
    for step in action.steps:
        lines.append(f"  {step.step} {step.status}: {step.detail}".rstrip(": "))
    if action.detail:
        lines.append(f"  → {action.outcome}: {action.detail}")
    return lines


def summary(replay: Replay) -> str:
    state = replay.final
    who = Counter(p.by for p in state.progress.values() if p.done and p.by)
    kinds = Counter(s.record.kind for s in replay.steps)
    start = replay.start
    ticked = ", ".join(f"{name} ({n})" for name, n in who.most_common()) or "nobody"
    alerts = "; ".join(f"{key}: {a.message}" for key, a in state.alerts.items()) or "none"
    lines = [
        f"window {start.get('window')}  layout {replay.layout.title}  "
        f"cockpit {start.get('version')}",
        f"{len(replay.steps)} records: {kinds['key']} keys, {kinds['mouse']} mouse, "
        f"{kinds['paste']} pastes",
        "",
        "sessions:",
        *(f"  {line}" for line in sessions(replay)),
        "",
        "checklists:",
        *(f"  {line}" for line in progress_lines(state)),
        "",
        f"ticked by: {ticked}",
        "actions:" + ("" if state.actions else " none"),
        *(f"  {line}" for a in state.actions.values() for line in action_lines(a)),
        f"alerts at the end: {alerts}",
    ]
    return "\n".join(lines)
