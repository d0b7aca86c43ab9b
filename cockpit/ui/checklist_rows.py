"""The lines a checklist pane shows: sections and items, folded and filtered. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.model.checklist import Item, Runbook, Section
from cockpit.model.state import State


@dataclass(frozen=True)
class Row:
    key: str  # "s:<section id>" or "i:<item id>": stable across folding and filtering
    depth: int
    section: Section | None = None
    item: Item | None = None


def _matches(item: Item, needle: str) -> bool:
    return needle in item.text.lower() or any(_matches(child, needle) for child in item.items)


def _section_matches(section: Section, needle: str) -> bool:
    return any(_matches(i, needle) for i in section.items) or any(
        _section_matches(s, needle) for s in section.sections
    )


def checklist_rows(runbook: Runbook, name: str, state: State, needle: str = "") -> list[Row]:
    """Depth-first rows; a filter shows matching items with their sections, folds ignored."""
    needle = needle.lower().strip()
    rows: list[Row] = []

    def items(entries: list[Item], depth: int) -> None:
        for item in entries:
            if needle and not _matches(item, needle):
                continue
            rows.append(Row(key=f"i:{item.id}", depth=depth, item=item))
            items(item.items, depth + 1)

    def section(sec: Section, depth: int) -> None:
        if needle and not _section_matches(sec, needle):
            return
        rows.append(Row(key=f"s:{sec.id}", depth=depth, section=sec))
        if not needle and (name, sec.id) in state.collapsed:
            return
        items(sec.items, depth + 1)
        for sub in sec.sections:
            section(sub, depth + 1)

    for top in runbook.sections:
        section(top, 0)
    return rows
