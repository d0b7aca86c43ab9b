"""One item in full: its text, role, due time, check, the runbook's commands, notes."""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from cockpit.model.checklist import Item
from cockpit.model.state import DONE, NOT_APPLICABLE, SKIPPED, CheckState, ItemProgress
from cockpit.model.untrusted import clean
from cockpit.ui.inline import inline
from cockpit.ui.widgets.pane import clock


def describe(
    item: Item, progress: ItemProgress, check: CheckState | None, tz: tzinfo | None
) -> RenderableType:
    parts: list[RenderableType] = [inline(item.text, "bold")]
    facts = []
    when = clock(progress.at, tz, "%H:%M:%S")
    if progress.status == DONE:
        who = (
            progress.signed_by and f"{progress.signed_by} as {progress.signed_as}"
        ) or progress.by
        recorded = f" (recorded by {progress.recorded_by})" if progress.recorded_by else ""
        facts.append(f"done by {who or 'the runbook'}{recorded} {when}".strip())
    elif progress.status in (SKIPPED, NOT_APPLICABLE):
        what = "skipped" if progress.status == SKIPPED else "not applicable"
        facts.append(f"{what} by {progress.by} {when}".strip())
    if item.role:
        facts.append(f"signed by: {item.role}")
    if progress.owner:
        facts.append(f"owner: {progress.owner}")
    if item.due:
        facts.append(f"due: {item.due}")
    if item.critical:
        facts.append("critical")
    if facts:
        parts.append(Text(" · ".join(facts), style="dim"))
    if progress.status in (SKIPPED, NOT_APPLICABLE):
        parts.append(Text(f"why: {progress.reason or 'no reason given'}", style="bold"))
    if item.check is not None:
        spec = item.check.model_dump(mode="json", exclude={"kind"}, exclude_defaults=True)
        result = (
            f"{check.status} {check.detail} at {clock(check.at, tz)}" if check else "not run yet"
        )
        spec_text = clean(str(spec))  # a check's argv and URL run with their credentials
        parts.append(Text(f"\ncheck ({item.check.kind}): {spec_text}\nlast result: {result}"))
    for detail in item.details:
        parts.append(inline(f"• {detail}"))
    for block in item.context:
        parts.append(
            Syntax(block.code, block.lang or "text", word_wrap=True, background_color="default")
        )
    for note in progress.notes:
        parts.append(Text(f"✎ {note.by} {clock(note.at, tz)}: {note.text}"))
    return Group(*parts)


class ItemScreen(ModalScreen[None]):
    AUTO_FOCUS = "#item-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "dismiss", "Close", id="item-close")
    ]

    def __init__(self, body: RenderableType) -> None:
        super().__init__()
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="item-body"):
            yield Static(self.body, id="item-text")
        yield Label("esc: close", id="item-hint")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
