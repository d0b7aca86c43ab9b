"""The actions controller driven by hypothesis against the Kubernetes emulator (I5, I1).

The real `Actions` over the real `Engine` (`assemble`: the journal, the progress file,
restore), through a headless host whose threads and loop the machine runs by hand, and an
emulated cluster on a hand-driven clock: every sequence is deterministic. The operator
plans a cutover or a switch back, answers the preview (the right word, a wrong one, esc);
green's pods crash and recover, someone else patches the Service's selector, time passes,
the journal's disk fills at the confirm, the terminal hangs up or the operator quits
mid-action and the cockpit starts again on the same journal. The invariants read the
journal from disk as an auditor would, and the emulator's own record of every change to
the Service's selector.
"""

from __future__ import annotations

import functools
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from cockpit.audit.read import read_records
from cockpit.audit.records import Record
from cockpit.model import events as ev
from cockpit.model.honesty import honest_verdict_violations
from cockpit.model.session import Session
from cockpit.sim.clock import ManualClock
from cockpit.sim.kube.valeo import NAMESPACE, SERVICE, start_valeo, write_kubeconfig
from cockpit.sources.kube_objects import SLIM
from tests.disk import Disk
from tests.truth.engine_machine import ended, started
from tests.truth.headless import HeadlessHost
from tests.truth.rebuild import Rebuilt, assert_shows_the_journal, assert_verifies
from tests.ui.apps import NOW, make_session

ACTIONS = {"soak": "60s", "verify_timeout": "30s"}
#: what Prometheus answers for each colour: healthy, or green gone sour (the triggers fire)
HEALTHY = {"p95": 0.2, "error_rate": 0.001, "sse": 120.0}
SOUR = {"p95": 2.6, "error_rate": 0.08, "sse": 120.0}
#: the emulator's pace: a reconcile every 5 s of the machine's time (pods ready in ~15 s)
SPEED = 0.1
KINDS = ("pods", "services", "endpointslices", "deployments")
#: an action's journaled end: its result (`close_out`'s interrupted one included)
RESULTS = ev.RESULT_KINDS


@dataclass(frozen=True)
class Patch:
    """A change of the Service's selector, as the emulator committed it."""

    to: str
    by_machine: bool  # someone else's (the machine's own hand), not the cockpit's
    confirmed: frozenset[str]  # the plans confirmed on disk at that moment, open, to `to`


def _plans_to(records: list[Record]) -> dict[str, str]:
    """Action id → the colour its plan moves the selector to."""
    return {
        r.data["id"]: r.data.get("params", {}).get("move", {}).get("to", "")
        for r in records
        if r.kind == "action.plan"
    }


@functools.cache
def _session() -> Session:
    """One session for every sequence (reading the runbooks takes a while): its kubeconfig,
    a file of this process's own, names each sequence's cluster in turn."""
    kubeconfig = Path(tempfile.mkdtemp(prefix="cockpit-actions-kube-")) / "kubeconfig"
    write_kubeconfig(kubeconfig, "http://127.0.0.1:1", context="valeo-sim")
    return make_session(
        "go-live",
        context="valeo-sim",
        kubeconfig=str(kubeconfig),
        actions=ACTIONS,
        prometheus={"url": "http://127.0.0.1:9"},  # the machine says what it answers
    )


class ActionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.home = Path(tempfile.mkdtemp(prefix="cockpit-actions-"))
        os.environ["XDG_STATE_HOME"] = str(self.home / "state")
        os.environ["XDG_CONFIG_HOME"] = str(self.home / "config")
        self.journal_path = self.home / "journal.jsonl"
        self.rebuilt = Rebuilt(self.journal_path)
        self.now = NOW
        self.disk = Disk()
        self.clock = ManualClock(NOW.timestamp(), speed=SPEED)
        self.cluster = start_valeo(clock=self.clock, seed_rng=7, bookmark_interval=0.2)
        self.patches: list[Patch] = []
        self.green = HEALTHY
        self.prometheus = "ok"
        self._hook_selector_changes()
        self.session = _session()
        write_kubeconfig(self.session.kube.kubeconfig, self.cluster.url, context="valeo-sim")
        self._start()

    # --- the emulator: its record of the selector, what the watch would say ------------------

    def _hook_selector_changes(self) -> None:
        """Every committed change to the Service's selector, with what the journal on disk
        had confirmed at that moment (the API server's thread: the cockpit's own patch)."""
        store, machine = self.cluster.store, threading.current_thread()
        mutate = store.mutate

        def mutating(resource, namespace, name, change, **kwargs):
            before = store.get(resource, namespace, name) if resource == "services" else None
            after = mutate(resource, namespace, name, change, **kwargs)
            label = self.session.actions.label
            if before is not None and not kwargs.get("dry_run"):
                was = before["spec"].get("selector", {}).get(label)
                now = after["spec"].get("selector", {}).get(label)
                if was != now:
                    self.patches.append(
                        Patch(now, threading.current_thread() is machine, self._confirmed_to(now))
                    )
            return after

        store.mutate = mutating

    def _confirmed_to(self, colour: str | None) -> frozenset[str]:
        """The actions confirmed on disk now, not ended, whose plan moves to `colour`."""
        records = list(read_records(self.journal_path))
        plans = _plans_to(records)
        ended = {r.data["id"] for r in records if r.kind in RESULTS}
        return frozenset(
            r.data["id"]
            for r in records
            if r.kind == "action.confirm"
            and plans.get(r.data["id"]) == colour
            and r.data["id"] not in ended
        )

    def _observe(self) -> None:
        """What the sources deliver: the watch each kind listed, Prometheus its answer (or
        its trouble)."""
        at = self.now.isoformat()
        for kind in KINDS:
            objects, _ = self.cluster.store.list(kind, NAMESPACE)
            items = tuple(SLIM[kind](obj) for obj in objects)
            self.engine.dispatch(ev.KubeObserved(resource=kind, change="LIST", items=items, at=at))
        self.engine.dispatch(ev.SourceStatus(source="kubernetes", state="ok", at=at))
        self.engine.dispatch(ev.SourceStatus(source="prometheus", state=self.prometheus, at=at))
        if self.prometheus == "ok":
            for metric, value in HEALTHY.items():
                samples = tuple(
                    {"labels": {"version": colour}, "t": self.now.timestamp(), "value": str(v)}
                    for colour, v in (("blue", value), ("green", self.green[metric]))
                )
                self.engine.dispatch(ev.MetricObserved(metric=metric, samples=samples, at=at))

    # --- the process -------------------------------------------------------------------------

    def _start(self) -> None:
        self.engine = started(self.session, self.journal_path, self.now)
        self.store, self.trail = self.engine.store, self.engine.trail
        self.journal = self.trail.journal
        self.host = HeadlessHost(self.engine, lambda: self.now)
        self.actions = self.host.actions
        self.actions.resume()  # as the app on mount
        self._observe()

    def _end(self, reason: str) -> None:
        ended(self.engine, reason)

    def teardown(self) -> None:
        self.disk.free()
        self.host.end_actions("quit by the operator")
        self._end("quit")
        self.cluster.stop()

    # --- the operator ----------------------------------------------------------------------

    def _panes_in_front(self) -> bool:
        return not self.host.prompts

    @precondition(_panes_in_front)
    @rule(key=st.sampled_from(["c", "r"]))
    def press(self, key: str) -> None:
        """The keys of the moves (only with the panes in front, as the app offers them)."""
        {"c": self.actions.cutover, "r": self.actions.rollback}[key]()

    @precondition(lambda self: self.host.prompts)
    @rule(data=st.data())
    def answer(self, data) -> None:
        """What is in front answered: the preview with the word it asks for (`override …`
        past a failed precondition), a wrong one (it stays and says why) or esc; a choice
        offered (a disabled one does not close the list) or esc; a reason, an empty one (a
        required one keeps the prompt open) or esc."""
        kind = self.host.prompts[-1].kind
        if kind == "confirm":
            self._confirm(data.draw(st.sampled_from(["right", "right", "wrong", "esc"])))
        elif kind == "choose":
            offered = [c.id for c in self.host.prompts[-1].args[1] if not c.disabled]
            self.host.answer(data.draw(st.sampled_from([*offered, None]), label="choice"))
        else:
            self._reason(data.draw(st.sampled_from(["the probe lags", "", None])))

    @precondition(_panes_in_front)
    @rule(move=st.sampled_from(["cutover", "selector"]), then=st.sampled_from(["waits", "runs"]))
    def go(self, move: str, then: str) -> None:
        """The whole way at once: the key, the Service's switch back (if a rollback), the
        right word, a reason (if an override); then the worker waits its turn, or runs and
        the loop with it."""
        self.press("c" if move == "cutover" else "r")
        while self.host.prompts:
            kind = self.host.prompts[-1].kind
            if kind == "confirm":
                if not self._confirm("right"):
                    self.host.answer(None)  # nothing to type that it takes (helm missing)
            elif kind == "choose":
                self.host.answer(move)
            else:
                self._reason("the probe lags")
        if then == "runs":
            self.host.settle()

    def _confirm(self, how: str) -> bool:
        """The preview answered `how`; False when it stays open (a word it does not take)."""
        if how == "esc":
            self.host.answer(None)
            return True
        plan = self.host.prompts[-1].args[0]
        word = plan.to_type
        typed = (f"override {word}" if plan.failed else word) if how == "right" else word[:-1]
        accepted, overridden, _ = plan.confirmation(typed)
        if accepted:
            self.host.answer((typed, overridden))
        return accepted

    def _reason(self, text: str | None) -> None:
        if text != "" or self.host.prompts[-1].args[2]:  # an optional one takes ""
            self.host.answer(text)

    # --- the process's threads and loop ------------------------------------------------------

    @rule(which=st.sampled_from(["workers", "loop", "both"]))
    def threads_run(self, which: str) -> None:
        """The workers run to their end, or the loop runs what they asked of it, or both:
        what a hang-up finds depends on it."""
        if which != "loop":
            self.host.run_workers()
        if which != "workers":
            self.host.run_loop()

    @rule(seconds=st.sampled_from([1, 2, 5, 10, 20, 31, 45, 61]))
    def time_passes(self, seconds: int) -> None:
        """The loop runs, the cluster moves on, the watch says so, the window is judged and
        the running action verified, as the app does once a second."""
        self.host.settle()
        self.now += timedelta(seconds=seconds)
        self.clock.advance(seconds)
        self.engine.dispatch(ev.ClockTick(now=self.now.isoformat()))
        self._observe()
        self.engine.judge(self.session.workspace.layout)
        self.actions.tick()
        self.host.run_loop()

    # --- the cluster under it ----------------------------------------------------------------

    @rule(
        change=st.sampled_from(["crash", "recover", "patch"]),
        colour=st.sampled_from(["green", "green", "blue", "canary"]),
        n=st.sampled_from([1, 2, None]),
    )
    def the_cluster_changes(self, change: str, colour: str, n: int | None) -> None:
        """Pods of a colour crash-loop (n of them, or all), every pod recovers, or someone
        else patches the Service's selector."""
        controller, label = self.cluster.controller, self.session.actions.label
        if change == "crash" and colour != "canary":
            controller.crashloop(f"valeo-erp-{colour}", n)
        elif change == "recover":
            controller.heal()
        elif change == "patch":

            def patched(service: dict) -> dict:
                service["spec"]["selector"] = {**service["spec"]["selector"], label: colour}
                return service

            self.cluster.store.mutate("services", NAMESPACE, SERVICE, patched)

    @rule(change=st.sampled_from(["green sours", "green heals", "unreachable", "ok"]))
    def prometheus_says(self, change: str) -> None:
        """Green's errors and latency climb past the triggers (or come back), or Prometheus
        stops answering (or answers again); said at the next scrape."""
        if change.startswith("green"):
            self.green = SOUR if change == "green sours" else HEALTHY
        else:
            self.prometheus = change

    # --- faults ------------------------------------------------------------------------------

    @precondition(lambda self: not self.disk.full and self.host.prompts)
    @rule()
    def disk_fills(self) -> None:
        """Nothing more fits, with the preview open: the confirm cannot be made durable."""
        self.disk.fill_past(self.journal)

    @precondition(lambda self: self.disk.full)
    @rule()
    def disk_freed(self) -> None:
        self.disk.free()
        self.journal.retry()
        self.engine.audit_health()

    def _mid_action(self) -> bool:
        """A prompt open, a thread or the loop with work, or an action open."""
        return self.host.busy or any(a.open for a in self.engine.state.actions.values())

    @precondition(_mid_action)
    @rule(how=st.sampled_from(["SIGHUP", "SIGTERM", "quit", None, None, None]))
    def session_ends(self, how: str | None) -> None:
        """SIGHUP or SIGTERM mid-action (one handler), or `q`, `y` (with the panes in front),
        then the cockpit starts again on the journal; or nothing ends it after all (half the
        time: the other rules get their turn before the end)."""
        if how is None or (how == "quit" and self.host.prompts):
            return
        self.disk.free()
        self.host.end_actions("quit by the operator" if how == "quit" else "terminal gone")
        self._end("quit" if how == "quit" else "hangup")
        self._start()

    # --- invariants --------------------------------------------------------------------------

    def _records(self) -> list[Record]:
        """The journal on disk so far (read once, as it grows: `Rebuilt`'s)."""
        self.journal.sync()
        self.rebuilt.update()
        return [self.rebuilt.by_seq[seq] for seq in sorted(self.rebuilt.by_seq)]

    @invariant()
    def i5a_every_executed_action_ends_on_the_record(self) -> None:
        """In its own session: a result (or a safe point) once the action is over or the
        session closed, and never "nothing was executed" after its patch."""
        records = self._records()
        plans = _plans_to(records)
        session = 0
        executed: dict[str, int] = {}  # id → its session
        patched: set[str] = set()
        results: dict[str, tuple[int, Record]] = {}
        closed: set[int] = set()
        for record in records:
            if record.kind == "session.start":
                session += 1
            elif record.kind == "session.end":
                closed.add(session)
            elif record.kind == "action.step" and record.data["step"] == "execute":
                executed.setdefault(record.data["id"], session)
                if record.data["status"] == "done":
                    patched.add(record.data["id"])
            elif record.kind in RESULTS:
                results.setdefault(record.data["id"], (session, record))
        for key, where in executed.items():
            action = self.engine.state.actions.get(key)
            over = action is None or not action.open
            if where in closed or (over and not self.disk.full):
                assert key in results, f"{key} executed in session {where}, no result"
                assert results[key][0] == where, f"{key}: its result in another session"
            if key in patched and key in results:
                detail = results[key][1].data.get("detail", "")
                assert "nothing was executed" not in detail and "no change" not in detail, detail
                if results[key][1].data["outcome"] == "interrupted":
                    assert plans[key] in detail, f"{key}: where is the traffic? {detail}"

    @invariant()
    def i5b_nothing_executes_without_its_durable_confirm(self) -> None:
        records = self._records()
        confirmed: set[str] = set()
        for record in records:
            if record.kind == "action.confirm":
                confirmed.add(record.data["id"])
            elif record.kind == "action.step" and record.data["step"] == "execute":
                assert record.data["id"] in confirmed, record
        for patch in self.patches:
            assert patch.by_machine or patch.confirmed, patch

    @invariant()
    def i5c_action_ids_are_unique(self) -> None:
        ids = [r.data["id"] for r in self._records() if r.kind == "action.plan"]
        assert len(ids) == len(set(ids)), ids

    @invariant()
    def i1_the_window_is_honest(self) -> None:
        if self.disk.full:
            return  # the verdict waits for its record like everything else
        self.engine.judge(self.session.workspace.layout)
        assert honest_verdict_violations(self.engine.state, service=SERVICE) == []

    @invariant()
    def i2_the_state_is_the_durable_journal(self) -> None:
        self.journal.sync()
        assert_shows_the_journal(self.engine.state, self.rebuilt, self.session.workspace.runbooks)

    @invariant()
    def i3_the_journal_verifies(self) -> None:
        assert_verifies(self.journal)
