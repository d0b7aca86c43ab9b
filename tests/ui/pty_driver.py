"""The real cockpit on a real pseudo-terminal (80x24), driven with raw bytes.

`Terminal(tmp_path)` starts `cockpit run` (or `args`) in a pty with a private
XDG_STATE_HOME; `write(b"...")` is one write to the terminal (a paste, six tabs at once),
`type(b"...")` one byte at a time; the journal is at
`cockpit.audit.trail.default_journal_path(WINDOW)` under that XDG_STATE_HOME, read with
`cockpit.audit.read.read_records` (after the cockpit has quit: `wait_exit`).
"""

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Mapping
from pathlib import Path

from tests.helpers.poll import eventually
from tests.ui.apps import kubeconfig_for

WINDOW = "prod-cluster@production"
RUN = ["run", "--context", "prod-cluster", "--namespace", "production", "--layout", "go-live"]


class Terminal:
    """`cockpit …` (by default `run`) on an 80x24 pty; its output is drained so it never
    blocks."""

    def __init__(
        self,
        tmp_path: Path,
        args: list[str] = RUN,
        env: Mapping[str, str] | None = None,
        blocked: frozenset[int] = frozenset(),
    ) -> None:
        """`blocked`: signals the cockpit inherits blocked, as from a parent that blocked
        them."""
        env = (
            os.environ
            | {
                "XDG_STATE_HOME": str(tmp_path / "state"),
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
                "COCKPIT_OPERATOR": "alice@bastion",
                "KUBECONFIG": kubeconfig_for("prod-cluster"),  # --context must exist in it
                "TERM": "xterm-256color",
            }
            | dict(env or {})
        )  # the caller's last: its own cluster, config, state
        argv = [sys.executable, "-m", "cockpit", *args]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: size the terminal, become the cockpit
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            os.chdir(tmp_path)
            signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
            os.execvpe(argv[0], argv, env)
        self.output = b""

    def read_until(self, needle: bytes, timeout: float = 30.0) -> None:
        eventually(
            lambda: needle in self.output,
            what=f"{needle!r} on screen",
            timeout=timeout,
            every=0,
            between=lambda: self.drain(0.1),
            seen=lambda: self.output[-300:],
        )

    def drain(self, wait: float) -> None:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if ready:
            with contextlib.suppress(OSError):  # the child has gone: nothing more to read
                self.output += os.read(self.fd, 65536)

    def type(self, keys: bytes) -> None:
        for key in keys:
            os.write(self.fd, bytes([key]))
            self.drain(0.05)

    def write(self, data: bytes) -> None:
        """One write, as a terminal delivers a paste (the pty may take it in parts)."""
        while data:
            ready = select.select([self.fd], [self.fd], [], 1.0)
            if ready[1]:
                data = data[os.write(self.fd, data) :]
            self.drain(0)

    def wait_exit(self, timeout: float) -> int:
        """Its exit status, draining what it writes meanwhile (a full pty would block the
        cockpit's last frames, and it would never exit); fails if it does not exit."""

        def exited() -> tuple[int] | None:  # a tuple: status 0 is an exit too
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            return (status,) if pid else None

        def drain() -> None:
            try:
                self.drain(0.05)
            except OSError:  # the test closed the terminal (a hang-up): nothing to drain
                time.sleep(0.05)

        (status,) = eventually(
            exited,
            what=f"pid {self.pid} to exit",
            timeout=timeout,
            every=0,
            between=drain,
            seen=lambda: self.output[-300:],
        )
        return status

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        with contextlib.suppress(OSError):
            os.close(self.fd)
