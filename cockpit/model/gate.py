"""The go/no-go gate: GO only when every criterion holds now, with the reasons when not. Pure.

A gate decides on evidence: an item that is not done, an automated check that fails or
cannot say, and a window that is not judged OK each keep the gate at NO-GO, named.
A window due a ROLLBACK keeps every gate at NO-GO, whether or not a criterion asks for the
window (`window: true`): going on while the runbook says "roll back" is never a GO. A gate
whose criteria do not ask for the window gets one more line, WINDOW_GUARD, that only a
ROLLBACK fails: before the cutover the window is often on HOLD for want of traffic (NaN, no
samples), which says nothing against going; the line says so rather than hiding it.
A skipped item is not done: it keeps the gate at NO-GO with its reason (going on anyway
is an override, with a reason of its own). An item marked not applicable does not hold
the gate up, but the criterion says so (`notes`); its check, if it has one, still counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.model import events as ev
from cockpit.model.checklist import Gate, GateCriterion, Item, Runbook
from cockpit.model.rules import OK, ROLLBACK
from cockpit.model.state import NOT_APPLICABLE, OPEN, SKIPPED, State

GO, NO_GO = "GO", "NO-GO"
PASS, FAIL = "pass", "fail"
SHOWN = 3  # open items named per criterion; the rest are counted
WINDOW_GUARD = "Window not ROLLBACK"


@dataclass(frozen=True)
class CriterionResult:
    name: str
    passed: bool
    reasons: tuple[str, ...]
    #: what passed without being done: items marked not applicable, with their reasons
    notes: tuple[str, ...] = ()

    def to_data(self) -> dict:
        return {
            "name": self.name,
            "passed": self.passed,
            "reasons": list(self.reasons),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class GateDecision:
    gate: Gate
    decision: str  # GO | NO-GO
    criteria: tuple[CriterionResult, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(f"{c.name}: {r}" for c in self.criteria if not c.passed for r in c.reasons)


def _required_items(runbook: Runbook, refs: list[str]) -> list[Item]:
    items: list[Item] = []
    for ref in refs:
        section = runbook.section(ref)
        if section is not None:
            items.extend(section.walk_items())
        elif (item := runbook.item(ref)) is not None:
            items.append(item)
    return items


def _named(items: list[Item]) -> str:
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return ", ".join(i.text for i in items[:SHOWN]) + more


def _with_reason(checklist: str, item: Item, state: State) -> str:
    reason = state.item_progress(checklist, item.id).reason
    return f"{item.text} ({reason})" if reason else item.text


def _item_reasons(checklist: str, runbook: Runbook, refs: list[str], state: State) -> list[str]:
    reasons: list[str] = []
    items = _required_items(runbook, refs)
    status = {i.id: state.item_progress(checklist, i.id).status for i in items}
    open_items = [i for i in items if status[i.id] == OPEN]
    if open_items:
        reasons.append(f"{len(open_items)} of {len(items)} open: {_named(open_items)}")
    skipped = [i for i in items if status[i.id] == SKIPPED]
    if skipped:
        named = "; ".join(_with_reason(checklist, i, state) for i in skipped)
        reasons.append(f"{len(skipped)} of {len(items)} skipped: {named}")
    for item in items:
        check = state.checks.get((checklist, item.id))
        if check is not None and check.status != PASS:
            reasons.append(f"check {check.status} on {item.text}: {check.detail}".rstrip(": "))
    return reasons


def _window_reasons(state: State) -> list[str]:
    window = state.window
    if not window.state:
        return ["window not judged yet (no metrics)"]
    if window.state != OK:
        return [f"window is {window.state}", *window.reasons]
    return []


def _window_guard(state: State) -> CriterionResult:
    """The window's verdict for a gate that does not ask for it: only a ROLLBACK fails it."""
    window = state.window
    if window.state == ROLLBACK:
        return CriterionResult(WINDOW_GUARD, False, (f"window is {ROLLBACK}", *window.reasons))
    if window.state == OK:
        return CriterionResult(WINDOW_GUARD, True, ())
    said = window.state or "no verdict yet (no metrics)"
    if window.state and window.reasons:
        said += f" ({'; '.join(window.reasons)})"
    return CriterionResult(WINDOW_GUARD, True, (), (f"not blocking: {said}",))


def _criterion(
    criterion: GateCriterion, checklist: str, runbook: Runbook, state: State
) -> CriterionResult:
    reasons = _item_reasons(checklist, runbook, criterion.requires, state)
    if criterion.window:
        reasons += _window_reasons(state)
    not_applicable = [
        _with_reason(checklist, i, state)
        for i in _required_items(runbook, criterion.requires)
        if state.item_progress(checklist, i.id).status == NOT_APPLICABLE
    ]
    notes = (f"not applicable: {'; '.join(not_applicable)}",) if not_applicable else ()
    return CriterionResult(criterion.name, not reasons, tuple(reasons), notes)


def decide(gate: Gate, checklist: str, state: State) -> GateDecision:
    """The gate's decision from the state alone: what the pane, the report and an
    invariant check (never GO while the window is ROLLBACK) all read."""
    runbook = state.runbooks[checklist]
    results = tuple(_criterion(c, checklist, runbook, state) for c in gate.criteria)
    if not any(c.window for c in gate.criteria):
        results += (_window_guard(state),)
    decision = GO if all(r.passed for r in results) else NO_GO
    return GateDecision(gate, decision, results)


def journaled(state: State, checklist: str, gate: Gate) -> GateDecision | None:
    """The gate's decision as the journal holds it (None: not decided yet): what the pane
    shows and the cutover's precondition reads."""
    said = state.gates.get((checklist, gate.id))
    if said is None:
        return None
    criteria = tuple(
        CriterionResult(c["name"], bool(c["passed"]), tuple(c["reasons"]), tuple(c["notes"]))
        for c in said.criteria
    )
    return GateDecision(gate, said.decision, criteria)


def gate_events(state: State) -> list[ev.GateDecided]:
    """Every gate whose decision (or its reasons) differs from the journaled one, decided
    anew: the engine journals these after each event that changed what gates read."""
    out = []
    for checklist, runbook in state.runbooks.items():
        for gate in runbook.gates:
            decision = decide(gate, checklist, state)
            if journaled(state, checklist, gate) != decision:
                criteria = tuple(c.to_data() for c in decision.criteria)
                out.append(
                    ev.GateDecided(
                        checklist=checklist,
                        gate=gate.id,
                        decision=decision.decision,
                        criteria=criteria,
                        at=state.now or "",
                    )
                )
    return out
