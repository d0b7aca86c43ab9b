"""A one-line question in a modal: a note, an owner, a name for a sign-off, a reason.

Escape answers None. An empty answer is refused — the prompt stays open and says why
(`required`) — unless `optional` (then it answers "", so "no reason given" and "backed
out" stay two different answers)."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from cockpit.ui.widgets.text_field import TextField

HINT = "enter: save · esc: cancel"


class AnswerInput(TextField):
    """Enter answers at once, with what was typed before it. As Textual's binding it
    acted only once the key had bubbled up to the App, and keys typed behind it (over a
    slow link, in one write) had gone into the answer meanwhile."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()  # not Input's own handling as well
            await self.action_submit()


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
        required: str = "an answer is needed (esc: cancel)",
    ) -> None:
        super().__init__()
        self.title_text, self.subject, self.initial, self.secret = title, subject, initial, secret
        self.optional, self.hint, self.required = optional, hint or HINT, required
        self.answered = False

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Label(self.title_text, id="prompt-title", markup=False)  # a runbook role
            yield Label(self.subject, id="prompt-subject", markup=False)  # a runbook item
            yield AnswerInput(value=self.initial, password=self.secret, id="prompt-input")
            yield Label(self.hint, id="prompt-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        answer = event.value.strip()
        if self.answered:
            return  # the first enter answered: the prompt is closing
        if not answer and not self.optional:
            hint = self.query_one("#prompt-hint", Label)
            hint.update(self.required)
            hint.add_class("refused")
            return
        self.answered = True
        self.dismiss(answer)

    def action_cancel(self) -> None:
        if not self.answered:
            self.answered = True
            self.dismiss(None)
