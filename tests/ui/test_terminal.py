"""The real `cockpit run` in a real pseudo-terminal: killed, or its SSH session dropped."""

import fcntl
import json
import os
import signal
import struct
import termios
from pathlib import Path

import pytest

from cockpit.audit.read import read_records
from cockpit.audit.trail import default_journal_path
from cockpit.audit.verify import INTACT, TORN, verify
from cockpit.runtime.progress import ProgressStore, window_path
from tests.helpers.poll import eventually
from tests.ui.pty_driver import WINDOW, Terminal

FIRST_ITEM = (
    "phase-1-pre-deployment/infrastructure/postgresql-database/production-database-provisioned"
)


def saved_ticks(path: Path, timeout: float = 10.0) -> list[str]:
    """The ticks in the progress file, once it holds any."""

    def ticks() -> list[str]:
        if not path.exists():
            return []
        events = json.loads(path.read_text())["events"]
        return [e["data"]["item"] for e in events if e["kind"] == "item.tick"]

    return eventually(ticks, what=f"a tick saved in {path}", timeout=timeout)


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
    status = terminal.wait_exit(timeout=10)  # fails if it kept running without its terminal
    # our handler ran (129 = 128 + SIGHUP), rather than the signal killing us mid-write
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 129, status
    journal = default_journal_path(WINDOW)
    assert verify(journal).code == INTACT
    last = list(read_records(journal))[-1]
    assert last.kind == "session.end" and last.data["reason"] == "hangup"


@pytest.mark.parametrize(
    ("blocked", "env"),
    [
        (frozenset({signal.SIGWINCH, signal.SIGHUP, signal.SIGTERM}), {}),
        (frozenset(), {"COLUMNS": "80", "LINES": "24"}),
    ],
    ids=["signals-blocked", "size-exported"],
)
def test_what_a_parent_left_does_not_stop_a_resize_or_a_hang_up(
    tmp_path, monkeypatch, blocked, env
):
    """Inherited from whoever started it: signals blocked (the cockpit never followed a
    resize nor heard its terminal go away), or COLUMNS and LINES exported (a snapshot,
    which Textual's size preferred: found with pytest-xdist, whose workers export them)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    terminal = Terminal(tmp_path, env=env, blocked=blocked)
    try:
        terminal.read_until(b"Go-live")
        fcntl.ioctl(terminal.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        journal = default_journal_path(WINDOW)
        eventually(
            lambda: any(
                r.kind == "resize" and (r.data["width"], r.data["height"]) == (100, 30)
                for r in read_records(journal)
            ),
            what="the resize journaled by the cockpit",
            timeout=30,
            every=0,
            between=lambda: terminal.drain(0.1),
            seen=lambda: [r.kind for r in read_records(journal)][-8:],
        )
        os.close(terminal.fd)  # the hang-up
        status = terminal.wait_exit(timeout=20)
        assert os.WIFEXITED(status), status
        assert os.WEXITSTATUS(status) == 129, status
    finally:
        terminal.kill()
