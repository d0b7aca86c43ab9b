"""Reading runbook text: UTF-8 (with or without BOM), mojibake repaired."""

from __future__ import annotations

import re
from pathlib import Path

from cockpit.load.errors import LoadError


def decode(raw: bytes, path: str) -> str:
    """Strict UTF-8; a bad byte is reported where it is, not replaced silently."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise LoadError.at(
            path, line, col, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})"
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise LoadError.at(path, line, 1, "binary file (NUL byte), not a runbook")
    return text


#: what UTF-8 continuation bytes 0x80-0xBF look like after a trip through cp1252
_CONTINUATION = (
    "\u00a0-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
#: a four-byte character (an emoji) whose last byte had no cp1252 character and was lost
_TRUNCATED = re.compile(f"ð[{_CONTINUATION}]{{2}}(?![{_CONTINUATION}]) ?")


def repair(text: str) -> str:
    """Undo double-encoded UTF-8 ("PrÃ¼fe" → "Prüfe", "âœ…" → "✅") and nothing else.

    An emoji that lost a byte on the way ("ðŸ”" for 🔍: 0x8D has no cp1252 character)
    cannot be recovered; it is dropped rather than guessed into a different emoji.
    """
    import ftfy  # 60 ms to import, and only Markdown imports need it

    return ftfy.fix_encoding(_TRUNCATED.sub("", text))


def read_text(path: str | Path) -> str:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise LoadError.at(str(path), 1, 1, f"cannot read: {exc.strerror or exc}") from None
    return decode(raw, str(path))
