"""Finding a layout and loading the checklists it names, all problems at once."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

import platformdirs

from cockpit.load.errors import LoadError, Problem
from cockpit.load.files import is_layout, load_runbook
from cockpit.load.layout_yaml import parse_layout_positions
from cockpit.load.refs import Refused, beside, is_path, look_up
from cockpit.load.text import read_text
from cockpit.load.yaml_tree import Path_, Positions
from cockpit.model.checklist import Runbook
from cockpit.model.layout import Layout
from cockpit.model.session import Workspace


def search_dirs(kind: str) -> list[Path]:
    """`./KIND`, then the user's `~/.config/cockpit/KIND`, then the shipped defaults."""
    bundled = Path(str(resources.files("cockpit.bundled") / kind))
    user = platformdirs.user_config_path("cockpit") / kind
    return [Path.cwd() / kind, user, bundled]


def find_layout(ref: str | Path) -> Path:
    """`--layout` and the configuration's `layout:`: a PATH as typed, a NAME in the layout
    folders (see `cockpit.load.refs`); a `Path` is already resolved."""
    if isinstance(ref, Path):
        return ref
    folders = search_dirs("layouts")
    if is_path(ref):
        path = Path(ref)
        if not path.exists() and path.name == ref and any((d / ref).is_file() for d in folders):
            hint = f"no file {ref!r} here; the layout folders' one is named {path.stem!r}"
            raise LoadError.at(ref, 1, 1, hint)  # `go-live.yaml` once found the shipped one
        return path
    try:
        found = look_up(ref, folders)
    except Refused as exc:
        raise LoadError.at(ref, 1, 1, f"layout: {exc}") from None
    if found is None:
        places = ", ".join(str(d) for d in folders)
        raise LoadError.at(ref, 1, 1, f"no layout {ref!r} (looked in {places})")
    return found


def _not_layout(path: Path) -> bool:
    return not is_layout(path)


def _any(_: Path) -> bool:
    return True


def _referenced(
    ref: str, layout: Path, folders: list[Path], wanted: Callable[[Path], bool]
) -> Path | None:
    """A file a layout names: a PATH beside the layout, or a `wanted` NAME in `folders`."""
    if is_path(ref):
        candidate = beside(ref, layout.parent)
        return candidate if candidate.is_file() else None
    return look_up(ref, folders, wanted)


def open_layout(ref: str | Path, loaded: dict[Path, Runbook] | None = None) -> Workspace:
    """`loaded` is shared between layouts that name the same checklist files."""
    loaded = {} if loaded is None else loaded
    path = find_layout(ref)
    layout, positions = parse_layout_positions(read_text(path), str(path))
    problems: list[Problem] = []

    def follow(key: Path_, name: str, folders: list[Path], what: str) -> Path | None:
        where = ".".join(str(k) for k in key)
        try:
            # a checklist NAME passes over layouts: `layouts/x.yaml` naming `x` is not its own
            wanted = _not_layout if what == "checklist" else _any
            found = _referenced(name, path, folders, wanted)
        except Refused as exc:
            found, message = None, f"{where}: {exc}"
        else:
            message = f"{where}: no {what} {name!r}"
        if found is None:
            problems.append(Problem(str(path), *positions.locate(key), message))
        return found

    runbooks: dict[str, Runbook] = {}
    checklist_folders = [path.parent, *search_dirs("checklists")]
    for key, name in layout.checklists.items():
        found = follow(("checklists", key), name, checklist_folders, "checklist")
        if found is None:
            continue
        try:
            runbooks[key] = loaded[found.resolve()] = loaded.get(found.resolve()) or load_runbook(
                found
            )
        except LoadError as exc:
            problems.extend(exc.problems)
    compact = None
    if layout.compact is not None:
        compact = follow(("compact",), layout.compact, search_dirs("layouts"), "layout")
    if not problems:
        problems = _gate_references(layout, positions, runbooks, str(path))
    if problems:
        raise LoadError(problems)
    return Workspace(layout=layout, layout_path=path, runbooks=runbooks, compact_path=compact)


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
