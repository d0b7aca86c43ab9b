"""What the app needs of a source: its name, loops to run in threads, and a way to stop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from cockpit.model import events as ev

Emit = Callable[[ev.Event], None]


class Source(Protocol):
    name: str

    def loops(self) -> list[Callable[[], None]]: ...

    def stop(self) -> None: ...


SourceFactory = Callable[[Emit], Source]


class CheckingSource:
    """A source that judges checklist items on a timer (probes, PostgreSQL): one thread,
    a stop that does no I/O, and a result event per item."""

    name = ""

    def __init__(self, emit: Emit, clock: Callable[[], datetime] | None = None) -> None:
        self.emit = emit
        self.clock = clock or (lambda: datetime.now(UTC))
        self._stop = threading.Event()

    def loops(self) -> list[Callable[[], None]]:
        return [self.run]

    def run(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stop.set()

    def result(self, checklist: str, item: str, status: str, detail: str) -> None:
        at = self.clock().isoformat()
        self.emit(
            ev.CheckResult(checklist=checklist, item=item, status=status, detail=detail, at=at)
        )

    def status(self, state: str, detail: str = "") -> None:
        at = self.clock().isoformat()
        self.emit(ev.SourceStatus(source=self.name, state=state, detail=detail, at=at))
