"""The operator's screen, record by record, as the bytes the live cockpit writes to a terminal.

The recorded window runs in the real cockpit (`RecordedApp`) on a terminal that is a
list: a Textual `Driver` that keeps what the app writes. Each frame is what the app
wrote after being shown one record's state — its own rendering, the same escape
sequences an operator's terminal received — so no private rendering API is needed and
an asciicast player draws it as a terminal would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from textual import events
from textual.driver import Driver
from textual.geometry import Size

from cockpit.audit.replay import Replay
from cockpit.ui.recorded_app import RecordedApp

#: refreshes in a row that wrote nothing before a frame counts as painted
QUIET = 2
#: seconds a resize may take to reach the screen
RESIZE_WAIT = 2.0
HIDE_CURSOR = "\x1b[?25l"


class ListDriver(Driver):
    """A terminal that is a list: it keeps what the app writes (in `app.written`, for the
    app to take), and types nothing."""

    def write(self, data: str) -> None:
        app = self._app
        assert isinstance(app, CastApp), "a ListDriver is the terminal of a CastApp"
        app.written.append(data)

    def start_application_mode(self) -> None:
        """Hide the cursor (as the live terminal driver does) and say the terminal's size."""
        self.write(HIDE_CURSOR)
        size = Size(*(self._size or (80, 24)))
        self.send_message(events.Resize(size, size))

    def disable_input(self) -> None:
        """No input: it has no keyboard."""

    def stop_application_mode(self) -> None:
        """Nothing to restore."""


class CastApp(RecordedApp):
    """Shows each wanted record in turn and keeps what it wrote then, then exits."""

    def __init__(self, replay: Replay, path: Path, indexes: Sequence[int]) -> None:
        super().__init__(replay, path)
        self.indexes = list(indexes)
        self.frames: list[tuple[int, str]] = []
        self.written: list[str] = []  # by the ListDriver
        self._terminal_size = tuple(replay.start.get("size") or (80, 24))
        # the cast's colours do not depend on the exporting shell's TERM (a player has 24 bit)
        self.console = Console(
            color_system="truecolor",
            file=self.console.file,
            markup=True,
            highlight=False,
            emoji=False,
            legacy_windows=False,
            force_terminal=True,
            safe_box=False,
            soft_wrap=False,
        )

    def get_driver_class(self) -> type[Driver]:
        return ListDriver

    def take(self) -> str:
        """What the app wrote to its terminal since the last `take`."""
        text, self.written = "".join(self.written), []
        return text

    async def on_mount(self) -> None:
        await super().on_mount()
        self.run_worker(self._play(), exclusive=True)

    async def _play(self) -> None:
        """From its own task: the app paints between the steps, `wait_for_refresh` sees it."""
        for index in self.indexes:
            await self.seek_index(index)
            if self.state.size and tuple(self.state.size) != self._terminal_size:
                await self._resize(*self.state.size)
            self.frames.append((index, await self._painted()))
        self.exit(0)

    async def _resize(self, width: int, height: int) -> None:
        """The operator's terminal changed size: so does this one, as a real one tells it."""
        self._terminal_size = (width, height)
        size = Size(width, height)
        self.post_message(events.Resize(size, size))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RESIZE_WAIT
        while tuple(self.screen.size) != (width, height) and loop.time() < deadline:
            await asyncio.sleep(0.01)

    async def _painted(self) -> str:
        """What the app wrote once it stopped writing: refreshes until `QUIET` wrote nothing
        (a widget's refresh reaches the screen a message later than the state change)."""
        written, quiet = [], 0
        while quiet < QUIET:
            await self.screen.wait_for_refresh()
            await asyncio.sleep(0)
            text = self.take()
            written.append(text)
            quiet = 0 if text else quiet + 1
        return "".join(written)


async def screen_frames(
    replay: Replay, indexes: Sequence[int], *, path: Path
) -> list[tuple[int, str]]:
    """(index, what the screen wrote when `steps[index]` was shown) for each index, in order;
    the first holds the whole first screen, the others what changed."""
    width, height = replay.start.get("size") or (80, 24)
    app = CastApp(replay, path, indexes)
    await app.run_async(size=(width, height), mouse=False)
    if app.return_code != 0 or len(app.frames) != len(indexes):
        raise RuntimeError(f"the cockpit stopped after {len(app.frames)} of {len(indexes)} frames")
    return app.frames
