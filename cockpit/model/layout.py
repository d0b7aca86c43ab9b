"""Layouts: which panes, where, showing which checklists, fed by which queries."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from cockpit.model.untrusted import Shown

_SIZE = re.compile(r"^\d+(fr|%)?$")


def _size(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if not isinstance(value, str) or not _SIZE.match(value):
        raise ValueError(f"a size is a number of cells, 'Nfr' or 'N%', not {value!r}")
    return value


Size = Annotated[str, BeforeValidator(_size)]
PaneKind = Literal["checklist", "timeline", "metric", "pods", "probes", "gate"]
NEEDS_CHECKLIST = ("checklist", "timeline", "gate")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Pane(_Frozen):
    id: str | None = Field(default=None, pattern=r"^[\w-]+$")
    kind: PaneKind
    title: Shown | None = None
    width: Size = "1fr"
    #: checklist and timeline panes: a name from the layout's `checklists`
    checklist: str | None = None
    #: metric panes: a name from `queries` (or PromQL itself) and the runbook metric
    #: whose success / rollback thresholds colour it (error_rate, p95_latency, …)
    query: str | None = None
    metric: str | None = None
    unit: Literal["ratio", "seconds", "count", "bytes", "cores"] | None = None
    #: gate panes: the checklist's gate to decide (default: its first)
    gate: str | None = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Pane:
        if self.kind in NEEDS_CHECKLIST and not self.checklist:
            raise ValueError(f"a {self.kind} pane needs 'checklist'")
        if self.kind == "metric" and not self.query:
            raise ValueError("a metric pane needs 'query'")
        return self


class Row(_Frozen):
    height: Size = "1fr"
    panes: list[Pane] = Field(min_length=1)


class Layout(_Frozen):
    title: Shown = Field(min_length=1)
    #: name → checklist: a name (NAME.yaml beside the layout, then in the checklist folders)
    #: or a path relative to the layout's folder, never outside it (cockpit.load.refs)
    checklists: dict[str, str] = Field(min_length=1)
    #: the checklist whose success criteria and rollback triggers judge the window
    rules: str | None = None
    queries: dict[str, str] = {}
    #: the query giving each version's requests per second over a short window: a version
    #: at 0 shows "no traffic" in the latency and error panes instead of the values their
    #: 5-minute rates still carry (blue right after the cutover)
    traffic: str | None = None
    #: defaults for ${placeholders} (service, app …); the configuration's `vars` win
    vars: dict[str, str] = {}
    #: the full-width alert banner (rollback triggers) above the panes
    banner: bool = True
    #: grid: all panes at once; deck: one pane at a time, `tab` turns the page
    mode: Literal["grid", "deck"] = "grid"
    #: below this terminal size the cockpit switches to the `compact` layout (a name in the
    #: layout folders, or a path like the checklists')
    compact: str | None = None
    min_width: int = Field(default=100, ge=20)
    min_height: int = Field(default=30, ge=10)
    #: the pane that has the keyboard when the cockpit starts (default: the first)
    focus: str | None = None
    rows: list[Row] = Field(min_length=1)

    @model_validator(mode="after")
    def _traffic_is_a_query(self) -> Layout:
        if self.traffic is not None and self.traffic not in self.queries:
            raise ValueError(f"traffic: no query {self.traffic!r} in queries")
        return self

    def panes(self) -> list[Pane]:
        return [pane for row in self.rows for pane in row.panes]

    def pane_ids(self) -> list[str]:
        """Every pane's id: its own, or kind plus position (`checklist-2`)."""
        return [pane.id or f"{pane.kind}-{n}" for n, pane in enumerate(self.panes(), 1)]
