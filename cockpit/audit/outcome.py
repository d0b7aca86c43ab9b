"""The report's first lines: how the window ended, before the detail that proves it.

Everything from the replayed state and the journal's records: each action's outcome and
when it ended, the window's verdict at the end, the go/no-go gate when the cutover was
confirmed and at the end, what the checklists left open, and whether the journal is intact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cockpit.audit.replay import Replay
from cockpit.audit.verify import Verdict
from cockpit.model import events as ev
from cockpit.model.gate import decide
from cockpit.model.state import ActionState, Counts, State

KIND = {"rollback-selector": "rollback (selector)", "rollback-helm": "rollback (helm)"}


def _ended(replay: Replay, key: str) -> datetime | None:
    return next(
        (
            s.record.time
            for s in reversed(replay.steps)
            if s.record.kind in ev.RESULT_KINDS and s.record.data.get("id") == key
        ),
        None,
    )


def _why(action: ActionState) -> str:
    """The step that decided it, in its first clause (the whole text is under Actions)."""
    if action.aborted_by:  # the operator's cancel decided it, whatever step it stopped in
        return f"cancelled by {action.aborted_by}: {action.abort_reason}"
    failed = [s for s in action.steps if s.status == "failed"]
    if failed:
        return f"{failed[-1].step} failed: {failed[-1].detail.split(': ')[0]}".rstrip(": ")
    if action.overridden:
        because = f" because {action.override_reason}" if action.override_reason else ""
        return f"overriding {', '.join(action.overridden)}{because}"
    return action.detail.split(": ")[0]


def _action_line(replay: Replay, key: str, action: ActionState, when: Callable) -> str:
    if not action.outcome:
        last = action.last_step
        where = f", last step {last.step} {last.status}" if last else ""
        return f"{action.title}: **unfinished**{where}"
    ended = _ended(replay, key)
    at = f" at {when(ended)}" if ended else ""
    why = _why(action)
    return f"{action.title}: **{action.outcome}**{at}" + (f" ({why})" if why else "")


def _gates(replay: Replay, when: Callable) -> list[str]:
    """Each go/no-go pane's decision when the first cutover was confirmed, and at the end."""
    final = replay.final
    cutovers = {key for key, a in final.actions.items() if a.action == "cutover"}
    confirmed = next(
        (
            i
            for i, s in enumerate(replay.steps)
            if s.record.kind == "action.confirm" and s.record.data.get("id") in cutovers
        ),
        None,
    )
    lines = []
    for pane in replay.layout.panes():
        runbook = final.runbooks.get(pane.checklist or "") if pane.kind == "gate" else None
        gate = runbook.gate(pane.gate) if runbook else None
        if gate is None:
            continue
        said = []
        if confirmed is not None:
            then = decide(gate, pane.checklist or "", replay.state_after(confirmed))
            moment = when(replay.times[confirmed])
            said.append(f"{then.decision} when the cutover was confirmed ({moment})")
        end = decide(gate, pane.checklist or "", final)
        why = f": {end.reasons[0]}" if end.reasons else ""
        said.append(f"{end.decision} at the end{why}")
        lines.append(f"Go/no-go ({gate.title}): " + "; ".join(said))
    return lines


def _open_critical(state: State) -> int:
    return sum(
        1
        for name, runbook in state.runbooks.items()
        for item in runbook.walk_items()
        if item.critical and not state.is_done(name, item.id)
    )


def outcome(replay: Replay, verdict: Verdict, when: Callable) -> list[str]:
    """The headline and its bullets, as Markdown lines."""
    final = replay.final
    counts = [final.counts(name) for name in final.runbooks]
    done, total = sum(c.done for c in counts), sum(c.total for c in counts)
    closed = Counts(
        skipped=sum(c.skipped for c in counts),
        not_applicable=sum(c.not_applicable for c in counts),
    )
    critical = _open_critical(final)
    window = final.window
    window_text = (
        f"{window.state} at the end (since {when(window.since)})" if window.state else "not judged"
    )
    journal = verdict.message.split(":")[0]
    acted = [
        f"{KIND.get(a.action, a.action)} {a.outcome or 'unfinished'}"
        for a in final.actions.values()
    ]
    head = [
        ", ".join(acted) or "no cutover, rollback or backup",
        f"window {window.state or 'not judged'}",
        f"checklists {done}/{total} done{closed.extra()}, {critical} critical open",
        f"journal {journal}",
    ]
    lines = [f"**Outcome: {'; '.join(head)}.**", ""]
    lines += [f"- {_action_line(replay, k, a, when)}" for k, a in final.actions.items()]
    lines += [f"- Window: {window_text}"]
    lines += [f"- {line}" for line in _gates(replay, when)]
    lines += [
        f"- Checklists: {done}/{total} done{closed.extra()}, {critical} critical item"
        f"{'' if critical == 1 else 's'} open",
        f"- Journal: {verdict.message}",
    ]
    return lines
