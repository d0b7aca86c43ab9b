"""What every risky action shows before it runs: the change, its preconditions, the target.

A failed precondition blocks; the operator may go past it only by typing
`override <target>` instead of `<target>`, and the override is journaled with what it
overrode. An unknown one (its source not configured or not reachable) is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.model.checklist import Runbook
from cockpit.model.untrusted import clean_fields

PASSED, FAILED, UNKNOWN = "passed", "failed", "unknown"


@dataclass(frozen=True)
class Precondition:
    name: str
    status: str  # passed | failed | unknown
    detail: str = ""

    def __post_init__(self) -> None:
        clean_fields(self)  # a detail says what a server or the disk said

    def to_data(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


def phrase_for(action: str, target: str) -> str:
    """What confirms `action` when its target alone would not: a restore's database is
    also a backup's, so a restore is confirmed with `restore <db>` (by the approver too)."""
    return f"restore {target}" if action == "restore" else ""


@dataclass(frozen=True)
class Plan:
    action: str  # cutover | rollback-selector | rollback-helm | restore | backup
    target: str  # what the operator types to confirm
    title: str
    changes: tuple[str, ...] = ()
    preconditions: tuple[Precondition, ...] = ()
    #: what the runbook says about this move, shown in the preview
    runbook: tuple[str, ...] = ()
    #: why it cannot be offered at all (no source to act on): the preview says so
    unavailable: str = ""
    #: what to type when the target alone would not do (a restore is not a backup)
    phrase: str = ""

    def __post_init__(self) -> None:
        # shown in the preview before it is journaled: release history, backup names …
        clean_fields(self)

    @property
    def to_type(self) -> str:
        """The confirmation word: the target itself, or the phrase that names the move."""
        return self.phrase or self.target

    @property
    def failed(self) -> tuple[Precondition, ...]:
        return tuple(p for p in self.preconditions if p.status == FAILED)

    def confirmation(self, typed: str) -> tuple[bool, tuple[str, ...], str]:
        """(accepted, overridden preconditions, why not) for what the operator typed."""
        typed = typed.strip()
        if self.unavailable:
            return False, (), self.unavailable
        blocked = [p.name for p in self.failed]
        word = self.to_type
        if typed == word and not blocked:
            return True, (), ""
        if typed == f"override {word}" and blocked:
            return True, tuple(blocked), ""
        if typed == word:
            return (
                False,
                (),
                (
                    f"{len(blocked)} precondition(s) failed: type 'override {word}' "
                    "to go on anyway (journaled)"
                ),
            )
        return False, (), f"type {word!r} to confirm"


def worst_first(checks: tuple[Precondition, ...]) -> tuple[Precondition, ...]:
    """Failed, then unknown, then passed (each in its own order): what blocks is read first."""
    rank = {FAILED: 0, UNKNOWN: 1, PASSED: 2}
    return tuple(sorted(checks, key=lambda p: rank.get(p.status, 1)))


def preview_lines(plan: Plan) -> tuple[str, ...]:
    """The preview as plain text lines: what a second operator reviews before approving.
    A failed precondition comes before the changes, so it is seen without scrolling."""
    marks = {PASSED: "✔", FAILED: "✗"}
    checks = [
        f"{marks.get(p.status, '?')} {p.name}" + (f"  {p.detail}" if p.detail else "")
        for p in worst_first(plan.preconditions)
    ]
    runbook = ["", "the runbook says", *plan.runbook] if plan.runbook else []
    if plan.failed:
        return ("preconditions", *checks, "", *plan.changes, *runbook)
    return (*plan.changes, *(["", "preconditions", *checks] if checks else []), *runbook)


def excerpt(runbook: Runbook | None, needle: str, limit: int = 4) -> tuple[str, ...]:
    """The runbook's own commands that mention `needle`, with the section they are in."""
    if runbook is None:
        return ()
    found: list[str] = []
    for section in runbook.walk_sections():
        for block in section.context:
            commands = block.code.replace("\\\n", " ").splitlines()  # continued lines: one
            for line in commands:
                if needle in line and len(found) < limit:
                    found.append(f"{section.title}: {' '.join(line.split())}")
    return tuple(found)


@dataclass(frozen=True)
class Choice:
    """One way to do an action (the rollback's options); `disabled` says why not, or ""."""

    id: str
    label: str
    disabled: str = ""
