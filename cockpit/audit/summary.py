"""`cockpit replay --headless`: the final state of a recorded window, in plain text."""

from __future__ import annotations

from collections import Counter

from cockpit.audit.replay import Replay
from cockpit.model.state import State

ACTION_KINDS = ("action.plan", "action.confirm", "action.result")


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
        done, total = state.checklist_progress(name)
        lines.append(f"{name}: {runbook.title}: {done}/{total}")
        for section in runbook.sections:
            s_done, s_total = state.section_progress(name, section)
            if s_total:
                lines.append(f"  {section.title}: {s_done}/{s_total}")
    return lines


def summary(replay: Replay) -> str:
    state = replay.final
    who = Counter(p.by for p in state.progress.values() if p.done and p.by)
    actions = [s.record for s in replay.steps if s.record.kind in ACTION_KINDS]
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
        "actions: " + (f"{len(actions)} records" if actions else "none recorded"),
        *(f"  {r.ts[:19]} {r.kind} {r.data}" for r in actions),
        f"alerts at the end: {alerts}",
    ]
    return "\n".join(lines)
