"""The runbook as data: sections, items, automated checks, rules and the T-0 timeline.

Pure and immutable: loaders build it, the reducer reads it, nothing here does I/O.
Its text (`Shown`) has escape sequences made visible however it was loaded: Markdown,
YAML, or the checklists a journal's `session.start` carries.
Progress (who ticked what, when) lives in the cockpit's state, not here; `done` is the
runbook's own starting value (`- [x]` in the Markdown).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cockpit.model.units import Compare, Duration, Expectation, When
from cockpit.model.untrusted import Shown

ID_PATTERN = r"^[\w.-]+(/[\w.-]+)*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, min_length=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class CodeBlock(_Frozen):
    """A fenced block from the runbook, e.g. the `kubectl patch` an item refers to."""

    lang: Shown = ""
    code: Shown


# --- checks: one kind each, discriminated by `kind` --------------------------------------
# Text fields may hold ${placeholders} (namespace, service, base_url, …) that the
# configuration fills in, so one checklist serves staging and production.


class HttpCheck(_Frozen):
    kind: Literal["http"]
    url: str = Field(min_length=1)
    method: Literal["GET", "HEAD"] = "GET"
    expect: Expectation = Compare(left="status", op="==", right=200)
    #: validate the body as Prometheus exposition or as an SSE stream
    body: Literal["prometheus", "sse"] | None = None
    timeout: Duration = timedelta(seconds=5)


class PrometheusCheck(_Frozen):
    kind: Literal["prometheus"]
    query: str = Field(min_length=1)
    expect: Expectation


class KubeCheck(_Frozen):
    """`expect` names a fact of the matched objects: ready, desired, count, selector.<label>."""

    kind: Literal["kube"]
    resource: Literal["pods", "deployment", "service", "endpoints", "namespace"]
    namespace: str | None = None
    name: str | None = None
    selector: dict[str, str] = {}
    expect: Expectation


class PostgresCheck(_Frozen):
    """No `expect`: the probe's answer must be true (e.g. the database exists)."""

    kind: Literal["postgres"]
    probe: Literal[
        "connect",
        "server_version",
        "alembic_revision",
        "database_exists",
        "role_privileges",
        "backup_age",
        "long_queries",
        "blocking_locks",
        "replication_active",
    ]
    params: dict[str, str | int | float] = {}
    expect: Expectation | None = None


class CommandCheck(_Frozen):
    """Runs as an argument list, never through a shell."""

    kind: Literal["command"]
    argv: list[str] = Field(min_length=1)
    expect: Expectation = Compare(left="exit", op="==", right=0)
    timeout: Duration = timedelta(seconds=60)


Check = Annotated[
    HttpCheck | PrometheusCheck | KubeCheck | PostgresCheck | CommandCheck,
    Field(discriminator="kind"),
]
CHECK_KINDS = ("http", "prometheus", "kube", "postgres", "command")


# --- the checklist ------------------------------------------------------------------------


class Item(_Frozen):
    id: Id
    text: Shown = Field(min_length=1)
    done: bool = False
    role: Shown | None = None
    due: When | None = None
    critical: bool = False
    context: list[CodeBlock] = []
    details: list[Shown] = []
    check: Check | None = None
    items: list[Item] = []

    def walk(self) -> Iterator[Item]:
        yield self
        for child in self.items:
            yield from child.walk()


class Section(_Frozen):
    id: Id
    title: Shown
    context: list[CodeBlock] = []
    notes: list[Shown] = []
    items: list[Item] = []
    sections: list[Section] = []

    def walk_sections(self) -> Iterator[Section]:
        yield self
        for sub in self.sections:
            yield from sub.walk_sections()

    def walk_items(self) -> Iterator[Item]:
        """Every item of this section and its subsections, depth first."""
        for item in self.items:
            yield from item.walk()
        for sub in self.sections:
            yield from sub.walk_items()


class Rule(_Frozen):
    """A success criterion or rollback trigger; no metric means a human decides.

    `shadow: true` runs a rule report-only: judged, its evidence journaled and shown as
    "shadow", but it never holds the window, fires a rollback or fails a soak — a new
    threshold tried out before it is trusted.
    """

    name: Shown = Field(min_length=1)
    metric: str | None = None
    condition: Expectation | None = None
    for_: Duration = Field(default=timedelta(0), alias="for")
    shadow: bool = False

    @model_validator(mode="after")
    def _metric_needs_condition(self) -> Rule:
        if (self.metric is None) != (self.condition is None):
            raise ValueError(
                "'metric' and 'condition' go together (leave both out for a manual rule)"
            )
        return self

    @property
    def manual(self) -> bool:
        return self.metric is None


#: the cockpit's actions, as their plans name them
Action = Literal["cutover", "rollback-selector", "rollback-helm", "backup", "restore-test"]


class TimelineStep(_Frozen):
    """A step of the T-0 plan. It is done on evidence only: its section's items done, or
    `action` (e.g. `cutover`) run to success, whenever that happened — never by its hour
    passing."""

    at: When
    until: When | None = None
    title: Shown = Field(min_length=1)
    section: str | None = None
    action: Action | None = None


class GateCriterion(_Frozen):
    """One decision criterion: items that must be done (and not failing), the window's rules.

    `requires` names items or whole sections; `window: true` asks for the runbook's
    success criteria to hold now (window state OK).
    """

    name: Shown = Field(min_length=1)
    requires: list[str] = []
    window: bool = False

    @model_validator(mode="after")
    def _something_to_decide(self) -> GateCriterion:
        if not self.requires and not self.window:
            raise ValueError("a criterion needs 'requires' (items or sections) or 'window: true'")
        return self


class Gate(_Frozen):
    """A go/no-go decision (the plan's 11:00 meeting): GO only when every criterion holds."""

    id: Id
    title: Shown = Field(min_length=1)
    section: str | None = None
    criteria: list[GateCriterion] = Field(min_length=1)


class Runbook(_Frozen):
    title: Shown = Field(min_length=1)
    version: Shown | None = None
    environment: Shown | None = None
    date: Shown | None = None
    meta: dict[Shown, Shown] = {}
    notes: list[Shown] = []
    success: list[Rule] = []
    rollback_triggers: list[Rule] = []
    timeline: list[TimelineStep] = []
    gates: list[Gate] = []
    sections: list[Section] = []

    @model_validator(mode="before")
    @classmethod
    def _yaml_scalars_as_text(cls, data: Any) -> Any:
        # `version: 3.0` and `date: 2025-10-09` are text to a runbook, not float and date
        if isinstance(data, dict):
            for key in ("version", "date"):
                value = data.get(key)
                if value is not None and not isinstance(value, str | bool | list | dict):
                    data = {**data, key: str(value)}
        return data

    def walk_sections(self) -> Iterator[Section]:
        for section in self.sections:
            yield from section.walk_sections()

    def walk_items(self) -> Iterator[Item]:
        for section in self.sections:
            yield from section.walk_items()

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.walk_items() if i.id == item_id), None)

    def parent(self, item_id: str) -> Item | None:
        """The item `item_id` is nested under; None for one directly in a section."""
        return next((i for i in self.walk_items() if any(c.id == item_id for c in i.items)), None)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.walk_sections() if s.id == section_id), None)

    def gate(self, gate_id: str | None = None) -> Gate | None:
        """The gate with that id, or the runbook's first when no id is given."""
        return next((g for g in self.gates if gate_id in (None, g.id)), None)

    def summary(self) -> tuple[int, int, int]:
        """(items, done, sections), counting nested ones."""
        items = list(self.walk_items())
        return len(items), sum(i.done for i in items), sum(1 for _ in self.walk_sections())
