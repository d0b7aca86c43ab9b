"""Raw terminal bytes into a running cockpit (`run_test`), through the cockpit's own parser.

`send_bytes(pilot, b"\\t\\t\\t")` is one write to the terminal: parsed as the driver parses
it, and every message it makes posted before the app handles any — as keys typed ahead
over a slow link, or a paste, arrive. Read the journal back with
`cockpit.audit.read.read_records(path)` after `journal.close()` (or `journal.flush()`).
"""

from textual.pilot import Pilot

from cockpit.ui.terminal_input import PasteParser


def parse(data: bytes) -> list:
    """The messages one write of `data` makes; the write's end ends it (a lone ESC at the
    end is the escape key, an unclosed paste is a paste)."""
    parser = PasteParser()
    return [*parser.feed(data.decode()), *parser.feed("")]


async def send_bytes(pilot: Pilot, data: bytes) -> None:
    driver = pilot.app._driver
    assert driver is not None
    for message in parse(data):
        driver.process_message(message)
    await pilot.pause()
    await pilot.pause()
