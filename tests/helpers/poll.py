"""Wait for a condition, never for a time: the tests' one polling helper.

A loaded CI machine runs everything late, so a test waits for what it needs (a record, an
event, bytes on a terminal) with a generous deadline, and a failure says what it awaited
and what it last saw. `eventually` polls from a plain thread; `eventually_async` from a
test on the event loop (a Textual app under Pilot), which a blocking sleep would freeze.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def _timed_out(what: str, timeout: float, last: object, seen: Callable[[], object] | None) -> str:
    said = f"; last seen: {seen()}" if seen is not None else f"; last value: {last!r}"
    return f"timed out after {timeout:g} s waiting for {what}{said}"


def eventually(
    condition: Callable[[], T],
    *,
    what: str,
    timeout: float = 10.0,
    every: float = 0.05,
    between: Callable[[], object] | None = None,
    seen: Callable[[], object] | None = None,
) -> T:
    """`condition()`'s first truthy value, asked every `every` s until `timeout`.

    `between` runs each round before the pause (a pty test drains its terminal there: a
    full pty blocks the process it waits on); `every=0` when `between` waits itself.
    `seen` says what was last seen when it fails (by default the condition's last value).
    """
    deadline = time.monotonic() + timeout
    while True:
        last = condition()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(_timed_out(what, timeout, last, seen))
        if between is not None:
            between()
        if every:
            time.sleep(every)


async def eventually_async(
    condition: Callable[[], T],
    *,
    what: str,
    timeout: float = 15.0,
    every: float = 0.1,
    pause: Callable[[float], Awaitable[object]] = asyncio.sleep,
    seen: Callable[[], object] | None = None,
) -> T:
    """`eventually` for a test on the event loop: between rounds it awaits `pause(every)`
    (`pilot.pause` lets the app process what came in), so the app keeps running."""
    deadline = time.monotonic() + timeout
    while True:
        last = condition()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(_timed_out(what, timeout, last, seen))
        await pause(every)
