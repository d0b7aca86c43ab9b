"""The cockpit app: events in, `reduce`, state out to the widgets.

The app is the only place where events enter (`dispatch`); widgets turn keys into events
and render the state they are shown. Persistence, journal and sources hang off
`dispatch`, never off a widget.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import signal
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import ClassVar

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.events import DescendantFocus, Resize
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Input, Static

from cockpit.actions.controller import Actions, Answer
from cockpit.actions.plan import Choice, Plan
from cockpit.audit.trail import AuditTrail
from cockpit.model import events as ev
from cockpit.model.evidence import deciding
from cockpit.model.layout import Layout
from cockpit.model.session import Session, Workspace
from cockpit.model.state import State
from cockpit.model.untrusted import clean
from cockpit.runtime.engine import Engine
from cockpit.runtime.inbox import Inbox
from cockpit.runtime.progress import ProgressStore
from cockpit.runtime.sources import SOURCES  # the status bar names each, configured or not
from cockpit.sources.base import Source, SourceFactory
from cockpit.sources.checker import CHECK_EVERY, Checker
from cockpit.sources.supervisor import supervised
from cockpit.ui.commands import CockpitCommands
from cockpit.ui.input_records import input_record
from cockpit.ui.key_routing import KeyRouting
from cockpit.ui.panes import PANES, PaneContext
from cockpit.ui.screens.action import ActionScreen
from cockpit.ui.screens.choose import ChooseScreen
from cockpit.ui.screens.confirm import Confirm
from cockpit.ui.screens.help import HelpScreen
from cockpit.ui.screens.prompt import Prompt
from cockpit.ui.screens.why import WhyScreen
from cockpit.ui.screens.why import describe as why_body
from cockpit.ui.terminal_input import CockpitDriver
from cockpit.ui.widgets.banner import Banner
from cockpit.ui.widgets.gate_pane import GatePane
from cockpit.ui.widgets.metric_pane import MetricPane
from cockpit.ui.widgets.pane import PaneMixin, clock
from cockpit.ui.widgets.rows_pane import RowsPane
from cockpit.ui.widgets.status_bar import StatusBar
from cockpit.ui.widgets.text_field import TextField

#: seconds a running action gets after a hang-up to finish, and again after a cancel
ACTION_GRACE = 30.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class CockpitApp(App[int]):
    CSS_PATH: ClassVar = ["global.tcss", "app.tcss"]
    TITLE = "cockpit"
    AUTO_FOCUS = None  # the layout says which pane starts with the keyboard
    COMMANDS: ClassVar = {CockpitCommands}  # none of Textual's own (see commands.py)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("colon", "command_palette", "Commands", id="command-palette"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("tab", "cycle_pane(1)", "Next pane", id="next-pane", priority=True),
        Binding(
            "shift+tab",
            "cycle_pane(-1)",
            "Previous pane",
            show=False,
            id="previous-pane",
            priority=True,
        ),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear-filter"),
        Binding("c", "cutover", "Cutover", id="cutover"),
        Binding("r", "rollback", "Rollback", id="rollback"),
        Binding("b", "backup", "Backup", id="backup"),
        Binding("A", "approve", "Approve", show=False, id="approve"),
        Binding("X", "cancel_action", "Cancel action", show=False, id="cancel-action"),
        Binding("w", "why", "Why: the verdict's evidence", show=False, id="why"),
        Binding("q", "quit_confirm", "Quit", id="quit"),
    ]
    #: the risky moves: not offered at all in read-only mode (as k9s --readonly)
    MUTATING = ("cutover", "rollback", "backup")
    #: writes to the cluster, not to the service: an observer may approve, read-only may not
    APPROVING = ("approve",)
    #: seconds after a hang-up before the process ends whatever happens
    hangup_watchdog: float | None = 3.0

    def __init__(
        self,
        session: Session,
        *,
        store: ProgressStore | None = None,
        restored: Iterable[ev.Event] = (),
        trail: AuditTrail | None = None,
        clock: Callable[[], datetime] = utc_now,
        tick_seconds: float | None = 1.0,
        sources: Iterable[SourceFactory] = (),
        notices: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self._notices = list(notices)  # about the restored progress: shown and journaled
        self.source_factories = list(sources)
        self.sources: list[Source] = []
        self._checks = Checker(session)
        self.operator = session.operator
        self.store = store
        self.trail = trail
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.active: Workspace = session.workspace
        self.engine = Engine(
            session,
            trail=trail,
            store=store,
            restored=restored,
            now=clock().isoformat(),
            size=lambda: (self.size.width, self.size.height),
        )
        self.engine.listeners.append(self._shown)
        self.actions = Actions(self)
        self._filter_pane: str | None = None
        self.inbox = Inbox(self.call_soon, self.dispatch)  # every thread's way in
        self._stopping = threading.Event()  # crashed sources are not restarted any more
        self.set_keymap(session.keys)
        self._keys = KeyRouting()

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal, but a paste read whole (`terminal_input`)."""
        driver = super().get_driver_class()
        return CockpitDriver if driver is LinuxDriver else driver

    # --- the one way in --------------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self.engine.session

    @session.setter
    def session(self, session: Session) -> None:
        self.engine.session = session

    @property
    def state(self) -> State:
        return self.engine.state

    @state.setter
    def state(self, state: State) -> None:
        self.engine.state = state

    def dispatch(self, event: ev.Event, *, durable: bool = False) -> str | None:
        """The engine journals, reduces and keeps it (or says why not); the app shows it."""
        return self.engine.dispatch(event, durable=durable)

    def _shown(self, event: ev.Event) -> None:
        if isinstance(event, ev.Focus):
            self._apply_focus()
        elif isinstance(event, ev.LockStatus):
            self.refresh_bindings()  # an observer is not offered the risky keys
        elif isinstance(event, ev.Notice):
            self.say(event.message, severity=event.level)  # type: ignore[arg-type]
        self._render_state()

    def _render_state(self) -> None:
        """Every event: panes first (each repaints only if it must), then the bars."""
        if not self.screen_stack:
            return
        for pane in self.panes():
            pane.show(self.state)
        bar = self.query(StatusBar)
        if bar:
            bar.first().show(self.state, self._audit_label())
            self.query_one(Banner).show(self.state)

    def _audit_label(self) -> str:
        if self.trail is None:
            return "audit off"
        journal = self.trail.journal
        return "AUDIT ✗" if journal.failure else f"audit #{journal.next_seq}"

    # --- composition -----------------------------------------------------------------------

    def pane_specs(self) -> list[tuple[str, object]]:
        layout = self.active.layout
        return list(zip(layout.pane_ids(), layout.panes(), strict=True))

    def panes(self) -> list[PaneMixin]:
        return (
            [w for w in self.query(".pane") if isinstance(w, PaneMixin)]
            if self.screen_stack
            else []
        )

    def _make_pane(self, pane_id: str, spec) -> Widget:
        context = PaneContext(pane_id, spec, self.state, self.session, self.active.layout)
        widget = PANES[spec.kind](context)
        widget.styles.width = spec.width
        widget.sink = self.dispatch  # type: ignore[attr-defined]
        return widget

    def compose(self) -> ComposeResult:
        self.active = self._layout_for(*(self.state.size or (self.size.width, self.size.height)))
        layout = self.active.layout
        keys = self.session.keys
        yield Banner(
            id="banner", why_key=keys.get("why", "w"), approve_key=keys.get("approve", "A")
        )
        if layout.mode == "deck":
            yield Static(id="deck-tabs")
            with ContentSwitcher(id="panes", initial=self._focused_id()):
                for pane_id, spec in self.pane_specs():
                    yield self._make_pane(pane_id, spec)
        else:
            with Vertical(id="panes"):
                ids = iter(layout.pane_ids())
                for row in layout.rows:
                    with Horizontal(classes="row") as container:
                        container.styles.height = row.height
                        for spec in row.panes:
                            yield self._make_pane(next(ids), spec)
        yield TextField(id="filter-input", placeholder="filter items (enter: keep, esc: clear)")
        yield StatusBar(
            context=self.session.context,
            namespace=self.session.namespace,
            operator=self.operator,
            holder=self.session.holder,
            read_only=self.session.read_only,
            tz=self.session.tz,
            note=self.session.note,
        )
        yield Footer()

    def _focused_id(self) -> str:
        layout = self.active.layout
        ids = layout.pane_ids()
        if self.state.focus in ids:
            return self.state.focus
        return layout.focus if layout.focus in ids else ids[0]

    async def on_mount(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._app_context = contextvars.copy_context()
        if self.trail is not None:
            self._start_session()
            self.set_interval(2.0, self._retry_journal)
        for message in self._notices:
            self.dispatch(ev.Notice(level="warning", message=message, at=self.now()))
        self.actions.resume()
        self._start_sources()
        if self.tick_seconds:
            self.set_interval(self.tick_seconds, self._tick)
        self.set_interval(CHECK_EVERY, self._derive_checks)
        self._install_hangup()
        self._after_compose()

    # --- sources: threads that emit events -------------------------------------------------

    def _start_sources(self) -> None:
        for factory in self.source_factories:
            source = factory(self._emit)
            self.sources.append(source)
            if source.name in SOURCES:  # configured: never "not configured", even if slow
                self.dispatch(
                    ev.SourceStatus(
                        source=source.name, state="connecting", detail="starting", at=self.now()
                    )
                )
            for loop in source.loops():
                crashed = self._crash_report(source.name)
                self.spawn(supervised(loop, crashed, self._stopping), f"source-{source.name}")
        running = {source.name for source in self.sources}
        for name in SOURCES:
            if name not in running:
                self.dispatch(ev.SourceStatus(source=name, state="not configured", at=self.now()))

    def spawn(self, target: Callable[[], object], name: str) -> threading.Thread:
        """A daemon thread of its own for blocking work (sources, actions).

        Not a Textual thread worker: those share asyncio's default executor, whose few
        threads a cluster's watches fill, and the next source or action would never start.
        A crash is said in the banner, never printed over the screen.
        """

        def run() -> None:
            try:
                target()
            except Exception as error:
                message = f"{name} stopped: {type(error).__name__}: {error}"
                self._emit(ev.Alert(key=name, level="critical", message=message, at=self.now()))

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        return thread

    def _crash_report(self, name: str) -> Callable[[str], None]:
        """How a crashed source loop is said: its status (the lock's own) is failed."""

        def crashed(detail: str) -> None:
            at = self.clock().isoformat()
            if name in SOURCES:
                self._emit(ev.SourceStatus(source=name, state="failed", detail=detail, at=at))
            else:
                self._emit(ev.LockStatus(state="error", holder="", detail=detail, at=at))

        return crashed

    def _emit(self, event: ev.Event) -> None:
        """From a source's thread: into the event loop, or nowhere once it runs no more."""
        self.inbox.post(event)

    def _stop_sources(self) -> None:
        self._stopping.set()
        for source in self.sources:
            source.stop()

    def on_unmount(self) -> None:
        """However the app ends (a test that failed, an exception): no source thread stays."""
        self.inbox.close()  # sources' late events are dropped, actions' journaled
        self._stop_sources()

    def _derive_checks(self) -> None:
        """Closed-loop checks and the runbook's rules, judged from the state once a second."""
        for event in self._checks.results(self.state):
            self.dispatch(event)
        self._judge_window()
        self.actions.tick()

    def _judge_window(self) -> None:
        self.engine.judge(self.active.layout)

    def now(self) -> str:
        return self.state.now or ""

    # --- the actions controller's host ----------------------------------------------------

    @property
    def layout(self) -> Layout:
        return self.active.layout

    @property
    def locked(self) -> bool:
        return any(source.name == "lock" for source in self.sources)

    def post(self, event: ev.Event, orphan: Callable[[ev.Event], None]) -> None:
        self.inbox.post(event, orphan)

    def stop_delivery(self) -> None:
        self.inbox.close()

    def call_soon(self, callback: Callable[..., object], *args: object) -> None:
        """In the app's own context (screens need it), whichever thread asks."""
        self.loop.call_soon_threadsafe(callback, *args, context=self._app_context)

    def record(self, event: ev.Event) -> None:
        self.engine.record(event)

    def confirm(
        self, plan: Plan, where: str, holder: str, answered: Callable[[Answer], None]
    ) -> None:
        self.push_screen(ActionScreen(plan, where, holder), answered)

    def choose(
        self, title: str, choices: list[Choice], answered: Callable[[str | None], None]
    ) -> None:
        self.push_screen(ChooseScreen(title, choices), answered)

    def reason(
        self,
        title: str,
        subject: str,
        answered: Callable[[str | None], None],
        *,
        optional: bool = False,
        hint: str = "",
    ) -> None:
        needed = "a reason is needed (esc: back out)"
        prompt = Prompt(title, subject, optional=optional, hint=hint, required=needed)
        self.push_screen(prompt, answered)

    def say(self, message: str, *, severity: SeverityLevel = "information") -> None:
        """A toast. What it says often holds outside text — an exception's message (a
        driver's may echo a DSN), a name from the cluster — so it is cleaned and never read
        as markup. Thread-safe, as `notify` is."""
        self.notify(clean(message), severity=severity, markup=False)

    # --- audit: every input recorded before Textual dispatches it, fail closed ------------

    def _start_session(self, size: tuple[int, int] | None = None) -> None:
        self.engine.start_session(size)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and self.screen_stack:
            self._keys.arrived(event, self.screen)
        if self.trail is not None and not event.is_forwarded:
            if isinstance(event, events.Resize):
                self._start_session((event.size.width, event.size.height))
            focused = self.focused if self.screen_stack else None
            screen = type(self.screen).__name__ if self.screen_stack else ""
            captured = input_record(event, focused, screen)
            if captured is not None:
                if self.trail.journal.closed:
                    return  # quitting: a key after the last record does nothing, unrecorded
                self._start_session()
                self.trail.record(*captured)
        await super().on_event(event)
        if isinstance(event, events.MouseDown) and len(self.screen_stack) == 1:
            self._clicked()

    def _on_key(self, event: events.Key) -> None:
        """Back from the focused widget: Textual's `App._on_key` (the bindings, called
        after this) acts only if the key's screen is in front."""
        if not self._keys.acts_here(event, self):
            event.prevent_default()

    def _audit_health(self) -> None:
        self.engine.audit_health()

    def _retry_journal(self) -> None:
        if self.trail is not None and self.trail.journal.failure is not None:
            self.trail.journal.retry()
            self._audit_health()

    def can_mutate(self) -> str | None:
        """Why a mutating action may not run now, or None when it may."""
        if self.session.read_only:
            return "read-only mode"
        if self.trail is None:
            return "no audit journal"
        if self.trail.journal.failure is not None:
            return f"audit journal not writable: {self.trail.journal.failure}"
        if self._observing():
            said = self.state.lock.said(self.session.holder, self.state.now or "")
            return f"the window lock is {said}: only its holder acts"
        return None

    def _observing(self) -> bool:
        return self.locked and not self.state.lock.mine(self.session.holder, self.state.now or "")

    def take_over_lock(self) -> None:
        """The lock's holder stopped renewing: take it — confirmed, with a reason, journaled."""
        lock = self.state.lock
        source = next((s for s in self.sources if s.name == "lock"), None)
        if source is None or lock.state != "stale":
            said = lock.said(self.session.holder, self.state.now or "")
            self.say(f"the window lock is {said}: nothing to take over", severity="warning")
            return

        def because(reason: str | None) -> None:
            if not reason:
                message = (
                    f"not taken over: {lock.holder} keeps the lock (a take-over needs a reason)"
                )
                self.dispatch(ev.Notice(level="warning", message=message, at=self.now()))
                return
            self.dispatch(
                ev.LockTakeover(
                    previous=lock.holder, by=self.operator, at=self.now(), reason=reason
                )
            )
            self.spawn(source.take_over, "lock-takeover")

        def answer(yes: bool | None) -> None:
            if yes:
                self.reason("Why take the window lock over?", f"from {lock.holder}", because)

        question = f"{lock.holder} holds the window lock but stopped renewing it. Take it over?"
        self.push_screen(Confirm(question), answer)

    def _after_compose(self) -> None:
        self._render_state()
        self._apply_focus()

    def _tick(self) -> None:
        self.dispatch(ev.ClockTick(now=self.clock().isoformat()))
        width, height = self.size
        if len(self.screen_stack) == 1 and self._layout_for(width, height) is not self.active:
            self.run_worker(self._relayout(width, height), group="relayout", exclusive=True)

    # --- size: the compact layout below the layout's minimum -------------------------------

    async def on_resize(self, event: Resize) -> None:
        self.dispatch(ev.Resize(width=event.size.width, height=event.size.height))
        await self._relayout(event.size.width, event.size.height)

    async def _relayout(self, width: int, height: int) -> None:
        """The layout for the size — not under a dialog (recompose acts on the screen on
        top): the first tick once the dialog is gone does it."""
        wanted = self._layout_for(width, height)
        if wanted is not self.active and len(self.screen_stack) == 1:
            self.active = wanted
            await self.recompose()
            self._after_compose()

    def _layout_for(self, width: int, height: int) -> Workspace:
        main, compact = self.session.workspace, self.session.compact
        small = width < main.layout.min_width or height < main.layout.min_height
        return compact if compact is not None and small else main

    # --- focus -----------------------------------------------------------------------------

    def _apply_focus(self) -> None:
        pane_id = self._focused_id()
        switcher = self.query(ContentSwitcher)
        if switcher:
            switcher.first().current = pane_id
            self._render_tabs()
        panes = [p for p in self.panes() if isinstance(p, Widget) and p.pane_id == pane_id]
        if panes and panes[0].screen.focused is not panes[0]:
            # at once, not `focus()` (later: six tabs at once landed on the wrong pane), and
            # under a modal too: the pane has the keyboard when the modal closes
            panes[0].screen.set_focus(panes[0])

    @on(DescendantFocus)
    def _focus_followed(self, event: DescendantFocus) -> None:
        """Textual moved the keyboard by itself (a screen closed, a focus asked for by an
        earlier key landed late): the state says which pane has it, no record is made."""
        widget = event.widget
        if isinstance(widget, PaneMixin) and widget.pane_id != self._focused_id():
            self._apply_focus()

    def _clicked(self) -> None:
        """A click gave a pane the keyboard (Textual focuses on the press): a move."""
        pane = self.focused
        if isinstance(pane, PaneMixin) and pane.pane_id != self._focused_id():
            self.dispatch(ev.Focus(pane=pane.pane_id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Pane keys only when the panes are in front: not under a modal, not while filtering."""
        if action in (*self.MUTATING, *self.APPROVING) and self.session.read_only:
            return False
        if action in self.MUTATING and self._observing():  # refused anyway: not offered
            return False
        panes_only = ("cycle_pane", "filter", "help", "quit_confirm", "why", *self.MUTATING)
        if action in (*panes_only, *self.APPROVING):
            return len(self.screen_stack) == 1 and self._filter_pane is None
        return True

    def action_cutover(self) -> None:
        self.actions.cutover()

    def action_rollback(self) -> None:
        self.actions.rollback()

    def action_backup(self) -> None:
        self.actions.backup()

    def action_cancel_action(self) -> None:
        self.actions.cancel_running()

    def action_approve(self) -> None:
        self.actions.four_eyes.approve()

    def go_on_without_approval(self) -> None:
        self.actions.four_eyes.emergency()

    def action_why(self) -> None:
        """The evidence of the verdict shown where the operator looks: a metric pane's
        series, the gate's whole window, else the banner's (what keeps it from OK)."""
        window, focused = self.state.window, self.focused
        since = clock(window.since, self.session.tz, "%H:%M:%S")
        heading = f"Why: window {window.state or 'not judged'}" + (
            f" since {since}" if since else ""
        )
        if isinstance(focused, MetricPane) and focused.spec.metric:
            items = [i for i in window.evidence if i.get("metric") == focused.spec.metric]
            heading += f" — {focused.spec.title or focused.spec.metric}"
        elif isinstance(focused, GatePane):
            items = list(window.evidence)
            heading += f" — {focused.gate.title}"
        else:
            items = deciding(window.evidence) or list(window.evidence)
        self.push_screen(WhyScreen(clean(heading), why_body(items, self.session.tz)))

    def restore_test(self) -> None:
        self.actions.restore_test()

    def focus_pane(self, pane_id: str) -> None:
        self.dispatch(ev.Focus(pane=pane_id))

    def action_cycle_pane(self, step: int) -> None:
        ids = self.active.layout.pane_ids()
        current = self._focused_id()
        self.dispatch(ev.Focus(pane=ids[(ids.index(current) + step) % len(ids)]))

    def _render_tabs(self) -> None:
        tabs = self.query("#deck-tabs")
        if not tabs:
            return
        current = self._focused_id()
        labels: list[str | tuple[str, str]] = []
        for pane_id, spec in self.pane_specs():
            title = f" {spec.title or pane_id} "  # the layout's text: never markup
            labels.append((title, "reverse") if pane_id == current else title)
        tabs.first(Static).update(Content.assemble(*labels, "  ", ("tab ⇥", "dim")))

    # --- filter ----------------------------------------------------------------------------

    def action_filter(self) -> None:
        pane_id = self._focused_id()
        if not any(isinstance(p, RowsPane) and p.pane_id == pane_id for p in self.panes()):
            self.say("this pane has nothing to filter", severity="warning")
            return
        self._filter_pane = pane_id
        box = self.query_one("#filter-input", Input)
        box.value = self.state.filters.get(pane_id, "")
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter-input")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._filter_pane and event.value != self.state.filters.get(self._filter_pane, ""):
            self.dispatch(ev.SetFilter(pane=self._filter_pane, text=event.value))

    @on(Input.Submitted, "#filter-input")
    def _filter_done(self) -> None:
        self._close_filter()

    def action_clear_filter(self) -> None:
        pane_id = self._filter_pane or self._focused_id()
        if self.state.filters.get(pane_id):
            self.dispatch(ev.SetFilter(pane=pane_id, text=""))
        self._close_filter()

    def _close_filter(self) -> None:
        box = self.query_one("#filter-input", Input)
        box.display = False
        self._filter_pane = None
        self._apply_focus()
        focused = [p for p in self.panes() if p.pane_id == self._focused_id()]
        if focused:
            focused[0].focus()  # type: ignore[attr-defined]

    # --- help, quit, hang-up ---------------------------------------------------------------

    def key_rows(self) -> list[tuple[str, str, str]]:
        """(keys, description, id) for every binding with an id, after the user's keymap."""
        from cockpit.ui.keys import all_bindings

        keymap = self.session.keys
        rows = []
        for binding in all_bindings(type(self)):
            keys = keymap.get(binding.id, binding.key).split(",")
            shown = ", ".join(self.get_key_display(Binding(k.strip(), "")) for k in keys)
            rows.append((shown, binding.description or binding.action, binding.id))
        return rows

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_rows()))

    def action_quit_confirm(self) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                self.shutdown(0)

        question = "Quit the cockpit? Progress is saved."
        running = self.state.running_action()
        if running is not None:  # quitting cuts it short: said before, journaled after
            step = running[1].last_step
            at = f" ({step.step} {step.status})" if step else ""
            question = (
                f"{running[1].title}{at} is running: quitting cuts it short and journals where"
                f" the traffic is. {question}"
            )
        self.push_screen(Confirm(question), answer)

    def close_stores(self) -> None:
        """After `run()`: journal, then progress, flushed and closed (idempotent). The
        journal first: progress waits for its records to be durable."""
        if self.trail is not None:
            self.trail.journal.close()
        if self.store is not None:
            self.store.close()

    def shutdown(self, code: int, reason: str = "quit") -> None:
        """Leave with everything saved: progress, an action's end or safe point (a quit
        mid-action ends it as a hang-up does), and the journal's closing record."""
        self.inbox.close()  # sources' late events are dropped, actions' journaled
        self._stop_sources()
        self._end_actions("quit by the operator" if reason == "quit" else "terminal gone")
        if self.trail is not None:
            self.trail.record(
                "session.end", {"reason": reason, "progress": self._progress_summary()}
            )
        self.close_stores()
        self.exit(code)

    def _progress_summary(self) -> dict[str, list[int]]:
        return {name: list(self.state.checklist_progress(name)) for name in self.state.runbooks}

    def _install_hangup(self) -> None:
        """SIGHUP and SIGTERM end the session (`_hangup`). They and SIGWINCH are unblocked
        first: a parent may have blocked them (a supervisor, a runner), and the mask is
        inherited, so the cockpit never heard its terminal go away or change size."""
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP, signal.SIGTERM, signal.SIGWINCH})
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(sig, self._hangup)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread: tests
            pass

    def _hangup(self) -> None:
        """The terminal is gone (SSH drop): let a running action reach its end or a safe
        point (journaling its own steps), save, exit; never spin on a dead tty."""
        self.shutdown(129, reason="hangup")  # it ends the actions first
        if self.hangup_watchdog is not None:  # if restoring the terminal hangs: armed once
            # the journal is closed, so a slow disk never cuts the session's last records
            threading.Timer(self.hangup_watchdog, os._exit, (129,)).start()

    def _end_actions(self, why: str) -> None:
        """The running action gets its grace to reach its end or a safe point (journaling
        its own steps), then what is still open ends on the record, before `session.end`
        (once: a second call finds nothing open)."""
        action = self.actions.detach(why)
        if action is not None:
            action.join(ACTION_GRACE)
            if action.is_alive():  # backup and restore stop cleanly on cancel
                self.actions.cancel.set()
                action.join(ACTION_GRACE)
        self.actions.close_out()

    def fold_all(self, collapsed: bool) -> None:
        for name, runbook in self.state.runbooks.items():
            for section in self._sections(runbook.sections):
                if ((name, section) in self.state.collapsed) != collapsed:
                    self.dispatch(ev.Collapse(checklist=name, section=section, collapsed=collapsed))

    @staticmethod
    def _sections(sections: Iterable) -> Iterable[str]:
        for section in sections:
            if section.items or section.sections:
                yield section.id
