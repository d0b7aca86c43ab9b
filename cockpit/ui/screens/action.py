"""The preview of a risky action, confirmed by typing its target (a plain `y` is not enough).

It shows what will change, where, who holds the lock, each precondition as passed,
failed or unknown, and what the runbook says; the operator types the target's name, or
`override <target>` to go past failed preconditions. It dismisses with the confirmation
(accepted text and overridden names) or None.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from cockpit.actions.plan import FAILED, PASSED, Plan, worst_first
from cockpit.ui.palette import (
    ALARM,
    ERROR,
    FAILED_MARK,
    PASSED_MARK,
    SUCCESS,
    UNKNOWN_MARK,
    look,
)
from cockpit.ui.widgets.text_field import TextField

MARK = {PASSED: PASSED_MARK, FAILED: FAILED_MARK}


def preview(plan: Plan, where: str, lock: str) -> Text:
    """Failed preconditions come before the changes: at 80x24 what blocks is on screen."""
    text = Text()
    text.append(f"{where} · lock {lock}\n\n", style="dim")
    if plan.unavailable:
        text.append(f"not available: {plan.unavailable}\n\n", style=look(ALARM))
    if plan.failed:
        _preconditions(plan, text)
        text.append("\n")
    for line in plan.changes:
        style = SUCCESS if line.startswith("+") else ERROR if line.startswith("-") else ""
        text.append(f"{line}\n", style=look(style))
    if plan.preconditions and not plan.failed:
        text.append("\n")
        _preconditions(plan, text)
    if plan.runbook:
        text.append("\nthe runbook says\n", style="bold")
        for line in plan.runbook:
            text.append(f" {line}\n", style="dim")
    return text


def _preconditions(plan: Plan, text: Text) -> None:
    text.append("preconditions\n", style="bold")
    for check in worst_first(plan.preconditions):
        mark, style = MARK.get(check.status, UNKNOWN_MARK)
        text.append(f" {mark} ", style=look(style))
        text.append(f"{check.name}")
        text.append(f"  {check.detail}\n" if check.detail else "\n", style="dim")


HINT = "enter: confirm · esc: cancel"
SCROLL = " · pgup/pgdn: scroll"


class ActionScreen(ModalScreen[tuple[str, tuple[str, ...]] | None]):
    AUTO_FOCUS = "#action-input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="action-cancel"),
        Binding("pageup", "scroll(-1)", "Scroll the preview up", show=False, id="action-scroll-up"),
        Binding(
            "pagedown", "scroll(1)", "Scroll the preview down", show=False, id="action-scroll-down"
        ),
    ]

    def __init__(self, plan: Plan, where: str, lock: str) -> None:
        super().__init__()
        # not `self.lock`: that is Widget's own (the screen's batch() awaits it)
        self.plan, self.where, self.lock_said = plan, where, lock

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="action"):
            yield Label(Text(plan.title, style="bold"), id="action-title")
            with VerticalScroll(id="action-body"):
                yield Static(preview(plan, self.where, self.lock_said), id="action-preview")
            how = f"type {plan.to_type!r} to confirm"
            if plan.failed:
                how = f"{len(plan.failed)} failed: type 'override {plan.to_type}' to go on anyway"
            yield Label(how, id="action-how", markup=False)  # the target is outside text
            yield TextField(id="action-input", placeholder=plan.to_type)
            yield Label(HINT, id="action-hint")

    def on_resize(self) -> None:
        self.call_after_refresh(self._say_how_to_scroll)

    def _say_how_to_scroll(self) -> None:
        """The hint names the scroll keys only when the preview does not fit."""
        hint = self.query_one("#action-hint", Label)
        if str(hint.render()) in (HINT, HINT + SCROLL):  # not while it says why not
            overflows = self.query_one("#action-body", VerticalScroll).max_scroll_y > 0
            hint.update(HINT + SCROLL if overflows else HINT)

    def action_scroll(self, pages: int) -> None:
        body = self.query_one("#action-body", VerticalScroll)
        body.scroll_to(y=body.scroll_y + pages * max(1, body.size.height - 1), animate=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        accepted, overridden, why = self.plan.confirmation(event.value)
        if accepted:
            self.dismiss((event.value.strip(), overridden))
        else:
            hint = self.query_one("#action-hint", Label)
            hint.update(Content(why))  # it may quote what was typed: text, never markup
            hint.add_class("-error")

    def action_cancel(self) -> None:
        self.dismiss(None)
