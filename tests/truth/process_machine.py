"""Real cockpit processes on pseudo-terminals, driven by hypothesis: the process faults.

Each sequence starts the simulated environment (the Kubernetes API emulator with the ERP in
blue and green, Prometheus) in the test, and `python -m cockpit run` against it on a pty,
as an operator over SSH would. The steps are what only a real process on a real terminal
meets: keys one by one and in one write, bracketed pastes (ESC, control characters,
newlines, up to 10,000 characters), resizes (TIOCSWINSZ, the kernel's SIGWINCH), an action
started and then the process ended mid-way — SIGHUP, SIGTERM, the terminal closed, `kill -9`
and a restart within a second, `q` `y` — and second cockpits on the same window and on the
same `--audit PATH`.

The invariants are read as an auditor reads them: from the journals on disk and the
processes' exit statuses, `cockpit audit verify` run as a command once a process has ended.
Every wait is for a condition (a record, bytes on the terminal, an exit) with a deadline.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from cockpit.audit.records import Record
from cockpit.audit.replay import session_state
from cockpit.audit.verify import INTACT, TORN, verify
from cockpit.model import events as ev
from cockpit.model.reduce import reduce
from cockpit.runtime.progress import CLAIMS
from cockpit.sim.environment import Environment
from tests.helpers.poll import eventually
from tests.truth.rebuild import JournalTail, claims
from tests.ui.pty_driver import Terminal

WINDOW_JOURNAL = "valeo-sim-production"  # the journal `default_journal_path` names
HANGUP = 129  # the cockpit's status after SIGHUP or SIGTERM: it saved and left
SERVICE = ("services", "production", "valeo-erp")
#: the terminal's bytes for each key, and the name the cockpit journals it under (`q` is a
#: rule of its own: its `y` ends the process; ESC is sent alone, else it is an alt prefix)
KEYS = {
    "space": b" ", "j": b"j", "k": b"k", "g": b"g", "G": b"G", "s": b"s", "S": b"S",
    "minus": b"-", "n": b"n", "a": b"a", "A": b"A", "w": b"w", "x": b"x", "y": b"y",
    "c": b"c", "r": b"r", "b": b"b", "X": b"X", "e": b"e", "1": b"1",
    "enter": b"\r", "tab": b"\t", "shift+tab": b"\x1b[Z", "up": b"\x1b[A", "down": b"\x1b[B",
    "backspace": b"\x7f", "slash": b"/", "colon": b":", "question_mark": b"?",
}  # fmt: skip
ESCAPE = b"\x1b"
SENTINEL = b"\x1b[24~"  # F12, bound to nothing: journaled, after all that came before it
PASTE_START, PASTE_END = b"\x1b[200~", b"\x1b[201~"
SIZES = [(80, 24), (120, 32), (100, 30), (60, 20), (200, 50)]
INPUTS = {"key", "paste", "mouse"}
#: what an input may make happen (a paste none of it)
ACTS = {"action.plan", "action.confirm", "lock.takeover", "approval.request"}
ACTS |= {cls.kind for cls in CLAIMS}
START_TIMEOUT = 60.0  # deadlines, not waits: a loaded CI machine starts slowly
PLANS = {"c", "r", "b"}  # keys whose plan is made off the event loop: it may come later

#: pasted text: the terminal's control characters and the cockpit's keys among any text
PASTE_CHARS = st.one_of(
    st.sampled_from(list("\x1b\x00\x03\x04\x08\t\n\r\x7f[A~cbrSAqy -:/?")),
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
)
SHORT = st.text(PASTE_CHARS, min_size=1, max_size=300)
LONG = st.builds(lambda unit, n: (unit * n)[:n], SHORT, st.integers(1_000, 10_000))
PASTES = st.one_of(SHORT, LONG).filter(lambda text: "\x1b[201~" not in text)


def _config(home: Path, env: Environment) -> None:
    """The operator's config: the emulator's cluster and Prometheus, a soak long enough to
    be cut short (a step at most waits for the soak to start, never for its end)."""
    folder = home / "cockpit"
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(
        f"layout: go-live\n"
        f"kubeconfig: {env.kubeconfig}\n"
        f"namespace: production\n"
        f"prometheus: {{url: '{env.prometheus_url}'}}\n"
        f"vars: {{service: valeo-erp, app: valeo-erp, release: valeo-erp-production}}\n"
        f"actions: {{soak: 10m, verify_timeout: 30s}}\n"
    )


class Journal:
    """One journal file's records, read as it grows."""

    def __init__(self, path: Path) -> None:
        self.path, self.tail = path, JournalTail(path)
        self.records: list[Record] = []

    def read(self) -> list[Record]:
        self.records += self.tail.new()
        return self.records


class Cockpit(Terminal):
    """One `cockpit run` process and the session it journals (found by its pid)."""

    def __init__(self, home: Path, args: list[str], env: dict[str, str]) -> None:
        super().__init__(home, ["run", *args], env)
        self.journal: Journal | None = None
        self.first = 0  # the index of its session.start in `journal.records`
        self.holds_lock = False
        self.status: int | None = None

    def drain(self, wait: float) -> None:
        if self.fd < 0:  # its terminal is closed (a hang-up)
            time.sleep(wait)
            return
        super().drain(wait)
        self.output = self.output[-200_000:]  # a long sequence repaints a lot

    def close_terminal(self) -> None:
        """Once: the fd's number is soon another process's terminal."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def drain_to_end(self) -> None:
        """What it wrote before it exited (its last words on stderr), then close."""
        while self.fd >= 0:
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            try:
                data = os.read(self.fd, 65536) if ready else b""
            except OSError:  # EIO: the other end is closed and drained
                data = b""
            if not data:
                self.close_terminal()
            self.output += data

    def records(self) -> list[Record]:
        """Its own session's records so far."""
        assert self.journal is not None
        records = self.journal.read()[self.first :]
        later = [n for n, r in enumerate(records) if n and r.kind == "session.start"]
        return records[: later[0]] if later else records  # a restart's session comes after

    def alive(self) -> bool:
        return self.status is None


class ProcessMachine(RuleBasedStateMachine):
    """Steps on real processes; the invariants from their journals and exit statuses."""

    def __init__(self) -> None:
        super().__init__()
        self.home = Path(tempfile.mkdtemp(prefix="cockpit-pty-"))
        self.env = Environment("happy", speed=10).start()
        _config(self.home / "config", self.env)
        self.vars = {
            "XDG_STATE_HOME": str(self.home / "state"),
            "XDG_CONFIG_HOME": str(self.home / "config"),
            "KUBECONFIG": str(self.env.kubeconfig),
            "COCKPIT_AUDIT_KEY": "",
        }
        self.audit = self.home / "state" / "cockpit" / "audit"
        self.journals: dict[Path, Journal] = {}
        self.main: Cockpit | None = None
        self.others: list[Cockpit] = []  # every process started, to be sure none outlives us
        self.size = (80, 24)
        self.last_key = ""

    # --- processes --------------------------------------------------------------------

    def journal(self, path: Path) -> Journal:
        return self.journals.setdefault(path, Journal(path))

    def spawn(self, args: list[str] = ()) -> Cockpit:
        process = Cockpit(self.home, list(args), self.vars)
        self.others.append(process)
        return process

    def opened(self, process: Cockpit) -> None:
        """Wait for its `session.start` (in whichever journal it got) and the first word of
        its window lock: whether it may act."""
        mark = f"#{process.pid}-".encode()

        def started() -> bool:
            for path in sorted(self.audit.glob("*.jsonl")):
                records = self.journal(path).read()
                for n, record in enumerate(records):
                    if record.kind == "session.start" and mark in record.line:
                        process.journal, process.first = self.journals[path], n
                        return True
            return False

        self.wait(process, started, "its session.start", START_TIMEOUT)
        locks = self.wait_record(process, lambda r: r.kind == "lock", "a lock record")
        holder = process.records()[0].data["lock_holder"]
        process.holds_lock = locks.data["state"] == "held" and locks.data["holder"] == holder

    def wait(self, process: Cockpit, done: Callable[[], bool], what: str, timeout=60.0) -> None:
        """Until `done`, draining every terminal (a full pty blocks a cockpit's frames);
        fails at once if the process ends meanwhile."""

        def done_or_ended() -> bool:
            if done():
                return True
            if process.alive():
                pid, status = os.waitpid(process.pid, os.WNOHANG)
                if pid:
                    process.status = status
                    process.drain_to_end()
                    tail = process.output[-2000:].decode(errors="replace")
                    raise AssertionError(f"pid {pid} ended ({status}) awaiting {what}: {tail}")
            return False

        def drain_all() -> None:
            for other in self.others:
                if other.alive():
                    with contextlib.suppress(OSError):
                        other.drain(0)

        eventually(
            done_or_ended,
            what=f"{what} from pid {process.pid}",
            timeout=timeout,
            between=drain_all,
            seen=lambda: self.last_said(process),
        )

    def last_said(self, process: Cockpit) -> str:
        """Why a wait ended: what the process last journaled and drew."""
        kinds = [r.kind for r in process.records()[-12:]] if process.journal else []
        drawn = process.output[-600:].decode(errors="replace")
        return f"its last records {kinds}; it drew {drawn!r}"

    def wait_record(
        self, process: Cockpit, wanted: Callable[[Record], bool], what: str, after: int = 0
    ) -> Record:
        found: list[Record] = []

        def seen() -> bool:
            found[:] = [r for r in process.records()[after:] if wanted(r)]
            return bool(found)

        self.wait(process, seen, what)
        return found[0]

    def exits_with(self, process: Cockpit, code: int, timeout: float = 30.0) -> None:
        got = self.ended(process, timeout)
        said = process.output[-3000:].decode(errors="replace")
        assert got == code, f"pid {process.pid} exited {got}, not {code}: {said}"

    def ended(self, process: Cockpit, timeout: float = 30.0) -> int:
        status = process.wait_exit(timeout)  # fails if it does not exit in time
        process.status = status
        process.drain_to_end()
        return os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)

    def restart(self) -> Cockpit:
        """The operator's cockpit again, on a new 80x24 terminal."""
        self.main, self.size = self.spawn(), (80, 24)
        return self.main

    def start_main(self) -> None:
        self.opened(self.restart())
        self.assert_restored_is_rebuilt(self.main)

    # --- input ------------------------------------------------------------------------

    def send(self, process: Cockpit, names: list[str], data: bytes) -> list[Record]:
        """Write `data` in one write; the input records it made, once all of them are in."""
        before = len(process.records())
        process.write(data)
        inputs: list[Record] = []

        def all_in() -> bool:
            inputs[:] = [r for r in process.records()[before:] if r.kind in INPUTS]
            return len(inputs) >= len(names)

        self.wait(process, all_in, f"key records for {names}")
        # I4: every key record is a key the terminal sent, in order, and nothing else
        got = [(r.kind, r.data.get("key")) for r in inputs]
        assert got == [("key", n) for n in names], got
        self.last_key = names[-1]
        return inputs

    def type(self, process: Cockpit, text: str) -> list[Record]:
        """Text typed into a prompt, in one write."""
        names = [{" ": "space", "-": "minus", "\r": "enter"}.get(c, c) for c in text]
        return self.send(process, names, text.encode())

    def escape_to_checklist(self) -> None:
        """Close whatever a random key opened (prompt, palette, help, preview)."""
        assert self.main is not None
        for _ in range(3):
            self.send(self.main, ["escape"], ESCAPE)

    def open_actions(self, process: Cockpit) -> set[str]:
        """The actions this session confirmed that have no result yet."""
        confirmed, ended = set(), set()
        for record in process.records():
            if record.kind == "action.confirm":
                confirmed.add(record.data["id"])
            elif record.kind == "action.result":
                ended.add(record.data["id"])
        return confirmed - ended

    # --- the invariants -----------------------------------------------------------------

    def assert_restored_is_rebuilt(self, process: Cockpit) -> None:
        """I2: what a starting cockpit restores (its `session.start`'s `restored`, what its
        panes show first) equals the progress an auditor rebuilds from every journal of the
        window alone: each progress record of the window's sessions, in the order of time."""
        assert process.journal is not None
        start = process.records()[0]
        found: list[tuple[float, int, ev.Event]] = []
        kinds = {cls.kind for cls in CLAIMS}
        for path in sorted(self.audit.glob(f"{WINDOW_JOURNAL}*.jsonl")):
            journal = self.journal(path)
            ours = False
            for n, record in enumerate(journal.read()):
                if journal is process.journal and n >= process.first:
                    break  # the new session's own
                if record.kind == "session.start":
                    ours = record.data.get("window") == start.data["window"]
                elif ours and record.kind in kinds and record.time < start.time:
                    event = ev.from_record(record.kind, record.data)
                    found.append((record.time.timestamp(), len(found), event))
        rebuilt = session_state({**start.data, "restored": []})
        for _, _, event in sorted(found, key=lambda entry: entry[:2]):
            rebuilt = reduce(rebuilt, event)
        shown = claims(session_state(start.data))
        journaled = claims(rebuilt)
        differ = {k: (shown.get(k), journaled.get(k)) for k in shown.keys() | journaled.keys()}
        assert shown == journaled, {k: v for k, v in differ.items() if v[0] != v[1]}

    def assert_ends_on_record(self, process: Cockpit, reason: str) -> None:
        """I5: the session ends with `session.end`, and every action that reached execute in
        it has its result (a safe point: where the traffic is) before that."""
        records = process.records()
        assert records[-1].kind == "session.end", records[-3:]
        assert records[-1].data["reason"] == reason, records[-1].data
        executed = {
            r.data["id"] for r in records if r.kind == "action.step" and r.data["step"] == "execute"
        }
        results = {r.data["id"]: r.data for r in records if r.kind == "action.result"}
        assert executed <= results.keys(), (executed - results.keys(), records[-5:])
        for key in executed:
            result = results[key]
            if result["outcome"] == "interrupted":  # a safe point names where the traffic is
                assert "traffic on" in result["detail"] or "selects" in result["detail"], result

    def quit_by_keys(self, process: Cockpit) -> None:
        """`q`, `y` once the question is asked: exit 0, the session ended on its record."""
        self.send(process, ["q"], b"q")
        self.wait(process, lambda: b"y: yes" in process.output[-20_000:], "the quit question")
        self.send(process, ["y"], b"y")
        self.assert_left(process, 0, "quit")

    def assert_left(self, process: Cockpit, code: int, reason: str) -> None:
        """Its exit status, its session's end on the record, its journal intact (the CLI)."""
        assert process.journal is not None
        self.exits_with(process, code)
        self.assert_ends_on_record(process, reason)
        self.assert_verifies_by_cli(process.journal.path)

    def assert_verifies_by_cli(self, path: Path) -> None:
        """I3, as an auditor checks it: `cockpit audit verify` exits 0 or 3, never 1."""
        done = subprocess.run(
            [sys.executable, "-m", "cockpit", "audit", "verify", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            env=os.environ | self.vars,
        )
        assert done.returncode in (INTACT, TORN), done.stdout + done.stderr

    @invariant()
    def journals_verify(self) -> None:
        """I3 after every step, for every journal (the command's own function: cheap)."""
        for path in sorted(self.audit.glob("*.jsonl")):
            result = verify(path)
            assert result.code in (INTACT, TORN), (path.name, result)

    # --- the steps ----------------------------------------------------------------------

    @initialize()
    def first_start(self) -> None:
        self.start_main()

    @precondition(lambda self: self.main is None)
    @rule()
    def start(self) -> None:
        self.start_main()

    @precondition(lambda self: self.main is not None)
    @rule(
        names=st.lists(st.sampled_from(sorted(KEYS)), min_size=1, max_size=6),
        burst=st.booleans(),
    )
    def keys(self, names: list[str], burst: bool) -> None:
        assert self.main is not None
        if burst:
            self.send(self.main, names, b"".join(KEYS[n] for n in names))
        else:
            for name in names:
                self.send(self.main, [name], KEYS[name])

    @precondition(lambda self: self.main is not None)
    @rule()
    def escape(self) -> None:
        assert self.main is not None
        self.send(self.main, ["escape"], ESCAPE)

    @precondition(lambda self: self.main is not None)
    @rule(text=PASTES)
    def paste(self, text: str) -> None:
        """I4: a paste is one `paste` record with all of its text, and it never acts. The
        key after it in the same write is the mark: whatever the paste made is before it."""
        main = self.main
        assert main is not None
        before = len(main.records())
        planning = self.last_key in PLANS  # the plan of a key before may come now
        main.write(PASTE_START + text.encode() + PASTE_END + SENTINEL)
        mark = self.wait_record(
            main, lambda r: r.kind == "key" and r.data["key"] == "f12", "the key after it", before
        )
        between = main.records()[before:]
        between = between[: between.index(mark)]
        inputs = [(r.kind, r.data.get("text", r.data.get("key"))) for r in between]
        inputs = [(kind, value) for kind, value in inputs if kind in INPUTS]
        assert inputs == [("paste", text)], inputs
        acted = [r for r in between if r.kind in ACTS]
        if planning:
            acted = [r for r in acted if r.kind != "action.plan"]
        assert not acted, acted

    @precondition(lambda self: self.main is not None)
    @rule(size=st.sampled_from(SIZES))
    def resize(self, size: tuple[int, int]) -> None:
        main = self.main
        assert main is not None
        width, height = size
        before = len(main.records())
        fcntl.ioctl(main.fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
        if size != self.size:  # the kernel signals the cockpit (SIGWINCH) only on a change
            self.wait_record(
                main,
                lambda r: r.kind == "resize" and (r.data["width"], r.data["height"]) == size,
                f"a resize to {size}",
                after=before,
            )
        self.size = size

    @precondition(
        lambda self: (
            self.main is not None and self.main.holds_lock and not self.open_actions(self.main)
        )
    )
    @rule(phase=st.sampled_from(["execute", "verify", "soak"]))
    def start_action(self, phase: str) -> None:
        """A cutover confirmed (overriding what failed, with a reason), left at `phase`."""
        main = self.main
        assert main is not None
        store = self.env.cluster.store
        if store.get(*SERVICE)["spec"]["selector"].get("version") != "blue":
            store.mutate(*SERVICE, _on_blue)  # someone put the traffic back on blue
        for kind in ("services", "endpointslices", "deployments"):  # what the preview shows
            self.wait_record(
                main,
                lambda r, kind=kind: r.kind == "observe.kube" and r.data["resource"] == kind,
                f"the {kind}",
            )
        self.escape_to_checklist()
        before = len(main.records())
        self.send(main, ["c"], b"c")
        plan = self.wait_record(main, lambda r: r.kind == "action.plan", "a plan", after=before)
        key = plan.data["id"]
        failed = [p for p in plan.data["preconditions"] if p["status"] == "failed"]
        self.type(main, "override valeo-erp\r" if failed else "valeo-erp\r")
        if failed:
            self.wait(main, lambda: b"Why" in main.output[-20_000:], "the override's question")
            self.type(main, "machine test\r")
        self.wait_record(
            main,
            lambda r: r.kind == "action.confirm" and r.data["id"] == key,
            "the confirmation",
            after=before,
        )
        self.wait_record(
            main,
            lambda r: (
                r.data.get("id") == key
                and (r.kind == "action.result" or (r.data.get("step") == phase))
            ),
            f"the {phase} step",
            after=before,
        )

    @precondition(lambda self: self.main is not None)
    @rule(how=st.sampled_from(["SIGHUP", "SIGTERM", "close"]), restart=st.booleans())
    def hang_up(self, how: str, restart: bool) -> None:
        """The SSH session drops (or the cockpit is told to stop); maybe the operator logs in
        again at once, while the old one is still writing its last records."""
        old = self.main
        assert old is not None
        if how == "close":
            old.close_terminal()  # the kernel hangs the terminal up: SIGHUP
        else:
            os.kill(old.pid, getattr(signal, how))
        self.main = self.restart() if restart else None
        self.assert_left(old, HANGUP, "hangup")
        if self.main is not None:
            self.opened(self.main)
            self.assert_restored_is_rebuilt(self.main)

    @precondition(lambda self: self.main is not None)
    @rule()
    def kill_9_and_restart(self) -> None:
        """`kill -9`: nothing of the process runs; the restart within a second must say what
        the dead one left open."""
        old = self.main
        assert old is not None
        executed = {
            r.data["id"]
            for r in old.records()
            if r.kind == "action.step" and r.data["step"] == "execute"
        } & self.open_actions(old)
        os.kill(old.pid, signal.SIGKILL)
        assert self.ended(old) == -signal.SIGKILL
        killed = time.monotonic()
        self.restart()
        assert time.monotonic() - killed < 1.0
        assert self.main is not None
        self.opened(self.main)
        self.assert_restored_is_rebuilt(self.main)
        assert old.journal is not None
        self.assert_verifies_by_cli(old.journal.path)
        for key in executed:
            result = self.wait_record(
                self.main,
                lambda r, key=key: r.kind == "action.result" and r.data["id"] == key,
                "the restart's word on the action the killed cockpit left open",
            )
            assert "traffic" in result.data["detail"], result.data

    @precondition(lambda self: self.main is not None)
    @rule()
    def second_on_the_window(self) -> None:
        """A second cockpit on the window: after waiting, it journals beside the first's
        journal, says so, and quits like any other (`q` `y`)."""
        second = self.spawn()
        self.opened(second)
        assert second.journal is not None
        assert second.journal.path.name.startswith(f"{WINDOW_JOURNAL}.")
        assert b"another cockpit writes" in second.output
        self.quit_by_keys(second)

    @precondition(lambda self: self.main is not None)
    @rule()
    def second_on_the_audit_path(self) -> None:
        """A second cockpit on the first's `--audit PATH`: refused, clearly, at once."""
        main = self.main
        assert main is not None and main.journal is not None
        path = main.journal.path
        other = self.spawn(["--audit", str(path)])
        self.exits_with(other, 1)
        said = other.output.decode(errors="replace")
        assert f"{path}:1:1: audit journal: another cockpit (pid {main.pid})" in said, said

    @precondition(lambda self: self.main is not None)
    @rule()
    def quit(self) -> None:
        main = self.main
        assert main is not None and main.journal is not None
        self.escape_to_checklist()
        self.quit_by_keys(main)
        self.main = None

    def teardown(self) -> None:
        for process in self.others:
            if process.alive():
                process.kill()
        self.env.stop()
        shutil.rmtree(self.home, ignore_errors=True)


def _on_blue(service: dict) -> dict:
    service["spec"]["selector"]["version"] = "blue"
    return service
