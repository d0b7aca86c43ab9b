"""A runbook as a foldable, filterable list; only the visible lines are rendered.

An item is open `[ ]`, done `[x]`, skipped `[s]` (with a reason, asked) or not applicable
`[-]` (a reason may be given); space ticks an open item and reopens any other. A
closed-loop item (one with an automated check) may be skipped too — its check cannot
always run from where the operator sits — but its check goes on and its live result stays
beside the `[s]`: a skip never hides a failing check, and a gate still counts it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType

from cockpit.model import events as ev
from cockpit.model.checklist import Item
from cockpit.model.layout import Pane as PaneSpec
from cockpit.model.reduce import done_parent, open_children
from cockpit.model.state import DONE, NOT_APPLICABLE, OPEN, SKIPPED, ItemProgress, State
from cockpit.ui.checklist_rows import Row, checklist_rows
from cockpit.ui.inline import inline
from cockpit.ui.widgets.pane import clock
from cockpit.ui.widgets.rows_pane import RowsPane

STALE_AFTER = timedelta(minutes=5)
CHECK_LABEL = {"pass": "ok", "fail": "FAIL", "unknown": "?"}
BOX = {DONE: "[x]", SKIPPED: "[s]", NOT_APPLICABLE: "[-]", OPEN: "[ ]"}
STATUS_STYLE = {DONE: "done", SKIPPED: "skipped", NOT_APPLICABLE: "done"}


class ChecklistPane(RowsPane):
    """Cursor, folds and filter live in the cockpit state, so replay shows them too."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle", "Tick", id="tick"),
        Binding("enter,l,h", "open", "Open / fold", show=False, id="open"),
        Binding("n", "note", "Note", id="note"),
        Binding("a", "assign", "Assign", show=False, id="assign"),
        Binding("s", "sign", "Sign off", show=False, id="sign-off"),
        Binding("S", "skip", "Skip (why)", show=False, id="skip"),
        Binding("minus", "not_applicable", "Mark n/a", show=False, id="not-applicable"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "checklist-pane--section",
        "checklist-pane--done",
        "checklist-pane--skipped",
        "checklist-pane--meta",
        "checklist-pane--critical",
        "checklist-pane--pass",
        "checklist-pane--fail",
        "checklist-pane--unknown",
    }

    def __init__(self, pane_id: str, spec: PaneSpec, state: State, tz: tzinfo | None) -> None:
        super().__init__(id=pane_id, classes="pane")
        self.setup_pane(pane_id, spec, state, tz)
        self.checklist = spec.checklist or ""
        self.runbook = state.runbooks[self.checklist]
        self.rows: list[Row] = []
        self.rebuild()

    def build_rows(self) -> list[Row]:
        return checklist_rows(self.runbook, self.checklist, self.state, self.needle)

    def title(self) -> str:
        counts = self.state.counts(self.checklist)
        done, total = counts.done, counts.total
        percent = f" {100 * done // total}%" if total else ""
        return f"{self.spec.title or self.runbook.title} {done}/{total}{percent}{counts.extra()}"

    def affected(self, old: State, new: State) -> bool:
        return (
            old.progress is not new.progress
            or old.checks is not new.checks
            or old.collapsed is not new.collapsed
            or self.view_changed(old, new)
            or (old.now or "")[:16] != (new.now or "")[:16]
        )

    def line_for(self, row: Row, width: int) -> tuple[Text, Text]:
        return self._section_line(row) if row.section else self._item_line(row)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"checklist-pane--{name}", partial=True)

    def _section_line(self, row: Row) -> tuple[Text, Text]:
        section = row.section
        assert section is not None
        folded = (self.checklist, section.id) in self.state.collapsed and not self.needle
        counts = self.state.counts(self.checklist, section)
        done, total = counts.done, counts.total
        marker = "▸" if folded else "▾"
        left = Text(f"{'  ' * row.depth}{marker} ", style=self._style("section"))
        left.append_text(inline(section.title, self._style("section")))
        tick = "✔" if total and done == total else " "
        right = Text(f"{done}/{total}{counts.extra()} {tick}", style=self._style("meta"))
        return left, right

    def _item_line(self, row: Row) -> tuple[Text, Text]:
        item = row.item
        assert item is not None
        progress = self.state.item_progress(self.checklist, item.id)
        status = progress.status
        left = Text(f"{'  ' * row.depth}{BOX[status]} ")
        if item.critical:
            left.append("! ", style=self._style("critical"))
        look = STATUS_STYLE.get(status)
        left.append_text(inline(item.text, self._style(look) if look else Style()))
        right = Text()
        if progress.notes:
            right.append(f"✎{len(progress.notes)} ", style=self._style("meta"))
        if progress.owner and status == OPEN:
            right.append(f"@{progress.owner} ", style=self._style("meta"))
        if status != OPEN:
            right.append(self._who(progress) + " ", style=self._style("meta"))
        elif item.due is not None:
            right.append(f"{item.due} ", style=self._style("meta"))
        if item.check is not None:
            right.append_text(self._check_badge(item.id))
        return left, right.rstrip() or right

    def _who(self, progress: ItemProgress) -> str:
        """Who closed the item and when; a skip or an n/a says which it is."""
        label = {SKIPPED: "skipped ", NOT_APPLICABLE: "n/a "}.get(progress.status, "")
        who = progress.by or "runbook"
        return f"{label}{who} {clock(progress.at, self.tz)}".strip()

    def _check_badge(self, item_id: str) -> Text:
        result = self.state.checks.get((self.checklist, item_id))
        if result is None:
            return Text("[?]", style=self._style("unknown"))
        if result.at and self.state.now:
            age = datetime.fromisoformat(self.state.now) - datetime.fromisoformat(result.at)
            if age > STALE_AFTER:
                return Text("[stale]", style=self._style("unknown"))
        label = CHECK_LABEL.get(result.status, result.status)
        return Text(
            f"[{label}]",
            style=self._style(result.status if result.status in CHECK_LABEL else "unknown"),
        )

    # --- keys → events ---------------------------------------------------------------------

    def _item_or_fold(self) -> Item | None:
        """The item under the cursor; on a section, fold or unfold it instead."""
        row = self.current
        if row is not None and row.section is not None:
            self.action_fold()
            return None
        return row.item if row is not None else None

    def action_toggle(self) -> None:
        item = self._item_or_fold()
        if item is None:
            return
        status = self.state.item_progress(self.checklist, item.id).status
        if self._refused(item, status):
            return
        if item.role and status == OPEN:
            self.action_sign()
            return
        kind = ev.Tick if status == OPEN else ev.Untick  # a skipped item reopens first
        self.emit(kind(item=item.id, **self._stamp()))

    def _refused(self, item: Item, status: str) -> bool:
        """A parent is not ticked over open children, nor a child reopened under a done
        parent (the reducer refuses both too): said with the items in the way, as the pane
        shows them (no Markdown)."""
        if status == OPEN:
            children = open_children(self.state, self.checklist, item.id)
            if not children:
                return False
            more = f" and {len(children) - 3} more" if len(children) > 3 else ""
            named = ", ".join(inline(c.text).plain for c in children[:3]) + more
            message = f"not ticked: {inline(item.text).plain} has {len(children)} open: {named}"
        else:
            parent = done_parent(self.state, self.checklist, item.id)
            if parent is None:
                return False
            message = (
                f"not reopened: {inline(item.text).plain} is under "
                f"{inline(parent.text).plain}, done (reopen it first)"
            )
        self.emit(ev.Notice(level="warning", message=message, at=self.state.now or ""))
        return True

    def action_open(self) -> None:
        """Enter: a section folds or unfolds, an item shows everything about it."""
        item = self._item_or_fold()
        if item is None:
            return
        from cockpit.ui.screens.item import ItemScreen, describe

        progress = self.state.item_progress(self.checklist, item.id)
        check = self.state.checks.get((self.checklist, item.id))
        self.app.push_screen(ItemScreen(describe(item, progress, check, self.tz)))

    def action_fold(self) -> None:
        row = self.current
        if row is None or row.section is None or self.needle:
            return
        folded = (self.checklist, row.section.id) in self.state.collapsed
        self.emit(
            ev.Collapse(checklist=self.checklist, section=row.section.id, collapsed=not folded)
        )

    def _item_prompt(self, title: str, make, initial: str = "") -> None:
        row = self.current
        if row is None or row.item is None:
            return
        from cockpit.ui.screens.prompt import Prompt

        item_id = row.item.id

        def done(text: str | None) -> None:
            if text:
                self.emit(make(item_id, text))

        self.app.push_screen(Prompt(title, row.item.text, initial), done)

    def _stamp(self) -> dict[str, str]:
        """Who and when, for an event this operator causes now."""
        return {"checklist": self.checklist, "by": self.app.operator, "at": self.state.now or ""}

    def action_note(self) -> None:
        self._item_prompt(
            "Note", lambda item, text: ev.AddNote(item=item, text=text, **self._stamp())
        )

    def action_assign(self) -> None:
        self._item_prompt(
            "Assign to", lambda item, owner: ev.Assign(item=item, owner=owner, **self._stamp())
        )

    def _open_item(self) -> Item | None:
        """The open item under the cursor, to skip or mark n/a; any other is said why not."""
        row = self.current
        if row is None or row.item is None:
            return None
        status = self.state.item_progress(self.checklist, row.item.id).status
        if status != OPEN:
            message = f"{row.item.text}: already {status} (space reopens it)"
            self.emit(ev.Notice(level="warning", message=message, at=self.state.now or ""))
            return None
        return row.item

    def action_skip(self) -> None:
        """Skipping needs a reason: without one the item stays open, and that is said."""
        item = self._open_item()
        if item is None:
            return
        from cockpit.ui.screens.prompt import Prompt

        def done(reason: str | None) -> None:
            if reason:
                self.emit(ev.Skip(item=item.id, reason=reason, **self._stamp()))
            else:
                message = f"not skipped: {item.text} (a skip needs a reason)"
                self.emit(ev.Notice(level="warning", message=message, at=self.state.now or ""))

        needed = "a skip needs a reason (esc: keep the item open)"
        prompt = Prompt("Skip — why? (esc: keep it open)", item.text, required=needed)
        self.app.push_screen(prompt, done)

    def action_not_applicable(self) -> None:
        """Not applicable, with a reason if the operator gives one (esc keeps it open)."""
        item = self._open_item()
        if item is None:
            return
        from cockpit.ui.screens.prompt import Prompt

        def done(reason: str | None) -> None:
            if reason is not None:
                self.emit(ev.NotApplicable(item=item.id, reason=reason, **self._stamp()))
            else:
                message = f"not marked not applicable: {item.text}"
                self.emit(ev.Notice(level="information", message=message, at=self.state.now or ""))

        prompt = Prompt("Not applicable — why? (may stay empty)", item.text, optional=True)
        self.app.push_screen(prompt, done)

    def action_sign(self) -> None:
        """Only a runbook's sign-off role is signed for; any other item is ticked."""
        row = self.current
        if row is None or row.item is None:
            return
        role = row.item.role
        if not role:
            message = f"not a sign-off item: {row.item.text} (space ticks it)"
            self.emit(ev.Notice(level="warning", message=message, at=self.state.now or ""))
            return
        if self._refused(row.item, OPEN):
            return
        self._item_prompt(
            f"Sign off as {role} — your name",
            lambda item, name: ev.SignOff(
                checklist=self.checklist,
                item=item,
                name=name,
                role=role,
                at=self.state.now or "",
                by=self.app.operator,
            ),
            initial=self.app.operator,
        )
