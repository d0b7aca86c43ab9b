"""Which file a reference means, so that a name never reaches a file outside its folders.

- A NAME (`go-live`, `deployment-plan`: letters, digits, `-`, `_` and `.`, no `/`, no file
  suffix) is `NAME.yaml` in the first of its folders that has it, and that file, symlinks
  followed, must be inside that folder.
- Anything with a `/` or ending in a file suffix (`.yaml`, `.yml`, `.md` …) is a PATH. On the
  command line it is taken as typed; written inside a layout it is relative to the layout's
  own folder and must stay inside it, so a shared layout cannot point at `~/.ssh` or `/etc`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

SUFFIXES = frozenset({".yaml", ".yml", ".md", ".markdown", ".txt"})
_NAME = re.compile(r"^\w[\w.-]*$")


class Refused(ValueError):
    """A reference that may not be followed; the message says why, the caller says where."""


def is_path(ref: str) -> bool:
    separators = {"/", os.sep} | ({os.altsep} if os.altsep else set())
    return any(s in ref for s in separators) or Path(ref).suffix.lower() in SUFFIXES


def inside(folder: Path, path: Path) -> bool:
    """Whether `path`, symlinks followed, is in `folder` (itself followed: a symlinked
    folder such as the bundled defaults is fine)."""
    return path.resolve().is_relative_to(folder.resolve())


def look_up(
    name: str, folders: list[Path], wanted: Callable[[Path], bool] = lambda _: True
) -> Path | None:
    """`NAME.yaml` in the first of `folders` that has one that is `wanted`, None if none has."""
    if not _NAME.match(name):
        raise Refused(f"{name!r} is neither a name (letters, digits, '-', '_', '.') nor a path")
    for folder in folders:
        candidate = folder / f"{name}.yaml"
        if candidate.is_file() and wanted(candidate):
            if not inside(folder, candidate):
                raise Refused(f"{candidate} leads outside {folder} (to {candidate.resolve()})")
            return candidate
    return None


def beside(ref: str, folder: Path) -> Path:
    """A PATH written in a file that lives in `folder`: relative to it, never outside it."""
    candidate = folder / ref
    if not inside(folder, candidate):
        raise Refused(f"{ref!r} is outside the folder {folder}")
    return candidate
