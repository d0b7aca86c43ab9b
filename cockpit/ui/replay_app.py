"""`cockpit replay`: the same cockpit, fed from a journal instead of the world.

No sources, no executors, no journal of its own: the auditor's keys drive the player
(pause, speed, skip idle, seek), never the recorded window. The raw inputs of the
recording run along the bottom, beside the state they led to.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from cockpit.audit.replay import INPUT_KINDS, Replay
from cockpit.model.state import State
from cockpit.ui.recorded_app import RecordedApp
from cockpit.ui.screens.prompt import Prompt

FRAME = 0.1  # seconds between player ticks


class ReplayApp(RecordedApp):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "pause", "Pause/play", id="replay-pause", priority=True),
        Binding("plus,equals_sign", "speed(2)", "Faster", id="replay-faster", priority=True),
        Binding("minus", "speed(0.5)", "Slower", id="replay-slower", priority=True),
        Binding("right", "skip", "Skip idle", id="replay-skip", priority=True),
        Binding("g", "seek", "Seek", id="replay-seek", priority=True),
    ]

    def __init__(
        self,
        replay: Replay,
        path: Path,
        *,
        speed: float = 1.0,
        autoplay: bool = True,
        player: bool = True,
    ):
        """`player=False`: no REPLAY bar, only the recorded panes. Always read-only: the
        auditor's keys never offer the recording's cutover, rollback or backup."""
        self.player = player
        self.speed = speed
        self.playing = autoplay
        super().__init__(replay, path, read_only=True)
        self.virtual = replay.times[0]

    def show_state(self, state: State) -> None:
        super().show_state(state)
        self._render_player()

    # --- player ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from super().compose()
        if self.player:
            yield Static(id="replay-bar")

    async def on_mount(self) -> None:
        self._after_compose()
        self._render_player()
        self.set_interval(FRAME, self._frame)

    async def _frame(self) -> None:
        if not self.playing or self.position >= len(self.replay.steps) - 1:
            return
        self.virtual += timedelta(seconds=FRAME * self.speed)
        target = max(self.replay.index_at(self.virtual), self.position)
        if target != self.position:
            await self.seek_index(target)
        else:
            self._render_player()

    async def seek_index(self, index: int) -> None:
        index = min(max(index, 0), len(self.replay.steps) - 1)
        self.virtual = max(self.virtual, self.replay.times[index])
        await super().seek_index(index)

    def action_pause(self) -> None:
        self.playing = not self.playing
        self._render_player()

    def action_speed(self, factor: float) -> None:
        self.speed = min(max(self.speed * factor, 0.25), 1024)
        self._render_player()

    async def action_skip(self) -> None:
        """Jump over the quiet time to the next recorded record."""
        if self.position < len(self.replay.steps) - 1:
            self.virtual = self.replay.times[self.position + 1]
            await self.seek_index(self.position + 1)

    def action_seek(self) -> None:
        async def go(answer: str | None) -> None:
            if not answer:
                return
            target = self._target(answer.strip())
            if target is None:
                self.say(f"not a seq or a time: {answer}", severity="error")
                return
            self.virtual = self.replay.times[target]
            await self.seek_index(target)

        self.push_screen(Prompt("Seek to", "a record number (seq) or a time HH:MM[:SS] UTC"), go)

    def _target(self, answer: str) -> int | None:
        if answer.isdigit():
            return self.replay.index_of_seq(int(answer))
        try:
            clock = datetime.strptime(answer, "%H:%M:%S" if answer.count(":") == 2 else "%H:%M")
        except ValueError:
            return None
        first = self.replay.times[0]
        moment = first.replace(
            hour=clock.hour, minute=clock.minute, second=clock.second, microsecond=0
        )
        return max(self.replay.index_at(moment), 0)

    def _render_player(self) -> None:
        bars = self.query("#replay-bar")
        if not bars:
            return
        steps = self.replay.steps
        record = steps[self.position].record
        recent = [s.record for s in steps[max(0, self.position - 40) : self.position + 1]]
        inputs = [self._input_label(r) for r in recent if r.kind in INPUT_KINDS][-8:]
        mode = "▶" if self.playing else "⏸"
        text = Text.assemble(
            (" REPLAY ", "bold reverse"),
            f" {mode} ×{self.speed:g}  {record.ts[11:19]}Z  #{record.seq}/{steps[-1].record.seq}  ",
            ("keys: " + " ".join(inputs), "bold") if inputs else "",
        )
        text.truncate(self.size.width or 80, overflow="ellipsis")
        bars.first(Static).update(text)

    @staticmethod
    def _input_label(record) -> str:
        data = record.data
        if record.kind == "key":
            return str(data.get("key", "?"))
        if record.kind == "paste":
            return f"paste({len(str(data.get('text', '')))})"
        return "click" if "button" in data else "scroll"
