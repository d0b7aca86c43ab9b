"""`${name}` in checklists and layouts, filled from the configuration's values. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from string import Template

_LEFT = re.compile(r"\$\{(\w+)\}")


def fill(text: str, values: Mapping[str, str]) -> str:
    """`${service}-green` → `valeo-erp-green`; unknown placeholders are left as they are."""
    return Template(text).safe_substitute(values)


def missing(text: str, values: Mapping[str, str]) -> str | None:
    """The first placeholder `values` cannot fill (`${base_url}`), or None."""
    left = _LEFT.search(fill(text, values))
    return left.group(0) if left else None
