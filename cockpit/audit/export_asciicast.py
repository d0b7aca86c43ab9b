"""`cockpit audit export --format asciicast`: the recorded window as an asciinema v2 cast.

The screens are not in the journal — the data is. So the export shows each record's
state in the live cockpit at the recorded terminal size and keeps what it wrote to the
terminal ("o"), with the operator's keys ("i"), a marker at every session start, action
and alert ("m"), and the terminal's resizes ("r"). The rendering is passed in (the CLI
gives the cockpit's own, `cockpit.ui.cast.screen_frames`): audit/ does not import ui/.
"""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from cockpit.audit.replay import INPUT_KINDS, Replay
from cockpit.model import events as ev

MARKED = ("session.start", "session.end", "action.plan", "action.confirm", *ev.RESULT_KINDS)
CLEAR = "\x1b[H\x1b[2J"

#: (replay, the step indexes to show) → (index, what the screen wrote then), in order
Frames = Callable[[Replay, Sequence[int]], Awaitable[list[tuple[int, str]]]]


def _marker(step_kind: str, data: dict[str, Any]) -> str | None:
    if step_kind in MARKED:
        return step_kind
    if step_kind == "alert" and data.get("message"):
        return f"alert: {data['message']}"
    return None


def shown(replay: Replay) -> list[int]:
    """The steps that can change the screen: the events, and each session's start."""
    return [
        i
        for i, step in enumerate(replay.steps)
        if step.event is not None or step.record.kind == "session.start"
    ]


async def export_asciicast(replay: Replay, frames: Frames) -> list[list[Any]]:
    """The cast's events (after the header); written by `write_asciicast`."""
    origin = replay.times[0]
    screens = dict(await frames(replay, shown(replay)))
    size = tuple(replay.start.get("size") or (80, 24))
    out: list[list[Any]] = []
    first = True
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
            if (width, height) != size:
                size = (width, height)
                out.append([at, "r", f"{width}x{height}"])
        if screens.get(index):
            out.append([at, "o", (CLEAR if first else "") + screens[index]])
            first = False
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
