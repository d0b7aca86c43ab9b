"""Which loader a file needs: from its name, and for YAML from what it holds."""

from __future__ import annotations

from pathlib import Path

from cockpit.load.checklist_yaml import parse_checklist
from cockpit.load.errors import LoadError
from cockpit.load.text import read_text
from cockpit.model.checklist import Runbook
from cockpit.model.config import Config
from cockpit.model.layout import Layout

MARKDOWN = {".md", ".markdown", ".txt"}
YAML = {".yaml", ".yml"}


def _text(path: str | Path) -> tuple[str, str]:
    name = str(path)
    suffix = Path(name).suffix.lower()
    if suffix not in MARKDOWN | YAML:
        raise LoadError.at(
            name, 1, 1, f"unknown file type {suffix or '(none)'!r}: expected .yaml or .md"
        )
    return name, read_text(name)


def _head(text: str) -> set[str]:
    """The top-level keys, without parsing (a file's kind, told cheaply)."""
    return {line.split(":", 1)[0].strip() for line in text.splitlines() if line[:1].isalpha()}


def is_layout(path: Path) -> bool:
    """Whether a YAML file is a layout (has `rows`): one is never a checklist, even in a
    checklist folder (the layout's own, which is searched first)."""
    try:
        return "rows" in _head(read_text(path))
    except LoadError:
        return False  # unreadable: the checklist loader says why


def load_runbook(path: str | Path) -> Runbook:
    """A checklist from YAML or a runbook from Markdown; `LoadError` for anything wrong."""
    name, text = _text(path)
    if Path(name).suffix.lower() in MARKDOWN:
        from cockpit.load.markdown import parse_markdown  # markdown-it and ftfy: only here

        return parse_markdown(text, name)
    return parse_checklist(text, name)


def load_any(path: str | Path) -> Runbook | Layout | Config:
    """For `cockpit check`: a checklist, a layout (has `rows`) or a configuration."""
    from cockpit.load.config_yaml import parse_config
    from cockpit.load.layout_yaml import parse_layout

    name, text = _text(path)
    if Path(name).suffix.lower() in MARKDOWN:
        return load_runbook(path)
    head = _head(text)
    if "rows" in head:
        return parse_layout(text, name)
    if "sections" in head or "title" in head:
        return parse_checklist(text, name)
    if head & set(Config.model_fields):
        return parse_config(text, name)
    return parse_checklist(text, name)
