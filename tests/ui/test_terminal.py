"""The real `cockpit run` in a real pseudo-terminal: killed, or its SSH session dropped."""

import contextlib
import fcntl
import json
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

from cockpit.audit.read import read_records
from cockpit.audit.trail import default_journal_path
from cockpit.audit.verify import INTACT, TORN, verify
from cockpit.runtime.progress import ProgressStore, window_path
from tests.ui.apps import kubeconfig_for

WINDOW = "prod-cluster@production"
FIRST_ITEM = (
    "phase-1-pre-deployment/infrastructure/postgresql-database/production-database-provisioned"
)


RUN = ["run", "--context", "prod-cluster", "--namespace", "production", "--layout", "go-live"]


class Terminal:
    """`cockpit …` (by default `run`) on an 80x24 pty; its output is drained so it never
    blocks."""

    def __init__(self, tmp_path: Path, args: list[str] = RUN) -> None:
        env = os.environ | {
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "COCKPIT_OPERATOR": "alice@bastion",
            "KUBECONFIG": kubeconfig_for("prod-cluster"),  # --context must exist in it
            "TERM": "xterm-256color",
        }
        argv = [sys.executable, "-m", "cockpit", *args]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: size the terminal, become the cockpit
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            os.chdir(tmp_path)
            os.execvpe(argv[0], argv, env)
        self.output = b""

    def read_until(self, needle: bytes, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.output:
            last = self.output[-300:]
            assert time.monotonic() < deadline, f"no {needle!r} on screen; got {last!r}"
            self.drain(0.1)

    def drain(self, wait: float) -> None:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if ready:
            with contextlib.suppress(OSError):  # the child has gone: nothing more to read
                self.output += os.read(self.fd, 65536)

    def type(self, keys: bytes) -> None:
        for key in keys:
            os.write(self.fd, bytes([key]))
            self.drain(0.05)

    def wait_exit(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return status
            time.sleep(0.05)
        return None

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        with contextlib.suppress(OSError):
            os.close(self.fd)


def saved_ticks(path: Path, timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            events = json.loads(path.read_text())["events"]
            ticks = [e["data"]["item"] for e in events if e["kind"] == "item.tick"]
            if ticks:
                return ticks
        time.sleep(0.05)
    return []


@pytest.fixture
def terminal(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    term = Terminal(tmp_path)
    yield term
    term.kill()


def test_kill_9_mid_window_loses_no_tick(terminal, make_app):
    terminal.read_until(b"Go-live")
    terminal.type(b"jjj ")
    path = window_path(WINDOW)
    assert saved_ticks(path) == [FIRST_ITEM]
    terminal.kill()  # SIGKILL: no chance to save anything more
    journal = default_journal_path(WINDOW)
    assert verify(journal).code in (INTACT, TORN)  # at most the last line torn
    assert any(r.kind == "item.tick" for r in read_records(journal))
    store = ProgressStore(path, WINDOW)
    app = make_app(store=store, restored=store.load())
    assert app.state.item_progress("go-live", FIRST_ITEM).by == "alice@bastion"
    store.close()


def test_ssh_drop_saves_and_exits_instead_of_spinning(terminal):
    terminal.read_until(b"Go-live")
    terminal.type(b"jjj ")
    assert saved_ticks(window_path(WINDOW)) == [FIRST_ITEM]
    os.close(terminal.fd)  # the terminal goes away: the kernel hangs the session up
    status = terminal.wait_exit(timeout=10)
    assert status is not None, "the cockpit kept running after its terminal was gone"
    # our handler ran (129 = 128 + SIGHUP), rather than the signal killing us mid-write
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 129, status
    journal = default_journal_path(WINDOW)
    assert verify(journal).code == INTACT
    last = list(read_records(journal))[-1]
    assert last.kind == "session.end" and last.data["reason"] == "hangup"
