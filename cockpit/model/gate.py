"""The go/no-go gate: GO only when every criterion holds now, with the reasons when not. Pure.

A gate decides on evidence: an item that is not done, an automated check that fails or
cannot say, and a window that is not judged OK each keep the gate at NO-GO, named.
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.model.checklist import Gate, GateCriterion, Item, Runbook
from cockpit.model.rules import OK
from cockpit.model.state import State

GO, NO_GO = "GO", "NO-GO"
PASS, FAIL = "pass", "fail"
SHOWN = 3  # open items named per criterion; the rest are counted


@dataclass(frozen=True)
class CriterionResult:
    name: str
    passed: bool
    reasons: tuple[str, ...]


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


def _item_reasons(checklist: str, runbook: Runbook, refs: list[str], state: State) -> list[str]:
    reasons: list[str] = []
    items = _required_items(runbook, refs)
    open_items = [i for i in items if not state.is_done(checklist, i.id)]
    if open_items:
        named = ", ".join(i.text for i in open_items[:SHOWN])
        more = f" and {len(open_items) - SHOWN} more" if len(open_items) > SHOWN else ""
        reasons.append(f"{len(open_items)} of {len(items)} open: {named}{more}")
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


def _criterion(
    criterion: GateCriterion, checklist: str, runbook: Runbook, state: State
) -> CriterionResult:
    reasons = _item_reasons(checklist, runbook, criterion.requires, state)
    if criterion.window:
        reasons += _window_reasons(state)
    return CriterionResult(criterion.name, not reasons, tuple(reasons))


def decide(gate: Gate, checklist: str, state: State) -> GateDecision:
    runbook = state.runbooks[checklist]
    results = tuple(_criterion(c, checklist, runbook, state) for c in gate.criteria)
    decision = GO if all(r.passed for r in results) else NO_GO
    return GateDecision(gate, decision, results)
