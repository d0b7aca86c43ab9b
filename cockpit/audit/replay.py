"""A journal turned back into states: the recorded events through the same `reduce`.

No sources and no executors: the data that was on screen is in the journal. The clock is
each record's `ts`. Every `CHECKPOINT` records the state is kept (states are immutable,
so a checkpoint is a reference), so seeking anywhere costs at most that many reduces.

A journal is evidence, and an old one (or one written by another tool) may hold raw
escape sequences or credentials a server echoed. Its records are read as written (verify
checks their bytes) but their data is cleaned here, so nothing that shows a replay — the
player, the asciicast, the Markdown report, `--headless` — ever sees it raw.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cockpit.audit.records import Record
from cockpit.audit.trail import UNCHANGED
from cockpit.model import events as ev
from cockpit.model.checklist import Runbook
from cockpit.model.layout import Layout
from cockpit.model.reduce import reduce
from cockpit.model.state import State, initial_state
from cockpit.model.untrusted import clean_tree

CHECKPOINT = 1000
INPUT_KINDS = ("key", "mouse", "paste")


@dataclass(frozen=True)
class Step:
    record: Record
    event: ev.Event | None  # None: a raw input or a session record, shown but not reduced


class ReplayError(ValueError):
    pass


def _shown(record: Record) -> Record:
    """The record with its data as the cockpit may show it; `line` keeps the bytes."""
    data = clean_tree(record.data)
    return record if data is record.data else replace(record, data=data)


def _event_of(record: Record, by_seq: dict[int, Record]) -> ev.Event | None:
    if record.kind == UNCHANGED:
        original = by_seq.get(record.data.get("of", -1))
        if original is None or original.kind not in ev.EVENTS:
            return None
        data = dict(original.data) | {"at": record.data.get("at", "")}
        return ev.from_record(original.kind, data)
    if record.kind in ev.EVENTS:
        try:
            return ev.from_record(record.kind, record.data)
        except TypeError:
            return None  # a journal from a version with other fields: shown, not applied
    return None


def session_state(start: dict[str, Any]) -> State:
    """The state a session began with, from its `session.start` record alone."""
    runbooks = {name: Runbook.model_validate(dump) for name, dump in start["checklists"].items()}
    state = initial_state(runbooks)
    for item in start.get("restored", []):
        state = reduce(state, ev.from_record(item["kind"], item["data"]))
    size = start.get("size")
    return replace(state, size=tuple(size)) if size else state


class Replay:
    def __init__(self, records: Iterable[Record]) -> None:
        self.records = [_shown(r) for r in records]
        by_seq = {r.seq: r for r in self.records}
        starts = [r for r in self.records if r.kind == "session.start"]
        if not starts:
            raise ReplayError("no session.start record: nothing to replay")
        self.start = starts[0].data
        self.layout = Layout.model_validate(self.start["layout"])
        self.compact = (
            Layout.model_validate(self.start["compact"]) if self.start.get("compact") else None
        )
        first = self.records.index(starts[0])
        self.steps = [Step(r, _event_of(r, by_seq)) for r in self.records[first:]]
        self.times = [step.record.time for step in self.steps]
        self._checkpoints: list[State] = []
        self._final = self._run()

    def _apply(self, state: State, step: Step) -> State:
        if step.record.kind == "session.start":
            state = session_state(step.record.data)
        state = reduce(state, ev.ClockTick(now=step.record.time.isoformat()))
        return reduce(state, step.event) if step.event is not None else state

    def _run(self) -> State:
        state = State()
        for index, step in enumerate(self.steps):
            if index % CHECKPOINT == 0:
                self._checkpoints.append(state)
            state = self._apply(state, step)
        return state

    @property
    def final(self) -> State:
        return self._final

    def state_after(self, index: int) -> State:
        """The state once steps[0..index] have happened (index -1: before anything)."""
        if index < 0:
            return State()
        if index >= len(self.steps) - 1:
            return self._final
        base = index // CHECKPOINT
        state = self._checkpoints[base]
        for step in self.steps[base * CHECKPOINT : index + 1]:
            state = self._apply(state, step)
        return state

    def index_at(self, moment: datetime) -> int:
        """The last step at or before `moment`."""
        return bisect_right(self.times, moment) - 1

    def index_of_seq(self, seq: int) -> int:
        return next(
            (i for i, s in enumerate(self.steps) if s.record.seq >= seq), len(self.steps) - 1
        )
