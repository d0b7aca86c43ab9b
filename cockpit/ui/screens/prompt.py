"""A one-line question in a modal: a note, an owner, a name for a sign-off, a reason.

Escape answers None; so does an empty answer, unless `optional` (then it answers "", so
"no reason given" and "backed out" stay two different answers)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class Prompt(ModalScreen[str | None]):
    AUTO_FOCUS = "#prompt-input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt-cancel")
    ]

    def __init__(
        self,
        title: str,
        subject: str,
        initial: str = "",
        *,
        secret: bool = False,
        optional: bool = False,
        hint: str = "",
    ) -> None:
        super().__init__()
        self.title_text, self.subject, self.initial, self.secret = title, subject, initial, secret
        self.optional, self.hint = optional, hint or "enter: save · esc: cancel"

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Label(self.title_text, id="prompt-title", markup=False)  # a runbook role
            yield Label(self.subject, id="prompt-subject", markup=False)  # a runbook item
            yield Input(value=self.initial, password=self.secret, id="prompt-input")
            yield Label(self.hint, id="prompt-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or ("" if self.optional else None))

    def action_cancel(self) -> None:
        self.dismiss(None)
