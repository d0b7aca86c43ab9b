"""The real Kubernetes source and two window locks, driven by hypothesis against a cluster
that misbehaves: the emulator's API server answering 401, 403, 409, 410, 500/503, slowly or
not in time, dropping watches; and the cluster changing under it (pods crashing, recovering,
killed and created, the Service's selector patched by someone else, Deployments scaled).

`KubeSource` runs in its own threads on the official client, as in `cockpit run`; its events
reach the same `Engine` the app dispatches through (journal on disk), with Prometheus kept
healthy and fresh so that only the cluster stands between the window and OK. The cluster's
controller runs on a manual clock (it moves only in `cluster_moves`); the locks run on a
clock the machine sets. What crosses a socket is awaited with a deadline, never a sleep.

After every step: (I1) while the source cannot see — a fault in force that its requests
meet — and once it had time to notice, the source is not live, its last good word is from
before, and the window is not OK; (I6) no credential or terminal escape a server's error
carried reaches the state or the journal; the lock: never two holders believing it at once,
a lease taken from its holder only by an explicit take-over. When no fault is in force the
state converges on the emulator's store.
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from cockpit.audit.journal import Journal
from cockpit.audit.trail import AuditTrail
from cockpit.clients.kube import KubeSettings
from cockpit.model import events as ev
from cockpit.model.evidence import OK
from cockpit.model.honesty import honest_verdict_violations
from cockpit.model.kube import KubeState
from cockpit.model.serving import LIVE
from cockpit.model.untrusted import contains_secret
from cockpit.runtime.engine import Engine
from cockpit.sim.clock import ManualClock
from cockpit.sim.kube.valeo import start_valeo, write_kubeconfig
from cockpit.sources.backoff import Backoff
from cockpit.sources.kube import KubeSource, Timing
from cockpit.sources.kube_objects import SLIM
from cockpit.sources.lock import WindowLock
from tests.helpers.poll import eventually
from tests.truth.engine_machine import CREDENTIALS, SECRETS
from tests.ui.apps import make_session

NS, APP, SERVICE, LEASE = "production", "valeo-erp", "valeo-erp", "cockpit-window"
KINDS = KubeSource.KINDS
#: what each kind's watch selects, as the source asks for it
SELECTS = {
    "pods": {"label_selector": f"app={APP}"},
    "services": {"field_selector": f"metadata.name={SERVICE}"},
    "endpointslices": {"label_selector": f"kubernetes.io/service-name={SERVICE}"},
    "deployments": {"label_selector": f"app={APP}"},
    "leases": {"field_selector": f"metadata.name={LEASE}"},
}
#: the source's waits, shrunk: a request unanswered for READ seconds is a timeout
READ = 1.5
TIMING = Timing(retry=Backoff(first=0.02, cap=0.2), connect=1.0, read=READ, watch_read=READ)
SLOW, TIMEOUT = 0.3, 2 * READ  # an answer late but in time; one past the source's patience
NOTICE = 4 * READ  # how long the source may take to say it cannot see
CONVERGE = 20.0  # how long it may take to catch up once the faults are gone
ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b\u202e"
#: a server's error may echo anything: a credential, terminal escapes
PLANTED = st.sampled_from(CREDENTIALS).map(lambda c: f"{ESCAPES}{c[0].format(c[1])}{ESCAPES}")
IDENTITIES = ("alice@bastion#1", "bob@laptop#2")
DEPLOYMENTS = (f"{APP}-blue", f"{APP}-green")
#: a fault met by the next request only ("later": the open watches still see), at once
#: (the watches dropped), or at once and gone again once the source noticed it
HOW = st.sampled_from(["later", "now", "blip"])


class KubeMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.home = Path(tempfile.mkdtemp(prefix="cockpit-kube-"))
        self.clock = ManualClock()
        self.cluster = start_valeo(clock=self.clock, bookmark_interval=0.1, seed_rng=7)
        self.controller, self.store = self.cluster.controller, self.cluster.store
        kubeconfig = write_kubeconfig(self.home / "kubeconfig", self.cluster.url)
        self.settings = KubeSettings(NS, APP, SERVICE, kubeconfig=str(kubeconfig), lease=LEASE)
        self.session = make_session("go-live", kubeconfig=str(kubeconfig), context="valeo-sim")
        self.layout = self.session.workspace.layout
        self.journal_path = self.home / "journal.jsonl"
        self.journal = Journal(self.journal_path)
        self.engine = Engine(self.session, trail=AuditTrail(self.journal), now=self.at())
        self.inbox: queue.SimpleQueue[ev.Event] = queue.SimpleQueue()
        self.source = KubeSource(self.settings, self.inbox.put, timing=TIMING)
        self.threads = [threading.Thread(target=loop, daemon=True) for loop in self.source.loops()]
        for thread in self.threads:
            thread.start()
        # the locks' time, which the machine moves: a lease expires when it says so
        self.lock_now = datetime.now(UTC)
        self.said: dict[str, list[ev.LockStatus]] = {who: [] for who in IDENTITIES}
        self.locks = {who: self._lock(who) for who in IDENTITIES}
        self.holder = ""  # the lease's holder as the store last had it
        self.api_faults: set[str] = set()  # what the API server does wrong now
        self.blinding: set[str] = set()  # … of which the source's requests cannot get by
        self.blind_since: str | None = None  # … and the source's last ok before they bit
        self.wait_until(self.converged, CONVERGE, "the first lists")

    def _lock(self, who: str) -> WindowLock:
        def emit(event: ev.Event) -> None:
            self.said[who].append(event)
            if who == IDENTITIES[0]:  # this cockpit's own lock is in its state
                self.inbox.put(event)

        return WindowLock(
            self.settings, who, emit, clock=lambda: self.lock_now, duration=30, timeout=0.5
        )

    def teardown(self) -> None:
        self.source.stop()
        for thread in self.threads:
            thread.join(10)
        self.cluster.stop()
        self.journal.close()
        shutil.rmtree(self.home, ignore_errors=True)
        assert not any(t.is_alive() for t in self.threads), "a watch loop outlived stop()"

    # --- plumbing --------------------------------------------------------------------------

    @staticmethod
    def at() -> str:
        return datetime.now(UTC).isoformat()

    def drain(self) -> None:
        """What the source's threads emitted so far, dispatched as the app would."""
        while True:
            try:
                event = self.inbox.get_nowait()
            except queue.Empty:
                return
            self.engine.dispatch(event)

    def wait_until(self, condition: Callable[[], object], within: float, what: str) -> None:
        def drained() -> object:  # what the threads emitted first, as the app would see it
            self.drain()
            return condition()

        eventually(drained, what=what, timeout=within, every=0.01, seen=self.kube_said)

    def kube_said(self):
        return self.engine.state.sources.get("kubernetes")

    def expected(self) -> KubeState:
        """The store's objects, as the source's selectors pick them and its events keep them."""
        kube = KubeState()
        for kind in KINDS:
            objects = self.store.list(kind, NS, **SELECTS[kind])[0]
            items = tuple(SLIM[kind](o) for o in objects)
            event = ev.KubeObserved(resource=kind, change="LIST", items=items, at=self.at())
            kube = kube.with_list(kind, list(event.items))
        return kube

    def converged(self) -> bool:
        said, kube, want = self.kube_said(), self.engine.state.kube, self.expected()
        same = all(getattr(kube, k) == getattr(want, k) for k in KINDS)
        return said is not None and said.state == "ok" and same

    def faults_changed(self, how: str) -> None:
        """After a fault came or went: the watches dropped ("now", "blip") or not
        ("later"), so that what new requests meet is what the source meets; a "blip" is
        over once it was noticed."""
        bite = how != "later"
        if bite:
            self.controller.drop_watches()
        if self.blinding and bite and self.blind_since is None:
            self.wait_until(self.noticed, NOTICE, "the source to notice it cannot see")
            # what it said before seeing the fault was seen before it: from now on the
            # source has nothing good to say
            self.blind_since = self.kube_said().last_ok
            event(f"blind: {self.kube_said().state}")
        if how == "blip" and self.api_faults:
            self.faults_clear()
            return
        if not self.api_faults:
            self.blind_since = None
            self.wait_until(self.converged, CONVERGE, "convergence once the faults cleared")

    def noticed(self) -> bool:
        said = self.kube_said()
        return said is not None and said.state not in LIVE

    # --- the API server misbehaves -----------------------------------------------------------

    @precondition(lambda self: not self.api_faults)  # one outage at a time
    @rule(message=PLANTED, how=HOW)
    def unauthorized(self, message: str, how: str) -> None:
        """The token was revoked: every request 401, saying what the server says."""
        self.controller.unauthorized(message)
        self.api_faults.add("401")
        self.blinding.add("401")
        self.faults_changed(how)

    @precondition(lambda self: not self.api_faults)  # one outage at a time
    @rule(
        verb=st.sampled_from(["watch", "*"]),
        kind=st.sampled_from([*KINDS, "*"]),
        user=PLANTED,
        how=HOW,
    )
    def deny(self, verb: str, kind: str, user: str, how: str) -> None:
        """RBAC changed: 403 for a verb the source needs; the message names the user, who
        may be called anything (the emulator echoes it, like a proxy's header). Only the
        watch refused, a list after a 410 still sees: not blind."""
        self.cluster.server.user = f"oncall {user}"
        self.controller.deny(verb, kind)
        self.api_faults.add("403")
        if verb == "*":
            self.blinding.add("403")
        self.faults_changed(how)

    @precondition(lambda self: not self.api_faults)  # one outage at a time
    @rule(status=st.sampled_from([500, 503]), message=PLANTED, how=HOW)
    def fail(self, status: int, message: str, how: str) -> None:
        self.controller.fail_requests(status, message=message)
        self.api_faults.add("5xx")
        self.blinding.add("5xx")
        self.faults_changed(how)

    @precondition(lambda self: not self.api_faults)  # one outage at a time
    @rule(how=HOW)
    def fail_sometimes(self, how: str) -> None:
        """Half the requests fail: the source retries its way through, slower."""
        if "5xx" not in self.blinding:
            self.controller.fail_requests(500, fraction=0.5)
            self.api_faults.add("5xx")
            self.faults_changed(how)

    @precondition(lambda self: not self.api_faults)  # one outage at a time
    @rule(late=st.booleans(), how=HOW)
    def slow(self, late: bool, how: str) -> None:
        """Every answer waits: within the source's patience, or past it (a timeout)."""
        self.controller.set_latency(TIMEOUT if late else SLOW)
        self.api_faults.add("latency")
        self.blinding.discard("latency")
        if late:
            self.blinding.add("latency")
        self.faults_changed(how)

    @rule()
    def drop_watches(self) -> None:
        """A load balancer cuts every watch: the source resumes from where it was."""
        self.faults_changed("now")

    @rule()
    def expire_watches(self) -> None:
        """410 Gone on every open watch: the source must list again."""
        self.controller.expire_watches()
        self.faults_changed("now")

    @precondition(lambda self: self.api_faults)
    @rule()
    def faults_clear(self) -> None:
        self.cluster.server.faults.clear()
        self.cluster.server.user = "oncall"
        self.api_faults.clear()
        self.blinding.clear()
        self.faults_changed("later")

    # --- the cluster changes under it --------------------------------------------------------

    def cluster_changed(self) -> None:
        """With no fault in force, the source follows the change to the store."""
        if not self.api_faults:
            self.wait_until(self.converged, CONVERGE, "convergence on the cluster's change")

    @rule(steps=st.integers(min_value=1, max_value=4))
    def cluster_moves(self, steps: int) -> None:
        """The controllers and kubelets take `steps` steps (0.5 s each)."""
        self.clock.advance(0.5 * steps)
        self.cluster_changed()

    @rule(deployment=st.sampled_from(DEPLOYMENTS), n=st.sampled_from([1, 3, None]))
    def crash(self, deployment: str, n: int | None) -> None:
        self.controller.crashloop(deployment, n)
        self.cluster_changed()

    @rule(deployment=st.sampled_from(DEPLOYMENTS))
    def recover(self, deployment: str) -> None:
        self.controller.heal(deployment)
        self.cluster_changed()

    @rule(n=st.integers(0, 9))
    def kill_pod(self, n: int) -> None:
        pods = sorted(p["metadata"]["name"] for p in self.store.list("pods", NS)[0])
        if pods:
            self.controller.kill_pod(pods[n % len(pods)])
        self.cluster_changed()

    @rule(version=st.sampled_from(["blue", "green"]), n=st.integers(0, 99))
    def create_pod(self, version: str, n: int) -> None:
        """A pod someone started by hand, with the app's labels (no owner)."""
        meta = {"name": f"{APP}-{version}-manual-{n}", "labels": {"app": APP, "version": version}}
        spec = {"containers": [{"name": APP, "image": f"registry.example/{APP}:manual"}]}
        if not any(p["metadata"]["name"] == meta["name"] for p in self.store.list("pods", NS)[0]):
            self.store.create("pods", NS, {"metadata": meta, "spec": spec})
        self.cluster_changed()

    @rule(version=st.sampled_from(["blue", "green", "canary"]))
    def patch_selector(self, version: str) -> None:
        """Someone else patches the Service's selector (kubectl, another cockpit)."""

        def patched(service: dict) -> dict:
            service["spec"]["selector"] = {"app": APP, "version": version}
            return service

        self.store.mutate("services", NS, SERVICE, patched)
        self.cluster_changed()

    @rule(deployment=st.sampled_from(DEPLOYMENTS), replicas=st.integers(0, 4))
    def scale(self, deployment: str, replicas: int) -> None:
        def scaled(obj: dict) -> dict:
            obj["spec"]["replicas"] = replicas
            return obj

        self.store.mutate("deployments", NS, deployment, scaled)
        self.cluster_changed()

    # --- the window lock ---------------------------------------------------------------------

    def lease_holder(self) -> str:
        leases = self.store.list("leases", NS, **SELECTS["leases"])[0]
        return ((leases[0].get("spec") or {}).get("holderIdentity") or "") if leases else ""

    def lease_moved(self, explicit: bool) -> None:
        """A lease held by someone passes to someone else only by an explicit take-over."""
        now = self.lease_holder()
        if self.holder and now and now != self.holder:
            assert explicit, f"{now} took the lease from {self.holder} silently"
        self.holder = now

    @rule(who=st.sampled_from(IDENTITIES))
    def renew(self, who: str) -> None:
        """One turn of the lock's loop: hold, renew, observe, or report what failed. A 409
        (someone wrote first) is over at the next turn: it reads the lease again."""
        before = self.said[who][-1].state if self.said[who] else ""
        self.locks[who].renew()
        self.lease_moved(explicit=False)
        now = self.said[who][-1].state
        event(f"lock: {now}")
        raced = self.cluster.server.faults.races.get("leases", 0)
        if before == "contended" and not self.api_faults and not raced:
            assert now in ("held", "observer", "stale"), self.said[who][-2:]

    @rule(who=st.sampled_from(IDENTITIES))
    def stall(self, who: str) -> None:
        """`who`'s loop stalls past the lease (Ctrl+Z, a frozen VM) while the other's turns."""
        self.lock_now += timedelta(seconds=45)
        self.renew(next(other for other in IDENTITIES if other != who))

    @rule(who=st.sampled_from(IDENTITIES))
    def take_over(self, who: str) -> None:
        """The operator confirmed taking over a stale lock (the app offers it only when its
        loop last said so)."""
        self.renew(who)
        said = self.said[who]
        if said and said[-1].state == "stale":
            event("a stale lock taken over")
            try:
                self.locks[who].take_over()
            except Exception as error:  # the app reports it; the lease stays as it was
                assert self.api_faults, error
            self.lease_moved(explicit=True)

    @rule(who=st.sampled_from(IDENTITIES))
    def leave(self, who: str) -> None:
        """The cockpit quits: its lock is given back on the way out; it starts again."""
        lock = self.locks[who]
        lock.stop()
        lock.run()
        self.lease_moved(explicit=False)
        self.locks[who] = self._lock(who)

    @rule(seconds=st.sampled_from([1, 9, 20, 31, 45, 120]))
    def lock_time_passes(self, seconds: int) -> None:
        self.lock_now += timedelta(seconds=seconds)

    @rule(times=st.integers(1, 2))
    def race_lease(self, times: int) -> None:
        """Someone else writes the lease just before the next update(s): 409."""
        self.controller.race_updates("leases", times)

    # --- invariants ------------------------------------------------------------------------

    def metrics_fresh_and_fine(self) -> None:
        """Prometheus answers at once with good numbers: only the cluster can keep the
        window from OK."""
        now = datetime.now(UTC)
        self.engine.dispatch(ev.ClockTick(now=now.isoformat()))
        for metric, value in (("p95", "0.2"), ("error_rate", "0"), ("sse", "100")):
            samples = tuple(
                {"labels": {"version": v}, "t": now.timestamp(), "value": value}
                for v in ("blue", "green")
            )
            self.engine.dispatch(
                ev.MetricObserved(metric=metric, samples=samples, at=now.isoformat())
            )

    @invariant()
    def i1_blind_is_never_ok(self) -> None:
        self.drain()
        self.metrics_fresh_and_fine()
        self.engine.judge(self.layout)
        state = self.engine.state
        assert honest_verdict_violations(state, service=SERVICE) == []
        event(f"window {state.window.state}")
        if self.blind_since is not None:
            said = self.kube_said()
            assert said.state not in LIVE, (said, self.blinding)
            assert said.last_ok == self.blind_since, (said, self.blind_since)
            assert said.since <= self.at()
            assert state.window.state != OK, state.window

    @invariant()
    def i6_no_secret_from_a_server(self) -> None:
        state = self.engine.state
        texts = [s.detail for s in state.sources.values()] + [state.lock.detail]
        texts += [e.detail for said in self.said.values() for e in said]
        for text in texts:
            assert not contains_secret(text), text
            assert not any(c in text for c in "\x1b\x07\x9b\u202e"), repr(text)
        self.journal.sync()
        written = self.journal_path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in written, secret
        for raw in (b"\x1b", b"\\u001b", b"\xc2\x9b", b"\\u009b", "\u202e".encode()):
            assert raw not in written, raw

    @invariant()
    def one_holder_at_a_time(self) -> None:
        believers = [who for who, lock in self.locks.items() if lock.holds()]
        assert len(believers) <= 1, believers
