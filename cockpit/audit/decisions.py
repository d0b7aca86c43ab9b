"""The report's opening: who approved what and why, before the detail that proves it.

From the replayed journal alone, three tables and the four-eyes approvals, when there are
any (`audit/approvals.py`):
- sign-off: every item a runbook gives a role ("Technical Lead: ____"), with the person who
  signed it (the name typed), the operator who recorded it, when, and the notes on it — or
  that nobody did;
- the items skipped or marked not applicable, each with who, when and why, and for a
  closed-loop item its check at the end (a skip never hides a failing check);
- the decisions that went past the runbook: overrides of failed preconditions, cancels
  of running actions, take-overs of the window lock, each with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from cockpit.audit.approvals import approval_lines
from cockpit.audit.markdown import cell
from cockpit.audit.replay import Replay
from cockpit.model import events as ev
from cockpit.model.checklist import Item, Runbook
from cockpit.model.state import DONE, NOT_APPLICABLE, OPEN, SKIPPED, ItemProgress, State

Clock = Callable[[Any], str]
STATUS = {SKIPPED: "skipped", NOT_APPLICABLE: "not applicable"}
OLD = "not asked (journal from before reasons were)"


def _row(*cells: Any) -> str:
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def _places(runbook: Runbook) -> Iterator[tuple[Item, str]]:
    """Every item with where it stands: the section's title, and a parent item's text."""

    def items(entries: list[Item], where: str) -> Iterator[tuple[Item, str]]:
        for item in entries:
            yield item, where
            yield from items(item.items, f"{where} › {item.text}")

    for top in runbook.sections:
        for section in top.walk_sections():
            yield from items(section.items, section.title)


def _notes(progress: ItemProgress) -> str:
    said = [f"{progress.status}: {progress.reason}"] if progress.reason else []
    said += [f"{note.text} ({note.by})" for note in progress.notes]
    return "; ".join(said) or "—"


def _signer(progress: ItemProgress) -> tuple[str, str]:
    """(name, recorded by) of a role's item, said as it stands at the end."""
    if progress.status == DONE and progress.signed_by:
        return progress.signed_by, progress.recorded_by or "—"
    if progress.status == DONE:  # ticked without a name, or `[x]` in the runbook itself
        return "— (ticked, no name)", progress.by or "the runbook"
    if progress.status == OPEN:
        return "**not signed**", "—"
    return STATUS[progress.status], progress.by or "—"


def signoffs(state: State, when: Clock) -> list[str]:
    rows = [
        (name, runbook, item, where)
        for name, runbook in state.runbooks.items()
        for item, where in _places(runbook)
        if item.role
    ]
    if not rows:
        return ["No runbook of this window has a sign-off."]
    out = [
        "| role | name | recorded by | when | for | notes |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, runbook, item, where in rows:
        progress = state.item_progress(name, item.id)
        signer, recorder = _signer(progress)
        at = when(progress.at) if progress.at else "—"
        out.append(
            _row(item.role, signer, recorder, at, f"{runbook.title} › {where}", _notes(progress))
        )
    return out


def _check(state: State, checklist: str, item: Item) -> str:
    if item.check is None:
        return "—"
    result = state.checks.get((checklist, item.id))
    return f"{result.status} {result.detail}".strip() if result else "not run"


def closed_items(state: State, when: Clock) -> list[str]:
    rows = [
        (name, runbook, item, state.item_progress(name, item.id))
        for name, runbook in state.runbooks.items()
        for item in runbook.walk_items()
        if state.item_progress(name, item.id).status in STATUS
    ]
    if not rows:
        return ["No item was skipped or marked not applicable."]
    out = [
        "| item | checklist | state | by | when | why | check at the end |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, runbook, item, progress in rows:
        why = progress.reason or "no reason given"
        at = when(progress.at) if progress.at else "—"
        out.append(
            _row(
                item.text,
                runbook.title,
                STATUS[progress.status],
                progress.by,
                at,
                why,
                _check(state, name, item),
            )
        )
    return out


def _decision(event: ev.Event | None, final: State) -> tuple[str, str, str] | None:
    """(what, by, reason) of a step that went past the runbook, or None."""

    def title(key: str) -> str:
        action = final.actions.get(key)
        return action.title if action else key

    match event:
        case ev.ActionConfirmed(id=key, by=by, overridden=overridden, reason=reason) if overridden:
            return f"override on {title(key)}: {', '.join(overridden)}", by, reason or OLD
        case ev.ActionAbort(id=key, by=by, reason=reason):
            action = final.actions.get(key)
            ended = f" (it ended {action.outcome})" if action and action.outcome else ""
            return f"cancel of {title(key)}{ended}", by, reason
        case ev.LockTakeover(previous=previous, by=by, reason=reason):
            return f"took the window lock over from {previous}", by, reason or OLD
    return None


def decisions(replay: Replay, when: Clock) -> list[str]:
    rows = []
    for step in replay.steps:
        found = _decision(step.event, replay.final)
        if found is not None:
            rows.append(_row(when(step.record.time), *found))
    if not rows:
        return ["No override, cancel or take-over."]
    return ["| time | decision | by | reason |", "| --- | --- | --- | --- |", *rows]


def opening(replay: Replay, when: Clock) -> list[str]:
    """The section the report opens with, as Markdown lines."""
    return [
        "## Sign-off and decisions",
        "",
        "### Sign-off",
        "",
        *signoffs(replay.final, when),
        "",
        *approval_lines(replay, when),
        "### Skipped and not applicable",
        "",
        *closed_items(replay.final, when),
        "",
        "### Overrides, cancels, take-overs",
        "",
        *decisions(replay, when),
    ]
