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
_MARKUP = re.compile(r"\[([^\]]*)\]\([^)]*\)|[*_`~]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 48


def slugify(text: str) -> str:
    """`"**Alle Pods running (3/3)**"` → `"alle-pods-running-3-3"`; never empty. A
    credential in the text is left out: ids go to the journal and the progress file."""
    plain = _MARKUP.sub(lambda m: m.group(1) or "", scrub(text)).translate(_GERMAN)
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
