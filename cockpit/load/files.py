"""Which loader a file needs, from its name."""

from __future__ import annotations

from pathlib import Path

from cockpit.load.checklist_yaml import parse_checklist
from cockpit.load.errors import LoadError
from cockpit.load.markdown import parse_markdown
from cockpit.load.text import read_text
from cockpit.model.checklist import Runbook

MARKDOWN = {".md", ".markdown", ".txt"}
YAML = {".yaml", ".yml"}


def load_runbook(path: str | Path) -> Runbook:
    """A checklist from YAML or a runbook from Markdown; `LoadError` for anything wrong."""
    name = str(path)
    suffix = Path(name).suffix.lower()
    if suffix not in MARKDOWN | YAML:
        raise LoadError.at(name, 1, 1, f"unknown file type {suffix or '(none)'!r}: expected .yaml or .md")
    text = read_text(name)
    return parse_markdown(text, name) if suffix in MARKDOWN else parse_checklist(text, name)
