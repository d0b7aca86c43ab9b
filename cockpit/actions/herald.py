"""Publishing a move's state on its Service, off the caller's thread, never holding it up.

The verification and the soak are judged on the cockpit's loop, and a hang-up closes the
move out on the way to the exit: neither may wait on the API. The herald writes in a
thread of its own, the newest state of each move winning, and `flush` waits for it only
as long as it is told (the exit is never hung on a cluster that does not answer).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cockpit.actions.selector import ActionError, SelectorMove, publish_outcome
from cockpit.model.moves import Move

#: seconds a write may take (each request), and `flush` waits at most
TIMEOUT = 3.0


class Herald:
    def __init__(self, connect: Callable[[], object], failed: Callable[[Move, str], None]):
        """`connect`: an API client (closed after use); `failed(move, why)`: said once a
        state could not be written, so the operator knows the other cockpits may not see it."""
        self._connect, self._failed = connect, failed
        self._lock = threading.Lock()
        self._queued: dict[str, tuple[SelectorMove, Move]] = {}
        self._thread: threading.Thread | None = None
        self._quiet = False

    def publish(self, where: SelectorMove, move: Move) -> None:
        with self._lock:
            self._queued[move.id] = (where, move)
            if self._thread is not None and self._thread.is_alive():
                return  # the running writer takes it next
            self._thread = threading.Thread(target=self._write, name="move-herald", daemon=True)
            self._thread.start()

    def flush(self, timeout: float = TIMEOUT) -> bool:
        """Wait for what is queued to be written, at most `timeout` seconds; after that
        nothing more is said (the journal is closing). True when all was written."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                thread = self._thread
            if thread is None or not thread.is_alive():
                return not self._queued
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                self._quiet = True
                return False

    def _write(self) -> None:
        while True:
            with self._lock:
                if not self._queued:
                    return
                _, (where, move) = self._queued.popitem()
            try:
                client = self._connect()
                try:
                    publish_outcome(client, where, move, TIMEOUT)
                finally:
                    client.close()  # type: ignore[attr-defined]
            except ActionError as error:
                self._say(move, str(error))
            except Exception as error:  # a thread of its own: said, never raised into nothing
                self._say(move, f"{type(error).__name__}: {error}")

    def _say(self, move: Move, why: str) -> None:
        if self._quiet:
            return
        try:
            self._failed(move, why)
        except Exception:  # the cockpit is going (its loop closed): nobody left to tell
            self._quiet = True
