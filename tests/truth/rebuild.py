"""The state an auditor rebuilds from the journal on disk, kept up as the journal grows.

What `Replay` does, one new line at a time (a check after every step of a sequence must not
replay the whole journal each time): each session from its `session.start`, every recorded
event through the same `reduce`, the clock from each record's time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

from cockpit.audit.journal import Journal
from cockpit.audit.records import BadRecord, Record, decode
from cockpit.audit.replay import Step, _event_of, _shown, session_state
from cockpit.audit.verify import INTACT, TORN, verify
from cockpit.model import events as ev
from cockpit.model.reduce import reduce
from cockpit.model.state import State, initial_state


class JournalTail:
    """One journal file read as it grows: whole lines only (a torn tail waits for its end),
    a torn line a crash left in the middle skipped."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0

    def new(self) -> list[Record]:
        """The records written since the last call."""
        if not self.path.exists():
            return []
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        records = []
        for line in data[:end].splitlines():
            with contextlib.suppress(BadRecord):
                records.append(decode(line))
        return records


class Rebuilt:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tail = JournalTail(path)
        self.by_seq: dict[int, Record] = {}
        self.state: State | None = None  # None: no session.start yet

    def update(self) -> State | None:
        """Apply the records written since the last call."""
        for record in map(_shown, self.tail.new()):
            self.by_seq[record.seq] = record
            self._apply(Step(record, _event_of(record, self.by_seq)))
        return self.state

    def _apply(self, step: Step) -> None:
        if step.record.kind == "session.start":
            self.state = session_state(step.record.data)
        if self.state is None:
            return
        self.state = reduce(self.state, ev.ClockTick(now=step.record.time.isoformat()))
        if step.event is not None:
            self.state = reduce(self.state, step.event)


def claims(state: State) -> dict:
    """What the panes show of each item: done, skipped, n/a, signed, noted, assigned."""
    return {key: p for key, p in state.progress.items() if p != type(p)()}


def assert_shows_the_journal(shown: State, rebuilt: Rebuilt, runbooks: Mapping) -> None:
    """I2: every claim shown is in the journal on disk, and the journal claims nothing more
    (before its first `session.start`: only what the runbooks themselves say)."""
    seen, journaled = claims(shown), claims(rebuilt.update() or initial_state(runbooks))
    differ = {k: (seen.get(k), journaled.get(k)) for k in seen.keys() | journaled.keys()}
    assert seen == journaled, {k: v for k, v in differ.items() if v[0] != v[1]}


def assert_verifies(journal: Journal) -> None:
    """I3: `cockpit audit verify` says intact or torn (a crash), never tampered."""
    journal.sync()
    result = verify(journal.path)
    assert result.code in (INTACT, TORN), result
