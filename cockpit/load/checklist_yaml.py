"""Checklists as YAML: load (safe, schema-validated, located errors) and dump (readable)."""

from __future__ import annotations

from typing import Any

import yaml

from cockpit.load.errors import LoadError, Problem
from cockpit.load.schema import validate
from cockpit.load.yaml_tree import Path_, Positions, Shape, load_yaml
from cockpit.model.checklist import Runbook
from cockpit.model.ids import IdAllocator


def _entries(data: Any) -> list[tuple[Path_, dict, Path_ | None]]:
    """Every section and item mapping, parents before children: (path, entry, parent path)."""
    out: list[tuple[Path_, dict, Path_ | None]] = []

    def visit(node: Any, where: Path_, parent: Path_ | None) -> None:
        if not isinstance(node, list):
            return
        for i, entry in enumerate(node):
            if isinstance(entry, dict):
                here = (*where, i)
                out.append((here, entry, parent))
                for key in ("sections", "items"):
                    visit(entry.get(key), (*here, key), here)

    if isinstance(data, dict):
        visit(data.get("sections"), ("sections",), None)
    return out


def _assign_ids(data: Any, positions: Positions, file: str) -> list[Problem]:
    """Fill in ids the author left out (slug paths) and report ids used twice."""
    problems: list[Problem] = []
    ids = IdAllocator()
    entries = _entries(data)
    for here, entry, _ in entries:  # given ids first: a derived id never takes one
        given = entry.get("id")
        if isinstance(given, str) and not ids.reserve(given):
            line, col = positions.locate((*here, "id"))
            problems.append(Problem(file, line, col, f"duplicate id {given!r}"))
    own: dict[Path_, str] = {}
    for here, entry, parent in entries:
        label = entry.get("text", entry.get("title"))
        if "id" not in entry and isinstance(label, str) and label:
            entry["id"] = ids.allocate(own.get(parent) if parent else None, label)
        if isinstance(entry.get("id"), str):
            own[here] = entry["id"]
    return problems


def _check_references(runbook: Runbook, positions: Positions, file: str) -> list[Problem]:
    sections = {s.id for s in runbook.walk_sections()}
    problems = []
    for i, step in enumerate(runbook.timeline):
        if step.section is not None and step.section not in sections:
            line, col = positions.locate(("timeline", i, "section"))
            problems.append(
                Problem(
                    file, line, col, f"timeline[{i}].section: no section with id {step.section!r}"
                )
            )
        if step.until is not None and step.until.sort_key < step.at.sort_key:
            line, col = positions.locate(("timeline", i, "until"))
            problems.append(
                Problem(file, line, col, f"timeline[{i}].until: {step.until} is before {step.at}")
            )
    items = {i.id for i in runbook.walk_items()}
    for g, gate in enumerate(runbook.gates):
        if gate.section is not None and gate.section not in sections:
            line, col = positions.locate(("gates", g, "section"))
            problems.append(
                Problem(file, line, col, f"gates[{g}].section: no section with id {gate.section!r}")
            )
        for c, criterion in enumerate(gate.criteria):
            for r, ref in enumerate(criterion.requires):
                if ref not in items and ref not in sections:
                    line, col = positions.locate(("gates", g, "criteria", c, "requires", r))
                    where = f"gates[{g}].criteria[{c}].requires[{r}]"
                    problems.append(
                        Problem(file, line, col, f"{where}: no item or section with id {ref!r}")
                    )
    return problems


#: `title` is enough: a checklist of no sections dumps without that key
CHECKLIST = Shape(
    "checklist", frozenset({"title", "sections"}), "a mapping with 'title' and 'sections'"
)


def parse_checklist(text: str, file: str) -> Runbook:
    data, positions = load_yaml(text, file, CHECKLIST)
    problems = _assign_ids(data, positions, file)
    try:
        runbook = validate(Runbook, data, positions, file)
    except LoadError as exc:
        raise LoadError(problems + exc.problems) from None
    problems += _check_references(runbook, positions, file)
    if problems:
        raise LoadError(problems)
    return runbook


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # a reader should not have to chase &id001


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_checklist(runbook: Runbook, header: str | None = None) -> str:
    data = runbook.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096)
    return f"# {header}\n{body}" if header else body
