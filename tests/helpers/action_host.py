"""The actions controller's host with no UI (events reduced, callbacks queued, questions
kept for the test to answer), and the moves a test makes with it: the cluster observed, a
cutover confirmed past its preconditions, time moved on. Shared by the controller's tests
and the engine's."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from cockpit.actions.controller import Actions
from cockpit.model import events as ev
from cockpit.model.reduce import reduce
from cockpit.model.state import initial_state
from cockpit.runtime.inbox import Inbox
from tests.ui.apps import make_session

T0 = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
ACTIONS = {"soak": "60s", "verify_timeout": "30s"}


class Host:
    """The controller's host with no UI: events are reduced, callbacks queued."""

    def __init__(self, **config) -> None:
        self.session = make_session("go-live", **({"context": None, "actions": ACTIONS} | config))
        self.state = initial_state(self.session.workspace.runbooks)
        self.layout = self.session.workspace.layout
        self.locked = False
        self.refusal: str | None = None
        self.journal_full = False
        self.events: list[ev.Event] = []
        self.recorded: list[ev.Event] = []
        self.queued: list = []
        self.asked: list = []
        self.chosen: list = []
        self.reasons: list = []
        self.optional: list[bool] = []  # whether each reason asked may be left empty
        self.hints: list[str] = []  # what each question says its keys do
        self.threads: list[threading.Thread] = []
        self.now_at = T0
        self.clock = lambda: self.now_at
        self.inbox = Inbox(self.call_soon, self.dispatch)
        self.dispatch(ev.ClockTick(now=T0.isoformat()))

    def dispatch(self, event, *, durable=False):
        if durable and self.journal_full:
            return "audit journal not writable: [Errno 28] No space left on device"
        self.events.append(event)
        self.state = reduce(self.state, event)
        return None

    def call_soon(self, callback, *args):
        self.queued.append((callback, args))

    def post(self, event, orphan):
        self.inbox.post(event, orphan)

    def stop_delivery(self):
        self.inbox.close()

    def run_queued(self) -> None:
        while self.queued:
            callback, args = self.queued.pop(0)
            callback(*args)

    def record(self, event):
        self.recorded.append(event)

    def spawn(self, target, name):
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)
        return thread

    def settle(self) -> None:
        """Every worker done, and what it asked the loop to do, done."""
        while self.threads or self.queued:
            while self.threads:
                self.threads.pop(0).join(10)
            self.run_queued()

    def can_mutate(self):
        return self.refusal

    def now(self):
        return self.state.now or ""

    def confirm(self, plan, where, holder, answered):
        self.asked.append((plan, where, holder, answered))

    def choose(self, title, choices, answered):
        self.chosen.append((title, choices, answered))

    def reason(self, title, subject, answered, *, optional=False, hint=""):
        self.reasons.append((title, subject, answered))
        self.optional.append(optional)
        self.hints.append(hint)

    def advance(self, seconds: float) -> None:
        self.now_at += timedelta(seconds=seconds)
        self.dispatch(ev.ClockTick(now=self.now_at.isoformat()))

    def of(self, kind):
        return [e for e in self.events if isinstance(e, kind)]

    def notices(self) -> list[tuple[str, str]]:
        return [(n.level, n.message) for n in self.of(ev.Notice)]


def observe(host: Host, selector: str = "blue", endpoints=(("green", True),) * 3) -> None:
    """The watched cluster: the Service's selector, its endpoints, green's Deployment."""
    at = host.now()
    service = {"name": "valeo-erp", "selector": {"app": "valeo-erp", "version": selector}}
    pods = [
        {"name": f"valeo-erp-{version}-{n}", "labels": {"app": "valeo-erp", "version": version}}
        | {"phase": "Running", "ready": ready, "containers": 1, "ready_containers": int(ready)}
        | {"restarts": 0, "node": "n", "reason": "", "started": at}
        for n, (version, ready) in enumerate(endpoints)
    ]
    slice_ = {
        "name": "valeo-erp-x",
        "service": "valeo-erp",
        "endpoints": [{"pod": p["name"], "ready": p["ready"]} for p in pods],
    }
    green = {"name": "valeo-erp-green", "labels": {"app": "valeo-erp", "version": "green"}}
    green |= {"replicas": 3, "ready": 3, "updated": 3, "available": 3}
    for resource, items in (
        ("services", (service,)),
        ("pods", tuple(pods)),
        ("endpointslices", (slice_,)),
        ("deployments", (green,)),
    ):
        host.dispatch(ev.KubeObserved(resource=resource, change="LIST", items=items, at=at))
    host.dispatch(ev.SourceStatus(source="kubernetes", state="ok", at=at))


def run_ticks(controller: Actions, host: Host) -> None:
    controller.tick()
    host.run_queued()


def later(controller: Actions, host: Host, seconds: float) -> None:
    host.advance(seconds)
    run_ticks(controller, host)


def only(host: Host):
    (action,) = host.state.actions.values()
    return action


def overridden(host: Host, plan, answered) -> None:
    """The preview answered `override <target>`, with the reason an override asks for."""
    answered(("override valeo-erp", tuple(p.name for p in plan.failed)))
    if plan.failed:
        host.reasons[-1][2]("green is not in the emulator's metrics")
    host.settle()


def cluster_host(kubeconfig, **config) -> Host:
    host = Host(kubeconfig=str(kubeconfig), context="valeo-sim", operator="alice@bastion", **config)
    observe(host)
    return host


def cut_over(host: Host) -> Actions:
    """`c`, confirmed (past the preconditions the emulator cannot pass: its metrics), run."""
    controller = Actions(host)
    controller.cutover()
    ((plan, _, _, answered),) = host.asked
    overridden(host, plan, answered)
    return controller
