"""The operator's raw inputs (Textual events) as journal records, secrets masked.

Captured at the App before Textual dispatches them, so keys that a focused Input or a
modal screen consumes are recorded too. Anything typed into a field marked secret
(an Input with `password=True`) is recorded as "***".
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widget import Widget
from textual.widgets import Input

SECRET = "***"


def is_secret(widget: Widget | None) -> bool:
    return isinstance(widget, Input) and widget.password


def _where(widget: Widget | None) -> str:
    if widget is None:
        return ""
    return widget.id or widget.__class__.__name__


def input_record(
    event: events.Event, focused: Widget | None, screen: str = ""
) -> tuple[str, dict[str, Any]] | None:
    """(kind, data) for an input worth keeping, None for the rest (mouse moves, focus …).

    `focus` names the widget that had the keyboard, or the screen when none had.
    """
    where = _where(focused) or screen
    if isinstance(event, events.Key):
        key = SECRET if is_secret(focused) and event.is_printable else event.key
        return "key", {"key": key, "focus": where}
    if isinstance(event, events.Paste):
        text = SECRET if is_secret(focused) else event.text
        return "paste", {"text": text, "focus": where}
    if isinstance(event, events.MouseDown):
        return "mouse", {"x": event.screen_x, "y": event.screen_y, "button": event.button}
    if isinstance(event, events.MouseScrollDown | events.MouseScrollUp):
        direction = "down" if isinstance(event, events.MouseScrollDown) else "up"
        return "mouse", {"x": event.screen_x, "y": event.screen_y, "scroll": direction}
    return None
