"""Process start to first frame of `cockpit run --layout go-live`, in a real pty.

The alternative measured in the same run: a minimal Textual app (one Static) — the floor
any Textual cockpit pays. Prints medians and the ratio.

    python bench/startup.py [--runs 10] [--size 160x48]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time

HELLO = """
from textual.app import App
from textual.widgets import Static
class Hello(App):
    def compose(self):
        yield Static("FIRST-FRAME")
Hello().run()
"""


def first_frame(
    argv: list[str], marker: bytes, size: tuple[int, int], env: dict[str, str]
) -> float:
    """Seconds from fork to `marker` appearing on the terminal."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        os.execvpe(argv[0], argv, env)
    output = b""
    try:
        while marker not in output:
            if time.perf_counter() - start > 60:
                raise TimeoutError(f"{argv}: no first frame in 60 s")
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                output += os.read(fd, 65536)
        return time.perf_counter() - start
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--size", default="160x48")
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory() as home:
        env = os.environ | {
            "XDG_STATE_HOME": home,
            "XDG_CONFIG_HOME": home,
            "TERM": "xterm-256color",
        }
        cockpit = [sys.executable, "-m", "cockpit", "run", "--layout", "go-live"]
        hello = [sys.executable, "-c", HELLO]
        first_frame(cockpit, b"Go-live", size, env)  # warm the OS caches and .pyc files once
        first_frame(hello, b"FIRST-FRAME", size, env)
        ours, floor = [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            ours.append(first_frame(cockpit, b"Go-live", size, env))
            floor.append(first_frame(hello, b"FIRST-FRAME", size, env))
    print(f"first frame, go-live layout at {args.size}, {args.runs} runs")
    for name, times in (("cockpit run", ours), ("minimal Textual app", floor)):
        ms = [t * 1000 for t in times]
        median = statistics.median(ms)
        print(f"  {name:<20} median {median:7.1f} ms  (min {min(ms):.1f}, max {max(ms):.1f})")
    ratio = statistics.median(ours) / statistics.median(floor)
    print(f"  ratio cockpit / minimal Textual: {ratio:.2f}")


if __name__ == "__main__":
    main()
