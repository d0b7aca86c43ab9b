"""Stable ids for sections and items: slug paths, unique within a runbook.

An id depends only on the text of the item and of its ancestors, so adding other items
never renames an existing one (only a second item with the very same text gets `-2`).
"""

from __future__ import annotations

import re
import unicodedata

from cockpit.model.untrusted import scrub

_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)
_EMPHASIS = str.maketrans("", "", "*_`~")
_NON_WORD = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 48


def _without_markup(text: str) -> str:
    """`[text](url)` → `text`, emphasis marks dropped: what the regex
    `\\[([^\\]]*)\\]\\([^)]*\\)|[*_`~]` did, in one pass. The regex rescanned the text after
    every `[` (100,000 `[` then `]`: 20 s); here each `]` and `)` is searched for once."""
    parts: list[str] = []
    start = 0  # where the text not yet copied begins
    close = paren = -1  # the next `]`, the next `)` (cached: positions only move forward)
    i = text.find("[")
    while i != -1:
        if close <= i:
            close = text.find("]", i + 1) % (len(text) + 1)  # -1 → len: none
        if text.startswith("(", close + 1):
            if paren <= close + 1:
                paren = text.find(")", close + 2) % (len(text) + 1)
            if paren < len(text):
                parts += (text[start:i].translate(_EMPHASIS), text[i + 1 : close])
                start = paren + 1
                i = text.find("[", start)
                continue
        i = text.find("[", i + 1)
    parts.append(text[start:].translate(_EMPHASIS))
    return "".join(parts)


def slugify(text: str) -> str:
    """`"**Alle Pods running (3/3)**"` → `"alle-pods-running-3-3"`; never empty. A
    credential in the text is left out: ids go to the journal and the progress file."""
    plain = _without_markup(scrub(text)).translate(_GERMAN)
    ascii_text = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode()
    slug = _NON_WORD.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[:MAX_SLUG]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug or "item"


class IdAllocator:
    """Hands out `parent/slug` ids, suffixing `-2`, `-3` … on collisions."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def reserve(self, item_id: str) -> bool:
        """Take an id given in a file; False if it was already taken."""
        if item_id in self._taken:
            return False
        self._taken.add(item_id)
        return True

    def allocate(self, parent: str | None, text: str) -> str:
        base = f"{parent}/{slugify(text)}" if parent else slugify(text)
        candidate, n = base, 1
        while candidate in self._taken:
            n += 1
            candidate = f"{base}-{n}"
        self._taken.add(candidate)
        return candidate
