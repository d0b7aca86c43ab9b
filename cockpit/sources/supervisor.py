"""A source's loop that crashes is said as failed and started again, never left dead.

Sources catch what they expect (an unreachable server, a 403); anything else escaping a
loop would otherwise stop the source silently while its pane kept the last data, or
"not configured" if it never delivered. The supervisor reports the crash through the
app's callback and restarts the loop after the sources' one back-off (`backoff.RETRY`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from cockpit.sources.backoff import RETRY, Backoff


def supervised(
    loop: Callable[[], None],
    crashed: Callable[[str], None],
    stopping: threading.Event,
    backoff: Backoff = RETRY,
) -> Callable[[], None]:
    """`loop` run until it returns (stopped) or `stopping` is set; `crashed(detail)` after
    each crash, with what happened and when it is tried again."""

    def run() -> None:
        waits = backoff.delays()
        while not stopping.is_set():
            try:
                loop()
                return
            except Exception as error:
                if stopping.is_set():
                    return
                text = str(error).splitlines()[0][:200] if str(error) else ""
                wait = next(waits)
                crashed(f"{type(error).__name__}: {text}; restarting in {round(wait, 2):g} s")
                if stopping.wait(wait):
                    return

    return run
