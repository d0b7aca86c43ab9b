"""The actions controller's host without Textual: what `CockpitApp` does for it, over an
`Engine`, with its event loop a queue and its threads gated, both run when the caller says.

A test steps it deterministically: a worker thread starts only in `run_workers()` (and is
joined there), a callback a thread scheduled runs only in `run_loop()`, and a prompt the
controller opens waits in `prompts` until the test answers it. `end_actions()` is what the
app does with the actions on SIGHUP, SIGTERM or a quit. (Issue 19 moves such a host into
the engine.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cockpit.actions.controller import Actions
from cockpit.model import events as ev
from cockpit.model.layout import Layout
from cockpit.model.session import Session
from cockpit.model.state import State
from cockpit.runtime.engine import Engine
from cockpit.runtime.inbox import Inbox

#: seconds a worker gets after a hang-up before it is cancelled (the app gives ACTION_GRACE,
#: 30 s; the emulator answers at once, so a worker that needs more is stuck)
GRACE = 5.0


@dataclass
class Prompt:
    """A question the controller asked: `kind` confirm, choose or reason."""

    kind: str
    args: tuple[Any, ...]
    answered: Callable[[Any], None]


class HeadlessHost:
    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock
        self.prompts: list[Prompt] = []
        self._queue: list[tuple[Callable[..., object], tuple[Any, ...]]] = []
        self._gated: list[tuple[threading.Thread, threading.Event]] = []
        self._lock = threading.Lock()
        self.inbox = Inbox(self.call_soon, self.dispatch)
        self._gone = False  # hung up: a thread let go now never works
        self.actions = Actions(self)

    # --- what the controller reads ---------------------------------------------------------

    @property
    def session(self) -> Session:
        return self.engine.session

    @property
    def state(self) -> State:
        return self.engine.state

    @property
    def layout(self) -> Layout:
        return self.engine.session.workspace.layout

    @property
    def locked(self) -> bool:
        return False  # no window lock runs here

    def now(self) -> str:
        return self.engine.now()

    def can_mutate(self) -> str | None:
        """As the app's, less the lock: read-only, no journal, a journal that cannot write."""
        trail = self.engine.trail
        if self.session.read_only:
            return "read-only mode"
        if trail is None:
            return "no audit journal"
        if trail.journal.failure is not None:
            return f"audit journal not writable: {trail.journal.failure}"
        return None

    # --- what it asks of the loop ----------------------------------------------------------

    def dispatch(self, event: ev.Event, *, durable: bool = False) -> str | None:
        return self.engine.dispatch(event, durable=durable)

    def record(self, event: ev.Event) -> None:
        self.engine.record(event)

    def call_soon(self, callback: Callable[..., object], *args: Any) -> None:
        with self._lock:
            self._queue.append((callback, args))

    def post(self, event: ev.Event, orphan: Callable[[ev.Event], None]) -> None:
        self.inbox.post(event, orphan)

    def stop_delivery(self) -> None:
        self.inbox.close()

    def spawn(self, target: Callable[[], object], name: str) -> threading.Thread:
        """A daemon thread that starts its work when `run_workers` (or a hang-up) lets it;
        a crash is said in the banner, as the app says it."""
        gate = threading.Event()

        def run() -> None:
            gate.wait()
            if self._gone:
                return
            try:
                target()
            except Exception as error:
                message = f"{name} stopped: {type(error).__name__}: {error}"
                alert = ev.Alert(key=name, level="critical", message=message, at=self.now())
                self.call_soon(self.dispatch, alert)

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        with self._lock:
            self._gated.append((thread, gate))
        return thread

    def confirm(self, plan, where: str, holder: str, answered) -> None:
        self.prompts.append(Prompt("confirm", (plan, where, holder), answered))

    def choose(self, title: str, choices, answered) -> None:
        self.prompts.append(Prompt("choose", (title, choices), answered))

    def reason(self, title, subject, answered, *, optional=False, hint="") -> None:
        self.prompts.append(Prompt("reason", (title, subject, optional), answered))

    # --- the test's hand on the loop -------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A prompt is open, or a thread or the loop has work waiting."""
        return bool(self.prompts or self._gated or self._queue)

    def answer(self, value: Any) -> None:
        """The prompt in front is answered (a modal screen dismissed with `value`)."""
        self.prompts.pop().answered(value)

    def run_workers(self) -> None:
        """Every worker runs to its end (and those it starts)."""
        while True:
            with self._lock:
                gated, self._gated = self._gated, []
            if not gated:
                return
            for thread, gate in gated:
                gate.set()
                thread.join(30)
                assert not thread.is_alive(), f"{thread.name} did not end"

    def run_loop(self) -> None:
        """What the threads asked the loop to do, done, in order."""
        while True:
            with self._lock:
                if not self._queue:
                    return
                callback, args = self._queue.pop(0)
            callback(*args)

    def settle(self) -> None:
        while self._gated or self._queue:
            self.run_workers()
            self.run_loop()

    def end_actions(self, why: str) -> None:
        """As the app on SIGHUP or SIGTERM ("terminal gone") or a quit ("quit by the operator"):
        the running action gets its grace and journals its own steps, what is still open is
        closed out; the loop never runs again."""
        thread = self.actions.detach(why)
        if thread is not None:
            with self._lock:
                gates = [gate for t, gate in self._gated if t is thread]
            for gate in gates:
                gate.set()
            thread.join(GRACE)
            if thread.is_alive():
                self.actions.cancel.set()
                thread.join(GRACE)
        self.actions.close_out()
        self._gone = True
        with self._lock:
            self._queue.clear()
            for _, gate in self._gated:  # the process exits: they end without working
                gate.set()
            self._gated.clear()
