"""What the terminal sends, read so that a bracketed paste stays one paste.

Textual's parser reads an ESC inside a paste as the start of an escape sequence: the
characters after it came out as keys (a pasted `b` opened the backup preview) and were
lost from the paste. Here everything between `ESC[200~` and `ESC[201~` — ESC, newlines,
any control character — is the text of one `Paste`; outside a paste Textual parses as it
always did.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from collections.abc import Generator

from textual import events
from textual._parser import ParseEOF, ParseError, ParseTimeout, Peek1, Read1, TokenCallback
from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

_START, _END = BRACKETED_PASTE_START, BRACKETED_PASTE_END


class PasteParser(XTermParser):
    """Textual's parser, except that a bracketed paste is read whole, up to its end."""

    def parse(self, token_callback: TokenCallback) -> Generator[Read1 | Peek1, str, None]:
        def outside(token: Message) -> None:
            if not isinstance(token, events.Paste):  # pastes are ours (see below)
                token_callback(token)

        textual = super().parse(outside)
        awaiting = next(textual)
        seen = ""  # the last characters Textual was given, to see a paste start
        while True:
            try:
                character = yield awaiting
            except (ParseTimeout, ParseEOF) as stop:
                try:
                    awaiting = textual.throw(stop)
                except StopIteration:
                    return
                continue
            try:
                awaiting = textual.send(character)
            except StopIteration:
                return
            seen = (seen + character)[-len(_START) :]
            if seen != _START:
                continue
            seen = ""
            text, ended = yield from self._paste()
            token_callback(events.Paste(text))
            if not ended:
                return
            for character in _END:  # Textual closes its own paste (an empty one, dropped)
                awaiting = textual.send(character)

    def _paste(self) -> Generator[Read1, str, tuple[str, bool]]:
        """The paste's text up to ESC[201~ (True), or to the end of input (False); no
        timeout: a slow link may deliver a paste in pieces."""
        text: list[str] = []
        while True:
            try:
                character = yield self.read1()
            except ParseEOF:
                return "".join(text), False
            text.append(character)
            if character == "~" and "".join(text[-len(_END) :]) == _END:
                return "".join(text[: -len(_END)]), True


class CockpitDriver(LinuxDriver):
    """Textual's Linux driver, reading its input with `PasteParser` and its size from the
    terminal itself."""

    def _get_terminal_size(self) -> tuple[int, int]:
        """The terminal's size, asked of the terminal. Textual's asks `shutil`, which
        prefers COLUMNS and LINES from the environment: exported (a shell profile, a
        runner), they are a snapshot, and the cockpit never followed a resize."""
        try:
            size = os.get_terminal_size(self.fileno)
        except OSError:  # not a terminal after all
            return super()._get_terminal_size()
        return size.columns or 80, size.lines or 25

    def run_input_thread(self) -> None:
        """As `LinuxDriver.run_input_thread`, but with the cockpit's parser."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = PasteParser()
        decode = getincrementaldecoder("utf-8")().decode

        def process(ready: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for index, (_key, mask) in enumerate(ready):
                if mask & selectors.EVENT_READ:
                    last = index == len(ready) - 1
                    data = decode(os.read(self.fileno, 1024 * 4), final=final and last)
                    if not data:
                        break
                    for message in parser.feed(data):
                        self.process_message(message)
            for message in parser.tick():
                self.process_message(message)

        try:
            while not self.exit_event.is_set():
                process(selector.select(0.1))
            selector.unregister(self.fileno)
            process(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _message in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass
