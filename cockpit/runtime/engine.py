"""The cockpit's one way in, without Textual: journal the event, reduce it, keep it.

The app renders what this decides; the stateful test of the invariants drives it directly.
A checklist claim (a tick, a skip, a note …) is made durable in the journal before the
state shows it, and an event the journal refused never reaches the state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cockpit.audit.journal import JournalUnavailable
from cockpit.audit.session_record import session_start
from cockpit.audit.trail import AuditTrail
from cockpit.model import events as ev
from cockpit.model.gate import gate_events
from cockpit.model.layout import Layout
from cockpit.model.placeholders import fill
from cockpit.model.reduce import reduce
from cockpit.model.rules import judge_window, window_events
from cockpit.model.session import Session
from cockpit.model.state import State, initial_state
from cockpit.runtime.progress import CLAIMS, ProgressStore

Listener = Callable[[ev.Event], None]


class Engine:
    def __init__(
        self,
        session: Session,
        *,
        trail: AuditTrail | None = None,
        store: ProgressStore | None = None,
        restored: Iterable[ev.Event] = (),
        now: str = "",
        size: Callable[[], tuple[int, int]] = lambda: (80, 24),
    ) -> None:
        self.session, self.trail, self.store = session, trail, store
        self.restored = list(restored)
        self.size = size
        if store is not None and trail is not None:
            store.follow(trail.journal)  # no progress without its record on disk
        state = initial_state(session.workspace.runbooks)
        for event in self.restored:
            state = reduce(state, event)
        self.state: State = reduce(state, ev.ClockTick(now=now))
        self.listeners: list[Listener] = []
        self._session_started = False

    def dispatch(self, event: ev.Event, *, durable: bool = False) -> str | None:
        """Journal, reduce, keep; then tell the listeners. Returns why it was refused.

        `durable`: the record must be on disk first (fdatasync), or the event is refused:
        nothing may act on a confirmation the journal could lose. Checklist claims are
        always durable before they are shown.
        """
        seq = None
        if self.trail is not None:
            if self.trail.journal.closed:  # quitting: no evidence, no change
                return "the journal is closed: the cockpit is quitting" if durable else None
            self.start_session()
            if durable or isinstance(event, CLAIMS):
                try:
                    seq = self.trail.commit(event)
                except JournalUnavailable as error:
                    self.audit_health()
                    if isinstance(event, CLAIMS):
                        message = f"not done: the {error}; nothing changed"
                        self.dispatch(ev.Notice(level="error", message=message, at=self.now()))
                    return str(error)
            else:
                seq = self.trail.event(event)
        before, self.state = self.state, reduce(self.state, event)
        if self.store is not None:
            self.store.record(event, seq)
        if self.trail is not None and not isinstance(event, ev.Alert):
            self.audit_health()
        for listener in self.listeners:
            listener(event)
        if _gates_read(before, self.state):
            for decided in gate_events(self.state):
                self.dispatch(decided)
        return None

    def record(self, event: ev.Event) -> None:
        """Journal and keep, from any thread, without the state: an action's own steps
        once the loop is gone (a hang-up). Once the journal is closed there is no record
        to make, and nothing is kept that has none."""
        if self.trail is not None and self.trail.journal.closed:
            return
        seq = self.trail.event(event) if self.trail is not None else None
        if self.store is not None:
            self.store.record(event, seq)

    def now(self) -> str:
        return self.state.now or ""

    def judge(self, layout: Layout) -> None:
        """The runbook's rules on the state now (the app asks once a second): what they
        change comes back as events, journaled like any other."""
        session, actions = self.session, self.session.actions
        keys = {p.metric: p.query for p in layout.panes() if p.metric and p.query}
        verdict = judge_window(
            self.state,
            layout.rules or "",
            keys,
            session.values.get("service", ""),
            actions.label,
            session.speed,
            queries={k: fill(layout.queries.get(k, k), session.values) for k in keys.values()},
            versions=(actions.blue, actions.green),
        )
        if verdict is not None:
            for event in window_events(self.state, verdict, session.tz):
                self.dispatch(event)

    def start_session(self, size: tuple[int, int] | None = None) -> None:
        """`session.start` is the first record of a session, whatever arrives first."""
        if self.trail is not None and not self._session_started:
            self._session_started = True
            size = size or self.state.size or self.size()
            self.trail.record("session.start", session_start(self.session, size, self.restored))

    def audit_health(self) -> None:
        """A journal that cannot write raises a red banner; one that recovers lowers it."""
        assert self.trail is not None
        failure = self.trail.journal.failure
        raised = "audit" in self.state.alerts
        if failure is not None and not raised:
            message = f"AUDIT JOURNAL NOT WRITABLE ({failure.strerror or failure}): actions refused"
            self.dispatch(ev.Alert(key="audit", level="critical", message=message, at=self.now()))
        elif failure is None and raised:
            self.dispatch(ev.Alert(key="audit", level="critical", message="", at=self.now()))


def _gates_read(old: State, new: State) -> bool:
    """Whether what a gate decides on changed (or none was decided yet)."""
    return (
        old.progress is not new.progress
        or old.checks is not new.checks
        or old.window is not new.window  # replaced only when judged: no deep compare per event
        or not new.gates
    )
