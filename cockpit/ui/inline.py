"""Runbook text keeps its Markdown (`**bold**`, `` `code` ``, links); show it as styles."""

from __future__ import annotations

import re

from rich.style import Style
from rich.text import Text

#: bold is two asterisks, not three: `***` is a redacted credential (`token=***`)
_INLINE = re.compile(
    r"(?<!\*)\*\*(?!\*)(?P<bold>.+?)(?<!\*)\*\*(?!\*)|`(?P<code>[^`]+)`|\[(?P<link>[^\]]+)\]\([^)]*\)"
)
BOLD = Style(bold=True)
CODE = Style(italic=True)


def inline(markdown: str, style: Style | str = "") -> Text:
    """`**Deploy** to `staging`` → "Deploy to staging" with bold and code spans."""
    text = Text(style=style)
    position = 0
    for match in _INLINE.finditer(markdown):
        text.append(markdown[position : match.start()])
        if match.group("bold") is not None:
            text.append(match.group("bold"), style=BOLD)
        elif match.group("code") is not None:
            text.append(match.group("code"), style=CODE)
        else:
            text.append(match.group("link"))
        position = match.end()
    text.append(markdown[position:])
    return text
