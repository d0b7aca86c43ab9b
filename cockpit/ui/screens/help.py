"""Every key the cockpit answers to, with the binding id to remap it in the config."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label


class HelpScreen(ModalScreen[None]):
    AUTO_FOCUS = "#help-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help-close")
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Label(
                "Keys — remap any of them in the config under `keys: {id: key}`", id="help-title"
            )
            table: DataTable = DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("key", "does", "id")
            for key, description, binding_id in self.rows:
                table.add_row(key, description, binding_id)
            yield table
            yield Label("esc: close", id="help-hint")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
