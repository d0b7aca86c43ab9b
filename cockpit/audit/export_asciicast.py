"""`cockpit audit export --format asciicast`: the recorded window as an asciinema v2 cast.

The screens are not in the journal — the data is. So the export replays the journal in
a headless cockpit at the recorded terminal size and renders each screen that changed
("o"), with the operator's keys ("i"), a marker at every session start, action and
alert ("m"), and the terminal's resizes ("r").
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from cockpit.audit.replay import INPUT_KINDS, Replay
from cockpit.ui.replay_app import ReplayApp

MARKED = ("session.start", "session.end", "action.plan", "action.confirm", "action.result")
CLEAR = "\x1b[H\x1b[2J"


def screen_ansi(app: ReplayApp) -> str:
    """The whole screen as ANSI text, lines joined for a raw terminal."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=True).rstrip("\n").replace("\n", "\r\n")


def _marker(step_kind: str, data: dict[str, Any]) -> str | None:
    if step_kind in MARKED:
        return step_kind
    if step_kind == "alert" and data.get("message"):
        return f"alert: {data['message']}"
    return None


async def export_asciicast(replay: Replay, path: Path) -> list[list[Any]]:
    """The cast's events (after the header); written by `write_asciicast`."""
    size = replay.steps[0].record.data.get("size") or [80, 24]
    origin = replay.times[0]
    app = ReplayApp(replay, path, autoplay=False, player=False)
    out: list[list[Any]] = []
    last_screen = None
    async with app.run_test(size=tuple(size)) as pilot:
        for index, step in enumerate(replay.steps):
            at = round((replay.times[index] - origin).total_seconds(), 6)
            record = step.record
            if record.kind in INPUT_KINDS:
                out.append([at, "i", _input_text(record.kind, record.data)])
            label = _marker(record.kind, record.data)
            if label:
                out.append([at, "m", label])
            if record.kind == "resize":
                width, height = record.data["width"], record.data["height"]
                if (width, height) != tuple(app.size):
                    await pilot.resize_terminal(width, height)
                    out.append([at, "r", f"{width}x{height}"])
            if step.event is None and record.kind != "session.start":
                continue
            await app.seek_index(index)
            await pilot.pause()
            screen = screen_ansi(app)
            if screen != last_screen:
                out.append([at, "o", (CLEAR if last_screen is None else "\x1b[H") + screen])
                last_screen = screen
    return out


def _input_text(kind: str, data: dict[str, Any]) -> str:
    if kind == "key":
        key = str(data.get("key", ""))
        return {"space": " ", "enter": "\r", "tab": "\t", "escape": "\x1b"}.get(
            key, key if len(key) == 1 else f"<{key}>"
        )
    if kind == "paste":
        return str(data.get("text", ""))
    return ""


def header(replay: Replay) -> dict[str, Any]:
    start = replay.start
    width, height = start.get("size") or [80, 24]
    return {
        "version": 2,
        "width": width,
        "height": height,
        "timestamp": int(replay.times[0].timestamp()),
        "title": f"cockpit {replay.layout.title} — {start.get('window', '')}",
        "env": {"TERM": start.get("term") or "xterm-256color", "SHELL": "cockpit"},
    }


def write_asciicast(replay: Replay, events: list[list[Any]], out: io.TextIOBase) -> None:
    out.write(json.dumps(header(replay), ensure_ascii=False) + "\n")
    for event in events:
        out.write(json.dumps(event, ensure_ascii=False) + "\n")
