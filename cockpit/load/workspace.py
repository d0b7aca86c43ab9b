"""Finding a layout by name and loading the checklists it names, all problems at once."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import platformdirs

from cockpit.load.errors import LoadError, Problem
from cockpit.load.files import load_runbook
from cockpit.load.layout_yaml import parse_layout_positions
from cockpit.load.text import read_text
from cockpit.load.yaml_tree import Positions
from cockpit.model.checklist import Runbook
from cockpit.model.layout import Layout


def search_dirs(kind: str) -> list[Path]:
    """`./KIND`, then the user's `~/.config/cockpit/KIND`, then the shipped defaults."""
    bundled = Path(str(resources.files("cockpit.bundled") / kind))
    user = platformdirs.user_config_path("cockpit") / kind
    return [Path.cwd() / kind, user, bundled]


def find(kind: str, name: str, near: Path | None = None) -> Path | None:
    """A path as given, or `NAME.yaml` in `near` and the search dirs."""
    given = Path(name)
    if given.suffix in (".yaml", ".yml", ".md") and given.is_file():
        return given
    dirs = ([near] if near else []) + search_dirs(kind)
    for directory in dirs:
        for candidate in (directory / name, directory / f"{name}.yaml"):
            if candidate.is_file():
                return candidate
    return None


@dataclass(frozen=True)
class Workspace:
    layout: Layout
    layout_path: Path
    runbooks: dict[str, Runbook]


def open_layout(name: str, loaded: dict[Path, Runbook] | None = None) -> Workspace:
    """`loaded` is shared between layouts that name the same checklist files."""
    loaded = {} if loaded is None else loaded
    path = find("layouts", name)
    if path is None:
        places = ", ".join(str(d) for d in search_dirs("layouts"))
        raise LoadError.at(name, 1, 1, f"no layout {name!r} (looked in {places})")
    layout, positions = parse_layout_positions(read_text(path), str(path))
    problems: list[Problem] = []
    runbooks: dict[str, Runbook] = {}
    for key, ref in layout.checklists.items():
        found = find("checklists", ref, near=path.parent)
        if found is None:
            line, col = positions.locate(("checklists", key))
            problems.append(
                Problem(str(path), line, col, f"checklists.{key}: no checklist {ref!r}")
            )
            continue
        try:
            runbooks[key] = loaded[found.resolve()] = loaded.get(found.resolve()) or load_runbook(
                found
            )
        except LoadError as exc:
            problems.extend(exc.problems)
    if not problems:
        problems = _gate_references(layout, positions, runbooks, str(path))
    if problems:
        raise LoadError(problems)
    return Workspace(layout=layout, layout_path=path, runbooks=runbooks)


def _gate_references(
    layout: Layout, positions: Positions, runbooks: dict[str, Runbook], file: str
) -> list[Problem]:
    """A gate pane's checklist must have that gate (or any, when none is named)."""
    problems = []
    for r, row in enumerate(layout.rows):
        for p, pane in enumerate(row.panes):
            if pane.kind != "gate" or runbooks[pane.checklist or ""].gate(pane.gate):
                continue
            what = f"no gate {pane.gate!r}" if pane.gate else "no gates"
            line, col = positions.locate(("rows", r, "panes", p, "gate" if pane.gate else "kind"))
            problems.append(Problem(file, line, col, f"checklist {pane.checklist!r} has {what}"))
    return problems
