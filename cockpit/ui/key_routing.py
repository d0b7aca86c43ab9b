"""A key acts on the screen it was typed to, never on the one behind it.

Textual hands a key to the focused widget and checks the bindings only when the key has
bubbled back up to the App — by then an earlier key may have opened a prompt, or closed
one. Typed ahead of a prompt that has since opened, a key goes into the prompt; typed
into a prompt that has since closed, it dies with it: it never acts on the checklist
(`S`, enter on an empty reason, then the reason ran as checklist keys).
"""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.screen import Screen

#: keys in flight at once, far more than a person types ahead of the app
IN_FLIGHT = 4096


class KeyRouting:
    def __init__(self) -> None:
        self._typed_to: dict[events.Key, Screen] = {}

    def arrived(self, key: events.Key, screen: Screen) -> None:
        """The key came from the terminal while `screen` was in front."""
        if len(self._typed_to) >= IN_FLIGHT:  # keys a widget consumed never come back
            del self._typed_to[next(iter(self._typed_to))]
        self._typed_to[key] = screen

    def acts_here(self, key: events.Key, app: App) -> bool:
        """Whether the key, back at the App, may act on the screen in front now; if not,
        it is handed to that screen (typed ahead of it) or dropped (its screen closed)."""
        typed_to = self._typed_to.pop(key, None)
        if typed_to is None or typed_to is app.screen:
            return True
        if typed_to in app.screen_stack:
            self._hand_over(key, app.screen)
        return False

    def _hand_over(self, key: events.Key, screen: Screen) -> None:
        """Into the screen that opened over the one the key was typed to, after the keys
        handed over before it, once the screen has given its input the keyboard."""
        again = events.Key(key.key, key.character)
        self._typed_to[again] = screen

        def deliver() -> None:
            if screen.is_attached:
                (screen.focused or screen)._forward_event(again)

        screen.call_later(deliver)
