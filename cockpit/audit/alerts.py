"""Alerts as an auditor counts them: once per time a banner went up, not once per record.

While a banner is up its alert may be raised again — with the same message, or with the
trigger's newer value. Cleared (an empty message) and raised again is a new occurrence,
and so is one raised in a later session: the banner was down in between.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cockpit.audit.replay import Step


@dataclass
class Occurrence:
    key: str
    level: str
    message: str  # as first raised
    raised: datetime
    last_message: str = ""
    last: datetime | None = None
    times: int = 1
    cleared: datetime | None = None
    seqs: tuple[int, int | None] = (0, None)  # the records that raised and cleared it


def occurrences(steps: Iterable[Step]) -> list[Occurrence]:
    found: list[Occurrence] = []
    up: dict[str, Occurrence] = {}
    for step in steps:
        record = step.record
        if record.kind == "session.start":
            up.clear()
        if record.kind != "alert":
            continue
        key, message = str(record.data.get("key", "")), str(record.data.get("message") or "")
        current = up.get(key)
        if not message:
            if current is not None:
                current.cleared, current.seqs = record.time, (current.seqs[0], record.seq)
                del up[key]
        elif current is None:
            level = str(record.data.get("level", ""))
            up[key] = Occurrence(
                key, level, message, record.time, message, record.time, seqs=(record.seq, None)
            )
            found.append(up[key])
        else:
            current.times += 1
            current.last_message, current.last = message, record.time
    return found
