"""Checklist progress kept across restarts: an SSH drop must never lose a tick.

The file holds the window's checklist events (ticks, skips, not-applicables, notes,
sign-offs, folds) and its actions' steps (with the reasons of overrides and aborts); restoring
replays them through `reduce`, so a restored window is exactly the one that was left.
Writes happen on a background thread, each one atomic, so the UI never waits on disk.

With a journal, an event is written here only once its journal record is durable: a
tick that the journal lost (disk full, then `kill -9`) must not come back as progress
without the evidence of who ticked it. A restart takes the events from the journal
itself and checks this file against them (`cockpit.runtime.restore`): a file can be
edited by hand, the journal's records are the evidence.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import platformdirs

from cockpit.fsutil import write_atomic
from cockpit.model import events as ev
from cockpit.model.ids import slugify
from cockpit.model.untrusted import clean_tree

PERSISTED = (
    ev.Tick,
    ev.Untick,
    ev.AddNote,
    ev.Assign,
    ev.SignOff,
    ev.Skip,
    ev.NotApplicable,
    ev.Collapse,
    # an action cut off by a crash or an SSH drop is shown after the restart
    ev.ActionPlanned,
    ev.ActionConfirmed,
    ev.ActionAbort,
    ev.ActionStep,
    ev.ActionFinished,
)
#: what a pane shows as done, skipped, n/a, signed, noted or assigned: shown only once its
#: journal record is on disk (fdatasync), so the screen never claims what a restart loses
CLAIMS = (ev.Tick, ev.Untick, ev.AddNote, ev.Assign, ev.SignOff, ev.Skip, ev.NotApplicable)
KINDS = frozenset(cls.kind for cls in PERSISTED)
FORMAT = 1


class DamagedProgress(ValueError):
    """A progress file that is not what the cockpit writes; the message says what is wrong."""


def saved_records(path: Path) -> list[tuple[str, dict[str, Any]]] | None:
    """The (kind, data) pairs in a progress file; None when there is none.
    `DamagedProgress` for anything the cockpit would not have written."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DamagedProgress(f"cannot read: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise DamagedProgress(f"not JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise DamagedProgress(f"not a JSON object but {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise DamagedProgress(f"unknown progress format {data.get('format')!r}")
    events = data.get("events")
    if not isinstance(events, list):
        raise DamagedProgress("'events' is not a list")
    records = []
    for n, item in enumerate(events):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("kind"), str)
            and item["kind"] in KINDS
            and isinstance(item.get("data"), dict)
        ):
            raise DamagedProgress(f"events[{n}] is not a progress event")
        records.append((item["kind"], item["data"]))
    return records


def window_path(window: str) -> Path:
    """Where a window's progress lives: `$XDG_STATE_HOME/cockpit/windows/<window>.json`."""
    return platformdirs.user_state_path("cockpit") / "windows" / f"{slugify(window)}.json"


class Durable(Protocol):
    """The journal, as far as progress needs it."""

    def on_durable(self, listener: Callable[[int], None]) -> None: ...


class ProgressStore:
    def __init__(self, path: Path, window: str) -> None:
        self.path, self.window = path, window
        self._events: list[tuple[ev.Event, int | None]] = []  # with its journal seq
        self._written = 0  # how many of `_events` the file holds
        self._durable = -1  # the journal's highest fdatasync'd seq
        self._error: OSError | None = None
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._writer, name="progress-writer", daemon=True)
        self._thread.start()

    def follow(self, journal: Durable) -> None:
        """From now on an event with a journal seq waits until that record is durable."""
        journal.on_durable(self._journal_durable)

    def load(self) -> list[ev.Event]:
        """The saved events, unchecked (`cockpit.runtime.restore` checks them against the
        journal); a missing file is a new window, a damaged one `DamagedProgress`."""
        try:
            events = [ev.from_record(k, d) for k, d in saved_records(self.path) or []]
        except TypeError as exc:  # fields missing
            raise DamagedProgress(str(exc)) from None
        self.start_from(events, on_disk=True)
        return events

    def start_from(self, events: list[ev.Event], *, on_disk: bool) -> None:
        """Progress so far (restored); unless the file holds just these, it is rewritten."""
        with self._cond:
            self._events = [(event, None) for event in events]
            self._written = len(events) if on_disk else 0
            self._cond.notify()

    def record(self, event: ev.Event, seq: int | None = None) -> None:
        """`seq`: the event's journal record; the event waits until that is durable."""
        if not isinstance(event, PERSISTED):
            return
        with self._cond:
            self._events.append((event, seq))
            self._cond.notify()

    def _journal_durable(self, seq: int) -> None:
        with self._cond:
            self._durable = max(self._durable, seq)
            self._cond.notify()

    def _writable(self) -> int:
        """How many events may be on disk: the prefix whose journal records are durable."""
        count = self._written
        while count < len(self._events):
            seq = self._events[count][1]
            if seq is not None and seq > self._durable:
                break
            count += 1
        return count

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything recorded is on disk; False if that did not happen in time
        (the file cannot be written, or the journal has not made the records durable)."""
        with self._cond:
            done = self._cond.wait_for(
                lambda: self._written >= len(self._events) or self._error, timeout
            )
            return bool(done) and not self._error

    def close(self, timeout: float = 5.0) -> None:
        """Write what is durable by now, then stop (close the journal first: its last
        fdatasync makes the session's last records durable)."""
        with self._cond:
            self._cond.wait_for(lambda: self._written >= self._writable() or self._error, timeout)
            self._closed = True
            self._cond.notify()

    @property
    def error(self) -> OSError | None:
        return self._error

    def _snapshot(self, count: int) -> bytes:
        records = [
            {"kind": e.kind, "data": clean_tree(e.to_data())} for e, _ in self._events[:count]
        ]
        return json.dumps(
            {"format": FORMAT, "window": self.window, "events": records}, ensure_ascii=False
        ).encode()

    def _writer(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or self._writable() > self._written)
                wanted = self._writable()
                if wanted <= self._written:
                    return  # closed, nothing (durable) left to write
                data = self._snapshot(wanted)
            error = self._write(data)
            with self._cond:
                self._error = error
                if error is None:
                    self._written = wanted
                self._cond.notify_all()
                if error is not None:  # retry with the next event, not in a tight loop
                    self._cond.wait_for(lambda seen=wanted: self._closed or self._writable() > seen)
                    if self._closed:
                        return

    def _write(self, data: bytes) -> OSError | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(self.path, data, mode=0o600)
        except OSError as exc:
            return exc
        return None
