"""The engine driven by hypothesis: hundreds of sequences a run, no terminal.

The same composition as `cockpit run` (`assemble`: the window's progress file, its
journal, restore) and the same `Engine` the app dispatches through, fed the events the
operator's keys and the sources make. Faults are real: a full disk is the file size limit,
a crash leaves the journal as `kill -9` would (and a torn line), a restart reads the files
back. The invariants read the journal and the progress file from disk as an auditor would.
"""

from __future__ import annotations

import os
import pwd
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from cockpit.model import events as ev
from cockpit.model.gate import NO_GO, decide, journaled
from cockpit.model.honesty import honest_verdict_violations
from cockpit.model.moves import ANNOTATION, Move
from cockpit.model.session import Session
from cockpit.runtime.engine import Engine
from cockpit.runtime.wiring import assemble
from tests.disk import Disk
from tests.truth.rebuild import Rebuilt, assert_shows_the_journal, assert_verifies
from tests.ui.apps import NOW, make_session

OPERATORS = ("alice@bastion", "bob@bastion")
LOGIN = pwd.getpwuid(os.getuid()).pw_name
#: credentials planted in everything the cockpit is told (form, secret part): no secret
#: part may be stored or shown
CREDENTIALS = (
    ("Authorization: Bearer {}", "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.ZmFrZQ"),
    ("postgres://admin:{}@db.internal/valeo", "hunter2-pw9"),
    ("key {}", "AKIAIOSFODNN7EXAMPL3"),
    ("token={}", "tok3f9a2c77e1d4"),
    ("password={}", "Sup3r-s3cret9"),
    ("curl -u admin:{} https://erp", "curlpw-9x4"),
)
SECRETS = tuple(secret for _, secret in CREDENTIALS)
TEXT = st.lists(
    st.one_of(
        st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")),
        st.sampled_from(["\x1b[31m", "\n", "\x07", "\u202e", "\x9b"]),
    ),
    max_size=12,
).map("".join)
SECRET_TEXT = st.tuples(
    TEXT, st.sampled_from(CREDENTIALS).map(lambda c: c[0].format(c[1])), TEXT
).map(" ".join)
VALUE = st.one_of(
    st.floats(min_value=0, max_value=5, allow_nan=False).map(str),
    st.sampled_from(["NaN", "+Inf", "garbage", ""]),
)


def started(session: Session, journal: Path, now: datetime) -> Engine:
    """The engine as `cockpit run` composes it (`assemble`: the window's progress file, its
    journal, the restore), its session started."""
    parts = assemble(session, journal=journal)
    engine = Engine(
        session, trail=parts.trail, store=parts.store, restored=parts.restored, now=now.isoformat()
    )
    engine.start_session()
    return engine


def ended(engine: Engine, reason: str) -> None:
    """`session.end`, then the journal and the progress file closed, as the app leaves."""
    assert engine.trail is not None and engine.store is not None
    engine.trail.record("session.end", {"reason": reason})
    engine.trail.journal.close()
    engine.store.close()


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.home = Path(tempfile.mkdtemp(prefix="cockpit-engine-"))
        os.environ["XDG_STATE_HOME"] = str(self.home / "state")
        os.environ["XDG_CONFIG_HOME"] = str(self.home / "config")
        self.journal_path = self.home / "journal.jsonl"
        self.rebuilt = Rebuilt(self.journal_path)
        self.now = NOW
        self.disk = Disk()
        self.session = make_session("go-live")
        self.items = [
            (name, item.id)
            for name, runbook in sorted(self.session.workspace.runbooks.items())
            for item in runbook.walk_items()
        ]
        self._start()

    # --- the process -----------------------------------------------------------------------

    def _start(self) -> None:
        self.engine = started(self.session, self.journal_path, self.now)
        self.store, self.trail = self.engine.store, self.engine.trail
        self.journal = self.trail.journal

    def _close(self) -> None:
        ended(self.engine, "quit")

    def teardown(self) -> None:
        os.environ["LOGNAME"] = os.environ["USER"] = LOGIN
        self.disk.free()
        self._close()

    def at(self) -> str:
        return self.now.isoformat()

    # --- the operator ----------------------------------------------------------------------

    @rule(data=st.data(), kind=st.sampled_from(["tick", "untick", "skip", "na", "note", "assign"]))
    def claim(self, data, kind: str) -> None:
        checklist, item = data.draw(st.sampled_from(self.items), label="item")
        by = data.draw(st.sampled_from(OPERATORS), label="by")
        text = data.draw(st.one_of(TEXT, SECRET_TEXT), label="text")
        common = {"checklist": checklist, "item": item, "by": by, "at": self.at()}
        event = {
            "tick": lambda: ev.Tick(**common),
            "untick": lambda: ev.Untick(**common),
            "skip": lambda: ev.Skip(**common, reason=text),
            "na": lambda: ev.NotApplicable(**common, reason=text),
            "note": lambda: ev.AddNote(**common, text=text),
            "assign": lambda: ev.Assign(**common, owner=text),
        }[kind]()
        self.engine.dispatch(event)

    @rule(seconds=st.integers(min_value=1, max_value=7200))
    def time_passes(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)
        self.engine.dispatch(ev.ClockTick(now=self.at()))

    # --- the sources -----------------------------------------------------------------------

    @rule(
        source=st.sampled_from(["prometheus", "kubernetes"]),
        state=st.sampled_from(["ok", "unreachable", "error", "slow", "failed", "reconnecting"]),
        detail=st.one_of(TEXT, SECRET_TEXT),
    )
    def source_says(self, source: str, state: str, detail: str) -> None:
        """A source's health, as it says it (a server's error may echo a credential)."""
        self.engine.dispatch(
            ev.SourceStatus(source=source, state=state, detail=detail, at=self.at())
        )

    @rule(
        selects=st.sampled_from(["blue", "green", ""]),
        ready=st.tuples(st.integers(0, 3), st.integers(0, 3)),
        label=st.one_of(TEXT, SECRET_TEXT),
    )
    def cluster_observed(self, selects: str, ready: tuple[int, int], label: str) -> None:
        """The watch's answer: the Service's selector, each version's pods, endpoints and
        Deployment (someone may have patched the selector or scaled a Deployment)."""
        pods, endpoints, deployments = [], [], []
        for version, count in zip(("blue", "green"), ready, strict=True):
            for n in range(3):
                name = f"valeo-erp-{version}-{n:05d}"
                labels = {"app": "valeo-erp", "version": version, "note": label}
                pods.append(
                    {"name": name, "labels": labels, "phase": "Running", "ready": n < count}
                )
                if version == selects:
                    endpoints.append({"pod": name, "ready": n < count})
            deployments.append(
                {"name": f"valeo-erp-{version}", "labels": {"version": version}, "replicas": 3,
                 "ready": count, "updated": 3, "available": count}
            )  # fmt: skip
        selector = {"app": "valeo-erp", "version": selects} if selects else {}
        endpointslice = {"name": "valeo-erp-x", "service": "valeo-erp", "endpoints": endpoints}
        for kind, items in (
            ("services", [{"name": "valeo-erp", "selector": selector}]),
            ("endpointslices", [endpointslice]),
            ("deployments", deployments),
            ("pods", pods),
        ):  # fmt: skip
            self.engine.dispatch(
                ev.KubeObserved(resource=kind, change="LIST", items=tuple(items), at=self.at())
            )

    @rule(selects=st.sampled_from(["blue", "green"]))
    def all_is_well(self, selects: str) -> None:
        """Everything says OK at once (full endpoints, sources up, fresh good samples): the
        window can be OK, so what breaks next is judged against an OK (without it a random
        sequence almost never reaches OK, and I1 would check little)."""
        self.cluster_observed(selects, (3, 3), "")
        for source in ("prometheus", "kubernetes"):
            self.engine.dispatch(ev.SourceStatus(source=source, state="ok", at=self.at()))
        for metric, value in (("p95", "0.1"), ("error_rate", "0.001"), ("sse", "40")):
            self.metric_observed(metric, value, value, 0)

    @rule(
        action=st.sampled_from(["cutover", "rollback-selector"]),
        state=st.sampled_from(
            ["executing", "verified", "succeeded", "inconclusive", "failed", "interrupted"]
        ),
        to=st.sampled_from(["blue", "green"]),
        selects=st.sampled_from(["blue", "green"]),
        holder=st.sampled_from(["", "alice@bastion#1-a", "bob@laptop#2-b"]),
        lease=st.sampled_from([None, "", "alice@bastion#1-a", "bob@laptop#2-b"]),
        detail=st.one_of(TEXT, SECRET_TEXT),
        garbage=st.one_of(st.none(), st.none(), st.text(max_size=30), st.just("{" * 5000)),
        healthy=st.booleans(),
        when=st.sampled_from(["now", "now", "2026-11-21T12:00:00", "soon"]),
    )
    def another_cockpit_moved(
        self, action, state, to, selects, holder, lease, detail, garbage, healthy, when
    ):
        """Another cockpit's move, as its watch of the Service reads it: the annotation
        its actor published (or garbage someone wrote there), with or without its lock.
        `healthy`: all else says OK first (full endpoints, fresh good metrics), so only the
        move stands between the window and OK."""
        from cockpit.sources.kube_objects import lease as slim_lease
        from cockpit.sources.kube_objects import service as slim_service

        if healthy:
            self.all_is_well(selects)

        at = self.at() if when == "now" else when  # a naive time, or none: untrusted too
        move = Move(
            action=action,
            id=f"{action}@other",
            by="carol@elsewhere",
            holder=holder,
            state=state,
            at=at,
            updated=at,
            label="version",
            to=to,
            detail=detail,
        )
        text = move.to_annotation() if garbage is None else garbage  # as its actor writes it
        svc = {"metadata": {"name": "valeo-erp", "annotations": {ANNOTATION: text}}}
        svc["spec"] = {"selector": {"app": "valeo-erp", "version": selects}}
        items = (slim_service(svc),)
        self.engine.dispatch(ev.KubeObserved("services", "MODIFIED", items, at=self.at()))
        if lease is not None:
            spec = {"holderIdentity": lease, "renewTime": at, "leaseDurationSeconds": 15}
            held = slim_lease({"metadata": {"name": "cockpit-window"}, "spec": spec})
            self.engine.dispatch(ev.KubeObserved("leases", "LIST", (held,), at=self.at()))

    @rule(
        metric=st.sampled_from(["p95", "error_rate", "sse"]),
        blue=VALUE,
        green=VALUE,
        age=st.sampled_from([0, 0, 5, 29, 31, 120, -90]),
    )
    def metric_observed(self, metric: str, blue: str, green: str, age: int) -> None:
        """Prometheus's answer, fresh, old, from the future, NaN or garbage."""
        t = (self.now - timedelta(seconds=age)).timestamp()
        answer = (("blue", blue), ("green", green))
        samples = tuple({"labels": {"version": v}, "t": t, "value": x} for v, x in answer)
        self.engine.dispatch(ev.MetricObserved(metric=metric, samples=samples, at=self.at()))

    # --- faults ----------------------------------------------------------------------------

    @precondition(lambda self: not self.disk.full)
    @rule()
    def fill_disk(self) -> None:
        """Nothing more fits: this process's writes past the journal's size fail (EFBIG)."""
        self.disk.fill_past(self.journal)

    @precondition(lambda self: self.disk.full)
    @rule()
    def free_disk(self) -> None:
        self.disk.free()
        self.journal.retry()

    @rule(name=st.sampled_from(["mallory", "alice", "root", ""]))
    def pose_as(self, name: str) -> None:
        """Someone sets LOGNAME and USER before starting the cockpit again."""
        os.environ["LOGNAME"] = os.environ["USER"] = name
        self.restart()

    @rule()
    def restart(self) -> None:
        self.disk.free()
        self._close()
        self._start()

    @rule(torn=st.binary(min_size=1, max_size=40).filter(lambda b: b"\n" not in b))
    def crash(self, torn: bytes) -> None:
        """kill -9 mid-write: what was written stays, the rest of the line is torn off, and
        the progress file holds what it held; then a restart."""
        self.disk.free()
        self.journal.sync()
        self.journal._closed.set()  # the process is gone: no session.end, no more syncs
        for fd in (self.journal._fd, self.journal._holder):  # the kernel closes its files
            if fd >= 0:
                os.close(fd)
        self.journal._fd = self.journal._holder = -1
        self.store.close(timeout=0)
        with open(self.journal_path, "ab") as file:
            file.write(b'{"seq": ' + torn)
        self._start()

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def i1_verdicts_are_honest(self) -> None:
        """Judged as the app judges once a second: never OK on what cannot be vouched for;
        each gate's journaled decision is the one the state gives, and never GO while the
        window is ROLLBACK."""
        if self.disk.full:
            return  # the verdict waits for its record like everything else
        self.engine.judge(self.session.workspace.layout)
        event(f"window {self.engine.state.window.state or 'unjudged'}")
        assert honest_verdict_violations(self.engine.state, service="valeo-erp") == []
        state = self.engine.state
        for pane in self.session.workspace.layout.panes():
            if pane.kind == "gate":  # the journaled decision is the one the state gives now
                gate = state.runbooks[pane.checklist].gate(pane.gate)
                said = journaled(state, pane.checklist, gate)  # None: shown as undecided
                assert said in (None, decide(gate, pane.checklist, state)), said
                if state.window.state == "ROLLBACK":
                    assert said is None or said.decision == NO_GO

    @invariant()
    def i2_the_state_is_the_durable_journal(self) -> None:
        self.journal.sync()
        assert_shows_the_journal(self.engine.state, self.rebuilt, self.session.workspace.runbooks)

    @invariant()
    def i3_the_journal_verifies(self) -> None:
        assert_verifies(self.journal)

    @invariant()
    def i7_the_login_is_the_processs_own_account(self) -> None:
        for start in (r for r in self.rebuilt.by_seq.values() if r.kind == "session.start"):
            assert start.data["user"] == LOGIN, start.data["user"]

    @invariant()
    def i6_no_secret_is_stored(self) -> None:
        self.store.flush(timeout=1)
        stored = self.journal_path.read_bytes()
        if self.store.path.exists():
            stored += self.store.path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in stored, secret
