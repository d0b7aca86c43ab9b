"""One way for the simulator's parts to run in the background and to stop without leftovers.

A `Background` starts its threads, periodic steps, HTTP servers and child services in
`_start()` and registers how to undo each one as it goes; `stop()` sets `stopping` and
undoes them in reverse, so a thread is joined before the socket it serves is closed and
a child started last is stopped first — also after a `start()` that failed half-way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import ExitStack
from socketserver import BaseServer
from types import TracebackType
from typing import Self

from cockpit.sim.clock import Clock, RealClock

log = logging.getLogger(__name__)


class Background:
    """start() / stop() / `with`; stop() is idempotent and joins everything it started."""

    #: how long stop() waits for each thread; None: as long as it takes
    join_timeout: float | None = None

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock if clock is not None else RealClock()
        self.stopping = threading.Event()
        self._undo = ExitStack()
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> Self:
        if self._running:
            raise RuntimeError(f"{type(self).__name__} is already started")
        self.stopping.clear()
        self._running = True
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        self.stopping.set()
        undo, self._undo = self._undo, ExitStack()
        undo.close()

    def _start(self) -> None:
        """Start the work with the helpers below; each registers its own undoing."""

    # helpers for _start()

    def _on_stop(self, callback: Callable[..., object], *args: object, **kwargs: object) -> None:
        """Call `callback(*args, **kwargs)` on stop(), before what was registered earlier."""
        self._undo.callback(callback, *args, **kwargs)

    def _thread(self, name: str, target: Callable[..., object], *args: object) -> None:
        """A daemon thread; `target` should return soon after `stopping` is set."""
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._on_stop(thread.join, self.join_timeout)

    def _every(
        self, name: str, interval: float, step: Callable[[], None], *, now: bool = False
    ) -> None:
        """`step` every `interval` seconds of the clock (and once at once with `now`).

        An exception in a step is logged, not fatal: one bad tick must not end the work."""

        def guarded() -> None:
            try:
                step()
            except Exception:
                log.exception("%s: a step failed", name)

        if now:
            guarded()
        job = self.clock.run_every(name, interval, guarded, self.stopping)
        self._on_stop(job.join, self.join_timeout)

    def _serve(self, name: str, server: BaseServer, poll_interval: float) -> None:
        """serve_forever on a thread; on stop: shutdown, join, then close the socket."""
        self._on_stop(server.server_close)
        self._thread(name, server.serve_forever, poll_interval)
        self._on_stop(server.shutdown)

    def _child(self, child: Background) -> None:
        """Start another Background now and stop it with this one."""
        child.start()
        self._on_stop(child.stop)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
