"""Checklist progress kept across restarts: an SSH drop must never lose a tick.

The file holds the window's checklist events (ticks, notes, sign-offs, folds) and its
actions' steps; restoring
replays them through `reduce`, so a restored window is exactly the one that was left.
Writes happen on a background thread, each one atomic, so the UI never waits on disk.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import platformdirs

from cockpit.fsutil import write_atomic
from cockpit.model import events as ev
from cockpit.model.ids import slugify

PERSISTED = (
    ev.Tick,
    ev.Untick,
    ev.AddNote,
    ev.Assign,
    ev.SignOff,
    ev.Collapse,
    # an action cut off by a crash or an SSH drop is shown after the restart
    ev.ActionPlanned,
    ev.ActionConfirmed,
    ev.ActionStep,
    ev.ActionFinished,
)
FORMAT = 1


def window_path(window: str) -> Path:
    """Where a window's progress lives: `$XDG_STATE_HOME/cockpit/windows/<window>.json`."""
    return platformdirs.user_state_path("cockpit") / "windows" / f"{slugify(window)}.json"


class ProgressStore:
    def __init__(self, path: Path, window: str) -> None:
        self.path, self.window = path, window
        self._events: list[ev.Event] = []
        self._written = 0
        self._wanted = 0
        self._error: OSError | None = None
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._writer, name="progress-writer", daemon=True)
        self._thread.start()

    def load(self) -> list[ev.Event]:
        """The saved events; a missing file is a new window, a damaged one an error."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            raise ValueError(f"{self.path}: unknown progress format {data.get('format')!r}")
        events = [ev.from_record(r["kind"], r["data"]) for r in data["events"]]
        with self._cond:
            self._events = list(events)
        return events

    def record(self, event: ev.Event) -> None:
        if not isinstance(event, PERSISTED):
            return
        with self._cond:
            self._events.append(event)
            self._wanted += 1
            self._cond.notify()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything recorded is on disk; False if that did not happen in time."""
        with self._cond:
            return (
                self._cond.wait_for(lambda: self._written >= self._wanted or self._error, timeout)
                and not self._error
            )

    def close(self) -> None:
        self.flush()
        with self._cond:
            self._closed = True
            self._cond.notify()

    @property
    def error(self) -> OSError | None:
        return self._error

    def _snapshot(self) -> bytes:
        records = [{"kind": e.kind, "data": e.to_data()} for e in self._events]
        return json.dumps(
            {"format": FORMAT, "window": self.window, "events": records}, ensure_ascii=False
        ).encode()

    def _writer(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or self._wanted > self._written)
                if self._wanted <= self._written:
                    return  # closed, nothing left to write
                wanted, data = self._wanted, self._snapshot()
            error = self._write(data)
            with self._cond:
                self._error = error
                if error is None:
                    self._written = wanted
                self._cond.notify_all()
                if error is not None:  # retry with the next event, not in a tight loop
                    self._cond.wait_for(self._more_or_closed(wanted))
                    if self._closed:
                        return

    def _more_or_closed(self, seen: int):
        return lambda: self._closed or self._wanted > seen

    def _write(self, data: bytes) -> OSError | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(self.path, data, mode=0o600)
        except OSError as exc:
            return exc
        return None
