"""What the cockpit knows at one moment; built only by `reduce`, read by the widgets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

from cockpit.model.approval import Approval
from cockpit.model.checklist import Runbook, Section
from cockpit.model.kube import KubeState
from cockpit.model.metrics import Metric

ItemKey = tuple[str, str]  # (checklist name, item id)
EMPTY: Mapping = MappingProxyType({})
#: an item's states: only `done` is done; skipped and not-applicable were decided, with a why
OPEN, DONE, SKIPPED, NOT_APPLICABLE = "open", "done", "skipped", "not-applicable"


def _empty() -> Mapping:
    return EMPTY


@dataclass(frozen=True)
class Note:
    text: str
    by: str
    at: str


@dataclass(frozen=True)
class ItemProgress:
    done: bool = False
    by: str | None = None  # None with done=True: ticked in the runbook itself
    at: str | None = None
    notes: tuple[Note, ...] = ()
    owner: str | None = None
    signed_by: str | None = None
    signed_as: str | None = None
    #: "" (open or done), SKIPPED or NOT_APPLICABLE; `by`/`at` say who decided it, when
    closed: str = ""
    reason: str = ""
    #: the operator who recorded a sign-off (`signed_by` is the person who signed)
    recorded_by: str | None = None

    @property
    def status(self) -> str:
        return DONE if self.done else self.closed or OPEN


@dataclass(frozen=True)
class Counts:
    """How a set of items stands: a skipped or not-applicable item is not done."""

    total: int = 0
    done: int = 0
    skipped: int = 0
    not_applicable: int = 0

    @property
    def open(self) -> int:
        return self.total - self.done - self.skipped - self.not_applicable

    def extra(self) -> str:
        """ ", 2 skipped, 1 n/a": what "done/total" alone would hide."""
        parts = [f"{self.skipped} skipped"] if self.skipped else []
        parts += [f"{self.not_applicable} n/a"] if self.not_applicable else []
        return "".join(f", {part}" for part in parts)


@dataclass(frozen=True)
class CheckState:
    status: str  # pass | fail | unknown
    detail: str = ""
    at: str = ""


@dataclass(frozen=True)
class SourceState:
    state: str  # not configured | connecting | ok | unreachable | error
    detail: str = ""
    since: str = ""
    last_ok: str = ""


@dataclass(frozen=True)
class AlertState:
    level: str
    message: str
    since: str = ""


@dataclass(frozen=True)
class LockState:
    state: str = "not configured"
    holder: str = ""
    detail: str = ""
    since: str = ""
    until: str = ""  # held: when the claim lapses unless renewed again

    def lapsed(self, now: str) -> bool:
        """A held claim not renewed in time: the holder's loop stalled (Ctrl+Z, a frozen
        VM), and another cockpit may have taken the lease over meanwhile."""
        if self.state != "held" or not self.until or not now:
            return False
        return datetime.fromisoformat(now) >= datetime.fromisoformat(self.until)

    def mine(self, own: str, now: str) -> bool:
        """This process (`own`) holds the lock now: its holder, the claim not lapsed."""
        return self.state == "held" and bool(own) and self.holder == own and not self.lapsed(now)

    def said(self, own: str, now: str) -> str:
        """The lock as it is, for "the window lock is …": "held by you" only when `own`,
        this process's identity, is the holder — another cockpit of the same user is not —
        and its claim has not lapsed by `now`."""
        holder = self.holder or "nobody"
        if self.state == "held" and own and self.holder == own:
            if self.lapsed(now):
                until = datetime.fromisoformat(self.until).astimezone(UTC)
                since = f"{until:%H:%M:%S}Z"
                return f"lapsed: not renewed by you ({own}) since {since}; another may hold it"
            return f"held by you ({own})"
        if self.state in ("held", "observer"):
            return f"held by {holder}"
        if self.state == "stale":
            return f"held by {holder}, who stopped renewing it"
        if self.state == "contended":
            return f"contended: {holder} wrote first"
        if self.state == "error":
            return f"unreadable ({self.detail})" if self.detail else "unreadable"
        return self.state


@dataclass(frozen=True)
class WindowState:
    """The window's verdict by the runbook's rules; "" until it was first judged."""

    state: str = ""
    reasons: tuple[str, ...] = ()
    since: str = ""
    #: each judged series' verdict, as the rules gave it: what the metric panes show
    series: tuple[Mapping[str, str], ...] = ()
    #: what the verdict was judged on, per rule and series (`cockpit.model.evidence`)
    evidence: tuple[Mapping, ...] = ()

    def mark(self, metric: str, series: str) -> Mapping[str, str] | None:
        return next(
            (m for m in self.series if m.get("metric") == metric and m.get("series") == series),
            None,
        )


@dataclass(frozen=True)
class GateState:
    """A gate's decision as journaled (`gate` records), criteria as {name, passed,
    reasons, notes}."""

    decision: str
    criteria: tuple[Mapping, ...] = ()
    since: str = ""


@dataclass(frozen=True)
class StepState:
    step: str
    status: str
    detail: str = ""
    at: str = ""


@dataclass(frozen=True)
class ActionState:
    """An action from its plan to its outcome; `outcome` "" while it is under way."""

    action: str
    target: str
    title: str
    by: str
    planned: str
    changes: tuple[str, ...] = ()
    preconditions: tuple[Mapping, ...] = ()
    params: Mapping[str, object] = field(default_factory=_empty)
    confirmed: str = ""
    overridden: tuple[str, ...] = ()
    override_reason: str = ""
    #: the operator's cancel of the running action: who, why, when ("" when none)
    aborted_by: str = ""
    abort_reason: str = ""
    aborted_at: str = ""
    steps: tuple[StepState, ...] = ()
    outcome: str = ""
    detail: str = ""

    @property
    def open(self) -> bool:
        return not self.outcome

    @property
    def last_step(self) -> StepState | None:
        return self.steps[-1] if self.steps else None


@dataclass(frozen=True)
class State:
    runbooks: Mapping[str, Runbook] = field(default_factory=_empty)
    progress: Mapping[ItemKey, ItemProgress] = field(default_factory=_empty)
    checks: Mapping[ItemKey, CheckState] = field(default_factory=_empty)
    sources: Mapping[str, SourceState] = field(default_factory=_empty)
    alerts: Mapping[str, AlertState] = field(default_factory=_empty)
    now: str | None = None
    focus: str | None = None
    cursors: Mapping[str, str] = field(default_factory=_empty)
    filters: Mapping[str, str] = field(default_factory=_empty)
    collapsed: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    size: tuple[int, int] | None = None
    kube: KubeState = field(default_factory=KubeState)
    lock: LockState = field(default_factory=LockState)
    metrics: Mapping[str, Metric] = field(default_factory=_empty)
    window: WindowState = field(default_factory=WindowState)
    #: (checklist, gate id) → its decision as the engine journaled it
    gates: Mapping[tuple[str, str], GateState] = field(default_factory=_empty)
    actions: Mapping[str, ActionState] = field(default_factory=_empty)
    #: the window's four-eyes approval object as last seen (None: there is none)
    approval: Approval | None = None

    def running_action(self) -> tuple[str, ActionState] | None:
        """The confirmed action not yet finished: at most one runs at a time."""
        return next(((k, a) for k, a in self.actions.items() if a.open and a.confirmed), None)

    def item_progress(self, checklist: str, item: str) -> ItemProgress:
        return self.progress.get((checklist, item), _NOT_DONE)

    def is_done(self, checklist: str, item: str) -> bool:
        return self.item_progress(checklist, item).done

    def section_progress(self, checklist: str, section: Section) -> tuple[int, int]:
        """(done, total) over the section's items and subsections."""
        items = [i.id for i in section.walk_items()]
        return sum(self.is_done(checklist, i) for i in items), len(items)

    def checklist_progress(self, checklist: str) -> tuple[int, int]:
        items = [i.id for i in self.runbooks[checklist].walk_items()]
        return sum(self.is_done(checklist, i) for i in items), len(items)

    def counts(self, checklist: str, section: Section | None = None) -> Counts:
        """Done, skipped, not applicable and open over a section, or the whole checklist."""
        items = (section or self.runbooks[checklist]).walk_items()
        states = [self.item_progress(checklist, i.id).status for i in items]
        return Counts(
            total=len(states),
            done=states.count(DONE),
            skipped=states.count(SKIPPED),
            not_applicable=states.count(NOT_APPLICABLE),
        )


_NOT_DONE = ItemProgress()


def initial_state(runbooks: Mapping[str, Runbook], **view: object) -> State:
    """Items the runbook already marks `[x]` start done, ticked by nobody in particular."""
    progress = {
        (name, item.id): ItemProgress(done=True)
        for name, runbook in runbooks.items()
        for item in runbook.walk_items()
        if item.done
    }
    return State(
        runbooks=MappingProxyType(dict(runbooks)), progress=MappingProxyType(progress), **view
    )
