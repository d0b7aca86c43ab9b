"""The engine driven by hypothesis: hundreds of sequences a run, no terminal.

The same composition as `cockpit run` (`assemble`: the window's progress file, its
journal, restore) and the same `Engine` the app dispatches through, fed the events the
operator's keys and the sources make. Faults are real: a full disk is the file size limit,
a crash leaves the journal as `kill -9` would (and a torn line), a restart reads the files
back. The invariants read the journal and the progress file from disk as an auditor would.
"""

from __future__ import annotations

import os
import resource
import signal
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from cockpit.audit.read import read_records
from cockpit.audit.replay import Replay
from cockpit.audit.verify import INTACT, TORN, verify
from cockpit.model import events as ev
from cockpit.runtime.engine import Engine
from cockpit.runtime.wiring import assemble
from tests.ui.apps import NOW, make_session

OPERATORS = ("alice@bastion", "bob@bastion")
#: credentials planted in everything the cockpit is told; none may be stored or shown
SECRETS = (
    "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.ZmFrZS1zaWc",
    "postgres://admin:hunter2-pw@db.internal/valeo",
    "AKIAIOSFODNN7EXAMPLE",
    "token=tok-3f9a2c77e1d4",
    "password=Sup3r-s3cret",
)
TEXT = st.lists(
    st.one_of(
        st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")),
        st.sampled_from(["\x1b[31m", "\n", "\x07", "\u202e", "\x9b"]),
    ),
    max_size=12,
).map("".join)
SECRET_TEXT = st.tuples(TEXT, st.sampled_from(SECRETS), TEXT).map(" ".join)


def claims(state) -> dict:
    """What the panes show of each item: done, skipped, n/a, signed, noted, assigned."""
    return {key: p for key, p in state.progress.items() if p != type(p)()}


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.home = Path(tempfile.mkdtemp(prefix="cockpit-engine-"))
        os.environ["XDG_STATE_HOME"] = str(self.home / "state")
        os.environ["XDG_CONFIG_HOME"] = str(self.home / "config")
        self.journal_path = self.home / "journal.jsonl"
        self.now = NOW
        self.disk_full = False
        self.session = make_session("pre-deployment")
        self.items = [
            (name, item.id)
            for name, runbook in sorted(self.session.workspace.runbooks.items())
            for item in runbook.walk_items()
        ]
        self._start()

    # --- the process -----------------------------------------------------------------------

    def _start(self) -> None:
        parts = assemble(self.session, journal=self.journal_path)
        self.store, self.trail = parts.store, parts.trail
        self.journal = self.trail.journal
        self.engine = Engine(
            self.session,
            trail=self.trail,
            store=self.store,
            restored=parts.restored,
            now=self.now.isoformat(),
        )
        self.engine.start_session()

    def _close(self) -> None:
        self.trail.record("session.end", {"reason": "quit"})
        self.journal.close()
        self.store.close()

    def teardown(self) -> None:
        self._free_disk()
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

    @rule(detail=st.one_of(TEXT, SECRET_TEXT), state=st.sampled_from(["ok", "failed", "stale"]))
    def source_says(self, detail: str, state: str) -> None:
        source = "prometheus" if state != "failed" else "kubernetes"
        self.engine.dispatch(
            ev.SourceStatus(source=source, state=state, detail=detail, at=self.at())
        )

    @rule(label=st.one_of(TEXT, SECRET_TEXT), ready=st.booleans())
    def pods_observed(self, label: str, ready: bool) -> None:
        pod = {
            "name": "valeo-erp-green-00001",
            "labels": {"app": "valeo-erp", "version": "green", "note": label},
            "annotations": {"deploy/by": label},
            "phase": "Running",
            "ready": ready,
        }
        self.engine.dispatch(
            ev.KubeObserved(resource="pods", change="MODIFIED", items=(pod,), at=self.at())
        )

    # --- faults ----------------------------------------------------------------------------

    @precondition(lambda self: not self.disk_full)
    @rule()
    def fill_disk(self) -> None:
        """Nothing more fits: this process's writes past the journal's size fail (EFBIG)."""
        self.journal.sync()
        self._limits = resource.getrlimit(resource.RLIMIT_FSIZE)
        self._xfsz = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        size = max(self.journal_path.stat().st_size, 1)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, self._limits[1]))
        self.disk_full = True

    @precondition(lambda self: self.disk_full)
    @rule()
    def free_disk(self) -> None:
        self._free_disk()
        self.journal.retry()

    def _free_disk(self) -> None:
        if self.disk_full:
            resource.setrlimit(resource.RLIMIT_FSIZE, self._limits)
            signal.signal(signal.SIGXFSZ, self._xfsz)
            self.disk_full = False

    @rule()
    def restart(self) -> None:
        self._free_disk()
        self._close()
        self._start()

    @rule(torn=st.binary(min_size=1, max_size=40).filter(lambda b: b"\n" not in b))
    def crash(self, torn: bytes) -> None:
        """kill -9 mid-write: what was written stays, the rest of the line is torn off, and
        the progress file holds what it held; then a restart."""
        self._free_disk()
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

    def _durable_records(self):
        self.journal.sync()
        durable = self.journal.durable_seq
        return [r for r in read_records(self.journal_path) if r.seq <= durable]

    @invariant()
    def i2_the_state_is_the_durable_journal(self) -> None:
        records = self._durable_records()
        rebuilt = Replay(records).final if records else None
        shown, journaled = claims(self.engine.state), (claims(rebuilt) if rebuilt else {})
        differ = {k: (shown.get(k), journaled.get(k)) for k in shown.keys() | journaled.keys()}
        assert shown == journaled, {k: v for k, v in differ.items() if v[0] != v[1]}

    @invariant()
    def i3_the_journal_verifies(self) -> None:
        self.journal.sync()
        result = verify(self.journal_path)
        assert result.code in (INTACT, TORN), result

    @invariant()
    def i6_no_secret_is_stored(self) -> None:
        self.store.flush(timeout=1)
        stored = self.journal_path.read_bytes()
        if self.store.path.exists():
            stored += self.store.path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in stored, secret
