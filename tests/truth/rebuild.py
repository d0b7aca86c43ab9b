"""The state an auditor rebuilds from the journal on disk, kept up as the journal grows.

What `Replay` does, one new line at a time (a check after every step of a sequence must not
replay the whole journal each time): each session from its `session.start`, every recorded
event through the same `reduce`, the clock from each record's time.
"""

from __future__ import annotations

from pathlib import Path

from cockpit.audit.records import BadRecord, Record, decode
from cockpit.audit.replay import Step, _event_of, _shown, session_state
from cockpit.model import events as ev
from cockpit.model.reduce import reduce
from cockpit.model.state import State


class Rebuilt:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.by_seq: dict[int, Record] = {}
        self.state: State | None = None  # None: no session.start yet

    def update(self) -> State | None:
        """Read the lines written since the last call (a torn tail waits for its end)."""
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        for line in data[:end].splitlines():
            try:
                record = _shown(decode(line))
            except BadRecord:
                continue  # a torn line, kept by the next start
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
