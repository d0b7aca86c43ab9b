"""A one-line field that takes a paste as the cockpit shows outside text.

Textual's Input inserts a paste's first line as it came: an ESC in it reached the terminal
as a colour change, and a pasted connection string showed its password on the screen (the
journal's `paste` record has it as `***`). Here the paste is inserted visible and scrubbed
(`untrusted.clean`), so the field shows what the journal keeps. A password field keeps the
paste's characters: it shows none of them, and its value is the secret itself.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from cockpit.model.untrusted import clean


class TextField(Input):
    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()  # not Input's own insert of the raw line as well
        lines = event.text.splitlines()
        line = lines[0] if lines else ""
        line = line if self.password else clean(line)
        if not line:
            return
        if self.selection.is_empty:
            self.insert_text_at_cursor(line)
        else:
            self.replace(line, *self.selection)
