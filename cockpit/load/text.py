"""Reading runbook text: UTF-8 (with or without BOM), mojibake repaired."""

from __future__ import annotations

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


def repair(text: str) -> str:
    """Undo double-encoded UTF-8 ("PrÃ¼fe" → "Prüfe", "âœ…" → "✅") and nothing else."""
    import ftfy  # 60 ms to import, and only Markdown imports need it

    return ftfy.fix_encoding(text)


def read_text(path: str | Path) -> str:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise LoadError.at(str(path), 1, 1, f"cannot read: {exc.strerror or exc}") from None
    return decode(raw, str(path))
