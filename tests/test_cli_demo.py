"""`cockpit demo` as a newcomer runs it: a real pty, the real command, and nothing left
behind however it ends — quit, SSH drop, or `kill -9`."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from cockpit.audit.read import read_records
from cockpit.audit.records import Record
from cockpit.audit.verify import INTACT, verify
from tests.helpers.poll import eventually
from tests.ui.pty_driver import Terminal


def demo_children(demo: int) -> list[int]:
    """The Prometheus this demo process started: by its storage directory and its parent,
    not any other test's (tests run in parallel, and other environments start one too)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if b"cockpit-prometheus-" in cmdline and parent == demo:
            found.append(int(pid))
    return found


def assert_gone(pids: list[int], what: str, timeout: float = 15.0) -> None:
    """Every one of `pids` has ended (a zombie has: only its parent's wait is missing)."""
    eventually(
        lambda: not [p for p in pids if Path(f"/proc/{p}").exists() and not _zombie(p)],
        what=what,
        timeout=timeout,
        every=0.1,
        seen=lambda: [p for p in pids if Path(f"/proc/{p}").exists() and not _zombie(p)],
    )


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return False


@pytest.fixture
def demo(tmp_path):
    term = Terminal(tmp_path, ["demo", "--scenario", "happy", "--speed", "30"])
    yield term
    term.kill()


def started(term: Terminal) -> list[int]:
    term.read_until(b"DEMO", timeout=60)
    return eventually(
        lambda: demo_children(term.pid),
        what="the demo's Prometheus (is Debian's prometheus installed?)",
        timeout=30,
        every=0,
        between=lambda: term.drain(0.1),
    )


def test_ssh_drop_ends_the_demo_and_everything_it_started(demo, tmp_path):
    children = started(demo)
    os.close(demo.fd)  # the SSH session drops
    status = demo.wait_exit(timeout=20)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 129
    assert_gone(children, "the demo's Prometheus to end with it")
    (journal,) = (tmp_path / "state" / "cockpit" / "audit").glob("demo-happy-*.jsonl")
    assert verify(journal).code == INTACT
    records = list(read_records(journal))
    assert records[0].kind == "session.start" and records[-1].data["reason"] == "hangup"


def test_kill_9_leaves_no_prometheus_behind(demo):
    children = started(demo)
    demo.kill()  # SIGKILL: no handler runs; the kernel tells the children
    assert_gone(children, "the orphaned Prometheus to end")


def journal_of(tmp_path: Path) -> Path:
    (journal,) = (tmp_path / "state" / "cockpit" / "audit").glob("demo-happy-*.jsonl")
    return journal


def wait_for_record(
    term: Terminal, journal: Path, wanted: Callable[[Record], bool], what: str, timeout: float
) -> Record:
    """The first record `wanted` picks, draining the terminal meanwhile (a full pty would
    block the demo's frames, and the record would never come)."""
    found = eventually(
        lambda: [r for r in read_records(journal) if wanted(r)],
        what=what,
        timeout=timeout,
        every=0,
        between=lambda: term.drain(0.2),
    )
    return found[0]


def test_a_hang_up_during_the_soak_journals_where_the_traffic_is(tmp_path):
    term = Terminal(tmp_path, ["demo", "--scenario", "happy", "--speed", "10"])
    try:
        term.read_until(b"DEMO", timeout=60)
        journal = journal_of(tmp_path)
        term.read_until(b"OK")  # the window is judged: a cutover can be planned
        term.type(b"c")
        term.read_until(b"confirm")
        term.type(b"valeo-erp\r")
        soaking = wait_for_record(
            term,
            journal,
            lambda r: r.kind == "action.step" and r.data["step"] == "soak",
            what="the soak's step record",
            timeout=90,
        )
        assert soaking.data["status"] == "running"
        os.kill(term.pid, signal.SIGHUP)  # the SSH session drops during the soak
        status = term.wait_exit(timeout=30)
    finally:
        term.kill()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 129
    assert verify(journal).code == INTACT
    kinds = [(r.kind, r.data.get("outcome") or r.data.get("status")) for r in read_records(journal)]
    assert kinds[-3:] == [
        ("action.step", "interrupted"),
        ("action.result", "interrupted"),
        ("session.end", None),
    ]
    result = list(read_records(journal))[-2]
    assert result.data["detail"].startswith("terminal gone: traffic on green, soak cut short after")
