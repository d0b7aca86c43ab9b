"""One way into the event loop for every thread: sources and actions post their events here,
and the loop takes them in the order they were posted.

Posting never waits. Textual's `call_from_thread` waits for the loop to run the call: a
source thread waited on every paint, and once the loop runs no more (a hang-up) it would
wait for ever. Once delivery stops, an event goes to the `orphan` its poster gave (an
action journals its own steps then), or nowhere (a source's late observation).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from cockpit.model import events as ev

Orphan = Callable[[ev.Event], None]


class Inbox:
    def __init__(
        self,
        wake: Callable[[Callable[[], None]], None],
        deliver: Callable[[ev.Event], object],
    ) -> None:
        """`wake(f)` runs `f` on the loop soon, from any thread; `deliver` takes an event
        there."""
        self._wake, self._deliver = wake, deliver
        self._lock = threading.Lock()
        self._pending: list[tuple[ev.Event, Orphan | None]] = []
        self._scheduled = self.closed = False

    def post(self, event: ev.Event, orphan: Orphan | None = None) -> None:
        with self._lock:
            if not self.closed:
                self._pending.append((event, orphan))
                if not self._scheduled:  # one wake for a burst
                    self._scheduled = True
                    self._wake(self._drain)
                return
        if orphan is not None:
            orphan(event)

    def _drain(self) -> None:
        with self._lock:
            posted, self._pending, self._scheduled = self._pending, [], False
        for event, _ in posted:
            self._deliver(event)

    def close(self) -> None:
        """No more delivery (the loop will not run again): what waits goes to its orphan."""
        with self._lock:
            self.closed = True
            posted, self._pending = self._pending, []
        for event, orphan in posted:
            if orphan is not None:
                orphan(event)
