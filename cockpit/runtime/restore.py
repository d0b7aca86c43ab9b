"""A window's progress after a restart: as far as its journal proves it, never further.

The journal is the evidence: every tick, skip, note, sign-off and action step is recorded
there (hash-chained, before the progress file is written), with who and when. So restoring
rebuilds the progress from the window's own records in the journal, in order, and reads
the progress file only to say what it claimed beyond them: a hand-written tick in it
(`[x] … mallory`) has no record and does not come back. Rebuilding from the journal is
simpler than matching each saved event to a record by seq and digest, and sounder: an
untick deleted from the file cannot bring a tick back either.

A progress file that is damaged or holds more than the journal proves is kept aside
(`<window>.json.damaged-<time>`, `.unproven-<time>`), never deleted; the message says where.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cockpit.audit.records import BadRecord, Record, decode
from cockpit.audit.trail import beside
from cockpit.model import events as ev
from cockpit.runtime.progress import KINDS, DamagedProgress, saved_records

#: how the journal writes a record's start (`records.encode`): its kind, without decoding
_HEAD = re.compile(rb'\{"seq":\d+,"ts":"[^"\\]*","kind":"([a-z.]*)"')


@dataclass(frozen=True)
class Restored:
    events: list[ev.Event]
    notices: list[str] = field(default_factory=list)  # located, for the operator
    #: the progress file holds exactly `events` (else the store writes them at once)
    on_disk: bool = False


#: an action's records: a running cockpit's own, whoever else reads its journal
RUNNING_ELSEWHERE = (
    ev.ActionPlanned,
    ev.ActionConfirmed,
    ev.ActionAbort,
    ev.ActionStep,
    ev.ActionFinished,
)


def journal_events(journal: Path | list[Path], window: str) -> list[ev.Event]:
    """The window's progress events in its journal, in order: what a restart may restore.

    A record belongs to the window of the `session.start` before it (`--audit PATH` may
    hold several windows). A record this version cannot read is skipped."""
    return [event for event, _, _ in _proven(journal, window)]


def window_journals(own: Path) -> list[Path]:
    """The window's journal and those a second cockpit on it wrote beside it (`beside`:
    `wiring.open_journal` takes the first free number), whose progress is the window's too."""
    found, n = [own], 2
    while beside(own, n).exists():
        found.append(beside(own, n))
        n += 1
    return found


def _proven(
    journal: Path | list[Path], window: str, live: Collection[Path] = ()
) -> list[tuple[ev.Event, str, bool]]:
    """Each event with the key of its record as written (`_key`), in the order of their
    times across the journals, and whether it is another cockpit's: an action in a journal
    another cockpit writes now (`live`) is that cockpit's to end, never this one's."""
    found: list[tuple[str, int, ev.Event, str, bool]] = []
    for path in [journal] if isinstance(journal, Path) else journal:
        theirs = RUNNING_ELSEWHERE if path in live else ()
        mine = False
        for record in _records(path, KINDS | {"session.start"}):
            if record.kind == "session.start":
                mine = record.data.get("window") == window
            elif mine:
                try:
                    event = ev.from_record(record.kind, record.data)
                except (TypeError, ValueError):
                    continue
                key = _key(record.kind, record.data)
                found.append((record.ts, len(found), event, key, isinstance(event, theirs)))
    found.sort(key=lambda entry: entry[:2])
    return [(event, key, elsewhere) for _, _, event, key, elsewhere in found]


def _records(journal: Path, kinds: frozenset[str]) -> Iterator[Record]:
    """`read_records`, decoding only the records of `kinds`: a window's journal holds hours
    of inputs and observations (200,000 records: 7 s to decode, 1 s to pass over)."""
    if not journal.exists():
        return
    with open(journal, "rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                return  # a torn tail
            head = _HEAD.match(raw)
            if head is not None and head.group(1).decode() not in kinds:
                continue
            try:
                record = decode(raw[:-1])
            except BadRecord:
                continue
            if record.kind in kinds:
                yield record


def _key(kind: str, data: dict[str, Any]) -> str:
    return json.dumps([kind, data], sort_keys=True, ensure_ascii=False)


def keep_aside(path: Path, why: str, now: datetime) -> Path:
    """Rename `path` to `<name>.<why>-<UTC time>` beside it (a number added if taken)."""
    stem = f"{path.name}.{why}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    target, n = path.with_name(stem), 1
    while target.exists() or target.is_symlink():
        n += 1
        target = path.with_name(f"{stem}-{n}")
    os.rename(path, target)
    return target


def restore_window(
    progress: Path,
    journal: Path | list[Path],
    window: str,
    now: datetime | None = None,
    live: Collection[Path] = (),
) -> Restored:
    """The window's events as its journal proves them (but the actions of the journals
    another cockpit writes now, `live`), and what to tell the operator about its progress
    file. Never raises for a bad progress file; an unreadable journal raises `OSError` (the
    window cannot be opened without its evidence)."""
    now = now or datetime.now(UTC)
    found = _proven(journal, window, live)
    events = [event for event, _, elsewhere in found if not elsewhere]
    where = journal if isinstance(journal, Path) else journal[0]
    proven = f"{len(events)} events restored from the journal {where}"
    try:
        saved = saved_records(progress)
    except DamagedProgress as exc:
        return Restored(events, [_aside(progress, "damaged", now, f"damaged ({exc}); {proven}")])
    if saved is None:
        return Restored(events)
    keys = [_key(kind, data) for kind, data in saved]
    available = Counter(key for _, key, _ in found)  # another's records prove a file too
    unproven = 0
    for key in keys:
        if available[key] > 0:
            available[key] -= 1
        else:
            unproven += 1
    on_disk = keys == [key for _, key, elsewhere in found if not elsewhere]
    if not unproven:
        return Restored(events, on_disk=on_disk)
    have = "has" if unproven == 1 else "have"
    why = (
        f"{unproven} of its {len(saved)} events {have} no record in the journal: dropped; {proven}"
    )
    return Restored(events, [_aside(progress, "unproven", now, why)])


def _aside(progress: Path, why: str, now: datetime, message: str) -> str:
    try:
        kept = f"kept as {keep_aside(progress, why, now).name}"
    except OSError as exc:
        kept = f"could not be renamed aside ({exc.strerror or exc})"
    return f"{progress}:1:1: progress {message}; the file {kept}"
