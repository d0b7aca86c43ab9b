"""Layouts from YAML: schema-validated, with references checked where they are written."""

from __future__ import annotations

import re

from cockpit.load.errors import LoadError, Problem
from cockpit.load.schema import validate
from cockpit.load.yaml_tree import Positions, Shape, load_yaml
from cockpit.model.layout import Layout

_QUERY_NAME = re.compile(r"^\w+$")
LAYOUT = Shape("layout", frozenset({"rows"}), "a mapping with 'title', 'checklists' and 'rows'")


def _references(layout: Layout, positions: Positions, file: str) -> list[Problem]:
    problems: list[Problem] = []

    def at(path: tuple, message: str) -> None:
        problems.append(Problem(file, *positions.locate(path), message))

    if layout.rules is not None and layout.rules not in layout.checklists:
        at(("rules",), f"rules: no checklist named {layout.rules!r} in 'checklists'")
    seen: set[str] = set()
    for r, row in enumerate(layout.rows):
        for p, pane in enumerate(row.panes):
            where = ("rows", r, "panes", p)
            if pane.checklist is not None and pane.checklist not in layout.checklists:
                at((*where, "checklist"), f"no checklist named {pane.checklist!r} in 'checklists'")
            query = pane.query
            if query is not None and _QUERY_NAME.match(query) and query not in layout.queries:
                at((*where, "query"), f"no query named {query!r} in 'queries'")
            if pane.id is not None:
                if pane.id in seen:
                    at((*where, "id"), f"duplicate pane id {pane.id!r}")
                seen.add(pane.id)
    if layout.focus is not None and layout.focus not in layout.pane_ids():
        at(("focus",), f"focus: no pane with id {layout.focus!r}")
    return problems


def parse_layout(text: str, file: str) -> Layout:
    return parse_layout_positions(text, file)[0]


def parse_layout_positions(text: str, file: str) -> tuple[Layout, Positions]:
    data, positions = load_yaml(text, file, LAYOUT)
    layout = validate(Layout, data, positions, file)
    problems = _references(layout, positions, file)
    if problems:
        raise LoadError(problems)
    return layout, positions
