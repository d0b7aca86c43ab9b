"""A pane of keyed rows with a cursor: only the visible lines are ever rendered.

The cursor is a row key kept in the cockpit state (so replay shows it); moving it is an
event. Subclasses say which rows there are and how one row reads (left and right part).
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Click
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cockpit.model import events as ev
from cockpit.model.state import State
from cockpit.ui.widgets.pane import PaneMixin


class Keyed(Protocol):
    key: str


def _one_line(text: Text) -> Text:
    """A row is one line of cells: a newline or tab in its text (a multi-line runbook
    item, a pod reason) would reach the terminal raw and move its cursor. Shown instead."""
    plain = text.plain
    if "\n" in plain or "\t" in plain:
        text.plain = plain.replace("\n", "\u240a").replace("\t", "\u2409")  # same length
    return text


class RowsPane(PaneMixin, ScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "move(1)", "Down", show=False, id="cursor-down"),
        Binding("k,up", "move(-1)", "Up", show=False, id="cursor-up"),
        Binding("pagedown,ctrl+d", "page(1)", "Page down", show=False, id="page-down"),
        Binding("pageup,ctrl+u", "page(-1)", "Page up", show=False, id="page-up"),
        Binding("g,home", "edge(-1)", "Top", show=False, id="top"),
        Binding("G,end", "edge(1)", "Bottom", show=False, id="bottom"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"rows-pane--cursor"}

    @property
    def rows(self) -> list[Keyed]:
        return self._rows

    @rows.setter
    def rows(self, rows: list[Keyed]) -> None:
        """Rows and where each key stands: the cursor is looked up on every painted line."""
        self._rows = rows
        self._at = {row.key: index for index, row in enumerate(rows)}

    def build_rows(self) -> list[Keyed]:
        raise NotImplementedError

    def line_for(self, row: Keyed, width: int) -> tuple[Text, Text]:
        """The row's left part (truncated to fit) and right part (kept whole)."""
        raise NotImplementedError

    def title(self) -> str:
        return self.spec.title or self.pane_id

    def render_empty(self) -> Text:
        """The first line when there are no rows."""
        return Text("nothing to show", style="dim")

    # --- state → rows ----------------------------------------------------------------------

    @property
    def cursor(self) -> str | None:
        key = self.state.cursors.get(self.pane_id)
        if key in self._at:
            return key
        return self.rows[0].key if self.rows else None

    @property
    def needle(self) -> str:
        return self.state.filters.get(self.pane_id, "")

    def view_changed(self, old: State, new: State) -> bool:
        """The filter changes which rows there are; the cursor only where the eye is."""
        return old.filters.get(self.pane_id) != new.filters.get(self.pane_id)

    def show(self, state: State) -> None:
        old, self.state = self.state, state
        if self.affected(old, state):
            self.repaint()
        elif old.cursors.get(self.pane_id) != state.cursors.get(self.pane_id):
            self._follow_cursor()  # the rows stand: no rebuild for a moved cursor
            self.refresh()

    def repaint(self) -> None:
        self.rebuild()
        self._follow_cursor()
        self.refresh()

    def rebuild(self) -> None:
        self.rows = self.build_rows()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows))
        # titles hold runbook text and what the operator typed: text, never markup
        self.border_title = Content(self.title())
        self.border_subtitle = Content(f"/{self.needle}" if self.needle else "")

    def _follow_cursor(self) -> None:
        index = self._at.get(self.cursor or "")
        if index is not None:
            self.scroll_to_region(Region(0, index, 1, 1), animate=False)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows))
        self._follow_cursor()

    # --- rendering -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if not self.rows and y == 0:
            row, (left, right) = None, (self.render_empty(), Text())
        elif index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        else:
            row = self.rows[index]
            left, right = self.line_for(row, width)
        left, right = _one_line(left), _one_line(right)
        room = max(width - right.cell_len - 1, 8)
        left.truncate(room, overflow="ellipsis", pad=True)
        line = Text.assemble(left, " ", right)
        line.truncate(width, overflow="ellipsis", pad=True)
        base = self.rich_style
        if row is not None and row.key == self.cursor:
            base = base + (
                self.get_component_rich_style("rows-pane--cursor")
                if self.has_focus
                else Style(reverse=True)
            )
        segments = [
            Segment(s.text, base + s.style if s.style else base)
            for s in line.render(self.app.console, end="")
        ]
        return Strip(segments, width).crop(0, width)

    # --- keys → events ---------------------------------------------------------------------

    @property
    def current(self) -> Keyed | None:
        index = self._at.get(self.cursor or "")
        return None if index is None else self.rows[index]

    def action_move(self, step: int) -> None:
        if not self.rows:
            return
        here = self._at.get(self.cursor or "", 0)
        target = self.rows[min(max(here + step, 0), len(self.rows) - 1)].key
        if target != self.state.cursors.get(self.pane_id):
            self.emit(ev.MoveCursor(pane=self.pane_id, row=target))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(self.size.height - 1, 1))

    def action_edge(self, direction: int) -> None:
        self.action_move(direction * len(self.rows))

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = offset.y + self.scroll_offset.y
        if 0 <= index < len(self.rows) and self.rows[index].key != self.cursor:
            self.emit(ev.MoveCursor(pane=self.pane_id, row=self.rows[index].key))
