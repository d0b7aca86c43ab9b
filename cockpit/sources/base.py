"""What the app needs of a source: its name, loops to run in threads, and a way to stop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from cockpit.model import events as ev

Emit = Callable[[ev.Event], None]


class Source(Protocol):
    name: str

    def loops(self) -> list[Callable[[], None]]: ...

    def stop(self) -> None: ...


SourceFactory = Callable[[Emit], Source]
