"""The cockpit driven by hypothesis: random input, faults and restarts, invariants after each.

The real `CockpitApp` runs headless on an event loop the machine steps by hand, so a
sequence is deterministic and cheap (no pty, no sleeps): the clock is injected, the
journal and the progress file are real files, and the invariants read them back from
disk as an auditor would. What only a terminal shows (bursts in one write, bracketed
pastes through the parser, hang-ups) is `test_pty.py`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.trail import AuditTrail
from cockpit.cli import main as cockpit_cli
from cockpit.model import events as ev
from cockpit.model.untrusted import scrub
from cockpit.runtime.progress import ProgressStore
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.confirm import Confirm
from tests.disk import Disk
from tests.truth.engine_machine import SECRET_TEXT, SECRETS
from tests.truth.rebuild import Rebuilt, assert_shows_the_journal, assert_verifies
from tests.ui.apps import NOW, make_session, screen_text
from tests.ui.raw_input import send_bytes

#: the operator's keys; `q` is left out (its `y` ends the sequence), restarts are rules
KEYS = [
    "space",
    "j",
    "k",
    "J",
    "K",
    "g",
    "G",
    "tab",
    "shift+tab",
    "enter",
    "escape",
    "S",
    "s",
    "minus",
    "n",
    "a",
    "slash",
    "colon",
    "question_mark",
    "w",
    "c",
    "r",
    "b",
    "A",
    "X",
    "y",
    "x",
    "h",
    "l",
    "up",
    "down",
    "left",
    "right",
    "home",
    "end",
    "pageup",
    "pagedown",
    "backspace",
]
#: keys as the terminal sends them (ESC alone is left out: in one write with what follows
#: it, it is the alt prefix, on a real terminal too)
RAW = {
    "space": b" ", "j": b"j", "k": b"k", "J": b"J", "g": b"g", "G": b"G", "S": b"S",
    "s": b"s", "minus": b"-", "n": b"n", "a": b"a", "x": b"x", "c": b"c", "b": b"b",
    "A": b"A", "X": b"X", "w": b"w", "tab": b"\t", "shift+tab": b"\x1b[Z",
    "enter": b"\r", "up": b"\x1b[A", "down": b"\x1b[B", "backspace": b"\x7f",
}  # fmt: skip
#: what a paste may hold: text, ESC and the rest of C0, newlines, DEL and C1
PASTE = st.lists(
    st.one_of(
        st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")),
        st.sampled_from(["\x1b", "\n", "\r", "\t", "\x03", "\x07", "\x7f", "\x9b", " b", "cS"]),
    ),
    max_size=40,
).map("".join)
#: a paste is as often a credential copied from elsewhere
PASTED = st.one_of(PASTE, SECRET_TEXT)
SIZES = st.sampled_from([(80, 24), (160, 48), (100, 30), (120, 32), (60, 20)])


class CockpitMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.home = Path(tempfile.mkdtemp(prefix="cockpit-truth-"))
        os.environ["XDG_STATE_HOME"] = str(self.home / "state")
        os.environ["XDG_CONFIG_HOME"] = str(self.home / "config")
        self.journal_path = self.home / "journal.jsonl"
        self.rebuilt = Rebuilt(self.journal_path)
        self.now = NOW
        self.loop = asyncio.new_event_loop()
        self.vars = contextvars.copy_context()
        self.keys_sent: list[str] = []
        self.pastes_sent: list[str] = []
        self.disk = Disk()
        self.sessions = 0
        self._start()

    # --- the process -----------------------------------------------------------------------

    def _start(self) -> None:
        self.session = make_session("pre-deployment")
        from cockpit.runtime.progress import window_path

        self.store = ProgressStore(window_path(self.session.window), self.session.window)
        self.journal = Journal(self.journal_path, sync_interval=0.05)
        self.app = CockpitApp(
            self.session,
            store=self.store,
            restored=self.store.load(),
            trail=AuditTrail(self.journal),
            clock=lambda: self.now,
            tick_seconds=None,
        )
        self.app.hangup_watchdog = None
        self.context = self.app.run_test(size=(80, 24))
        self.pilot = self._await(self.context.__aenter__())
        self.sessions += 1

    def _stop(self) -> None:
        if self.app.is_running and not self.app.inbox.closed:
            self._in_app(self.app.shutdown, 0)
        with contextlib.suppress(Exception):
            self._await(self.context.__aexit__(None, None, None))
        self.app.close_stores()

    def _in_app(self, call, *args) -> None:
        """A direct call into the app, in the app's own context (its widgets need it)."""
        self.vars.run(call, *args)

    def _await(self, coroutine):
        """Every step in one context, as one test's task would be: the app's context
        variables (`active_app`) set when it started are still set in the next step."""
        return self.loop.run_until_complete(self.loop.create_task(coroutine, context=self.vars))

    def _run(self, coroutine) -> None:
        self._await(coroutine)
        if not self.app.is_running:  # it quit (a `y` on the quit dialog): start again
            self._stop()
            self._start()

    def teardown(self) -> None:
        self.disk.free()
        self._stop()
        self.loop.close()

    # --- operator input --------------------------------------------------------------------

    @rule(key=st.sampled_from(KEYS))
    def press(self, key: str) -> None:
        if key == "y" and isinstance(self.app.screen, Confirm):
            return  # quitting is `restart`'s business
        self.keys_sent.append(key)
        self._run(self.pilot.press(key))

    @rule(keys=st.lists(st.sampled_from(sorted(RAW)), min_size=2, max_size=12))
    def burst(self, keys: list[str]) -> None:
        """Keys in one write to the terminal, as over a slow link: each must act on the state
        the one before it left, and each is one `key` record."""
        self.keys_sent.extend(keys)
        self._run(send_bytes(self.pilot, b"".join(RAW[k] for k in keys)))

    @rule(text=PASTED)
    def paste(self, text: str) -> None:
        """A bracketed paste through the cockpit's parser: one `paste` record, no keys, its
        text as pasted but for a credential's secret."""
        self.pastes_sent.append(scrub(text))
        self._run(send_bytes(self.pilot, b"\x1b[200~" + text.encode() + b"\x1b[201~"))

    @rule(size=SIZES)
    def resize(self, size: tuple[int, int]) -> None:
        self._run(self.pilot.resize_terminal(*size))

    @rule(seconds=st.integers(min_value=1, max_value=3600))
    def time_passes(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)
        self._in_app(self.app.dispatch, ev.ClockTick(now=self.now.isoformat()))
        self._run(self.pilot.pause())

    # --- the world outside ------------------------------------------------------------------

    @rule(
        source=st.sampled_from(["prometheus", "kubernetes", "postgres"]),
        state=st.sampled_from(["ok", "unreachable", "error", "forbidden"]),
        detail=SECRET_TEXT,
        label=SECRET_TEXT,
    )
    def servers_echo_a_credential(self, source: str, state: str, detail: str, label: str) -> None:
        """A server's error and a pod's label, as the source threads deliver them, each
        carrying a credential (a proxy echoing the request, a label someone set)."""
        at = self.now.isoformat()
        pod = {"name": "valeo-erp-blue-0", "labels": {"version": "blue", "note": label},
               "phase": "Running", "ready": True, "reason": label}  # fmt: skip
        for event in (
            ev.SourceStatus(source=source, state=state, detail=detail, at=at),
            ev.KubeObserved(resource="pods", change="LIST", items=(pod,), at=at),
        ):
            self._in_app(self.app.dispatch, event)
        self._run(self.pilot.pause())

    @precondition(lambda self: not self.disk.full)  # this process could not write it
    @rule(form=st.sampled_from(["markdown", "asciicast"]))
    def export(self, form: str) -> None:
        """The auditor exports the journal as it stands: no credential in the file, which
        only its owner may read."""
        self.journal.sync()
        out = self.home / f"export.{form}"
        out.unlink(missing_ok=True)
        assert cockpit_cli(["audit", "export", str(self.journal_path), "--format", form,
                            "-o", str(out)]) == 0  # fmt: skip
        assert out.stat().st_mode & 0o777 == 0o600
        exported = out.read_text(encoding="utf-8")
        assert [s for s in SECRETS if s in exported] == []

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
        self._run(self.pilot.pause())

    @rule()
    def restart(self) -> None:
        """Quit (or lose the terminal) and start again on the same window and journal."""
        self.disk.free()
        self._stop()
        self._start()

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def i2_the_screen_is_the_journal(self) -> None:
        """Every claim on screen is in the durable journal, and the journal claims nothing
        the screen does not show."""
        self.journal.sync()
        assert_shows_the_journal(self.app.state, self.rebuilt, self.session.workspace.runbooks)

    @invariant()
    def i3_the_journal_verifies(self) -> None:
        assert_verifies(self.journal)

    @invariant()
    def i4_keys_and_pastes_are_what_was_typed(self) -> None:
        records = list(read_records(self.journal_path))
        keys = [r.data["key"] for r in records if r.kind == "key"]
        pastes = [r.data["text"] for r in records if r.kind == "paste"]
        if not self.disk.full:  # records wait in memory while the disk is full
            assert keys == self.keys_sent[: len(keys)] and len(keys) == len(self.keys_sent)
            assert pastes == self.pastes_sent

    @invariant()
    def i4_focus_moves_only_by_a_key_or_a_click(self) -> None:
        kinds = [r.kind for r in read_records(self.journal_path)]
        for before, kind in zip(["session.start", *kinds], kinds, strict=False):
            if kind == "view.focus":
                assert before in ("key", "mouse"), kinds

    @invariant()
    def i6_no_secret_is_stored_or_shown(self) -> None:
        """The screen, the journal and the progress file hold no credential's secret."""
        shown = "\n".join(screen_text(self.app))
        self.journal.sync()
        self.store.flush(timeout=1)
        stored = self.journal_path.read_text(encoding="utf-8", errors="replace")
        if self.store.path.exists():
            stored += self.store.path.read_text(encoding="utf-8", errors="replace")
        assert [s for s in SECRETS if s in shown or s in stored] == []
