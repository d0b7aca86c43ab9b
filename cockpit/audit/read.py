"""Reading a journal for replay and export: every complete record, in order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cockpit.audit.records import BadRecord, Record, decode


def read_records(path: str | Path) -> Iterator[Record]:
    """Complete records; a torn tail or a recovered torn line is skipped (verify says so)."""
    with open(path, "rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                return
            try:
                yield decode(raw[:-1])
            except BadRecord:
                continue
