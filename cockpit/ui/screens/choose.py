"""Choose one of the runbook's rollback options, fastest first; unavailable ones say why."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from cockpit.actions.plan import Choice


class ChooseScreen(ModalScreen[str | None]):
    AUTO_FOCUS = "#choose-list"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choose-cancel")
    ]

    def __init__(self, title: str, choices: list[Choice]) -> None:
        super().__init__()
        self.title_text, self.choices = title, choices

    def compose(self) -> ComposeResult:
        options = [
            Option(
                Content(f"{n}) {c.label}" + (f" — {c.disabled}" if c.disabled else "")),
                id=c.id,
                disabled=bool(c.disabled),
            )
            for n, c in enumerate(self.choices, 1)
        ]
        with Vertical(id="choose"):
            yield Label(self.title_text, id="choose-title", markup=False)
            yield OptionList(*options, id="choose-list")
            yield Label("enter or 1-9: choose · esc: cancel", id="choose-hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_key(self, event) -> None:
        if event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(self.choices) and not self.choices[index].disabled:
                event.stop()
                self.dismiss(self.choices[index].id)

    def action_cancel(self) -> None:
        self.dismiss(None)
