"""Everything that happens to the cockpit, as small immutable facts.

Each event class has a stable `kind` (the journal's record kind) and serialises to a flat
JSON object of its fields. Renaming a field or a kind breaks old journals: add, never
change. Times are RFC 3339 UTC strings, set by whoever emits the event (never by the
reducer), so replaying an event gives the same state as living it.

Every text an event carries is cleaned when the event is made (`cockpit.model.untrusted`):
what a server, a cluster or an old journal said arrives with its escape sequences shown,
not obeyed, and its credentials redacted — live, in the journal, in replay and exports.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

from cockpit.model.untrusted import clean_fields, one_line

EVENTS: dict[str, type[Event]] = {}


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            if cls.kind in EVENTS:
                raise TypeError(f"event kind {cls.kind!r} defined twice")
            EVENTS[cls.kind] = cls

    def __post_init__(self) -> None:
        """Outside text in, clean text kept: each field's strings, nested ones too."""
        clean_fields(self)

    def to_data(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def from_record(kind: str, data: dict[str, Any]) -> Event:
    """The event a journal record holds; unknown fields are ignored (newer journals)."""
    cls = EVENTS.get(kind)
    if cls is None:
        raise ValueError(f"unknown event kind {kind!r}")
    names = {f.name for f in fields(cls)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
    return cls(**values)


# --- checklist -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick(Event):
    kind: ClassVar[str] = "item.tick"
    checklist: str
    item: str
    by: str
    at: str


@dataclass(frozen=True)
class Untick(Event):
    kind: ClassVar[str] = "item.untick"
    checklist: str
    item: str
    by: str
    at: str


@dataclass(frozen=True)
class AddNote(Event):
    kind: ClassVar[str] = "item.note"
    checklist: str
    item: str
    text: str
    by: str
    at: str


@dataclass(frozen=True)
class Assign(Event):
    kind: ClassVar[str] = "item.assign"
    checklist: str
    item: str
    owner: str
    by: str
    at: str


@dataclass(frozen=True)
class SignOff(Event):
    """A named person in a role signs an item (e.g. "Technical Lead: ____"); ticks it.

    `name` is who signs, as typed; `by` the operator who recorded it ("" in journals from
    before it was kept)."""

    kind: ClassVar[str] = "item.signoff"
    checklist: str
    item: str
    name: str
    role: str
    at: str
    by: str = ""


@dataclass(frozen=True)
class Skip(Event):
    """The item was not done, on purpose, and this is why: it stays not done (a gate that
    needs it says so), and the report lists it with its reason."""

    kind: ClassVar[str] = "item.skip"
    checklist: str
    item: str
    reason: str
    by: str
    at: str


@dataclass(frozen=True)
class NotApplicable(Event):
    """The item does not apply to this window (no replica, no SSE …): not done, but it no
    longer holds a gate up; who decided it, when, and why if they said."""

    kind: ClassVar[str] = "item.na"
    checklist: str
    item: str
    by: str
    at: str
    reason: str = ""


# --- time and view -------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockTick(Event):
    kind: ClassVar[str] = "clock"
    now: str


@dataclass(frozen=True)
class Focus(Event):
    kind: ClassVar[str] = "view.focus"
    pane: str


@dataclass(frozen=True)
class MoveCursor(Event):
    """The cursor of a pane now rests on the row with this key."""

    kind: ClassVar[str] = "view.cursor"
    pane: str
    row: str


@dataclass(frozen=True)
class SetFilter(Event):
    kind: ClassVar[str] = "view.filter"
    pane: str
    text: str


@dataclass(frozen=True)
class Collapse(Event):
    kind: ClassVar[str] = "view.collapse"
    checklist: str
    section: str
    collapsed: bool


@dataclass(frozen=True)
class Resize(Event):
    kind: ClassVar[str] = "resize"
    width: int
    height: int


# --- sources -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceStatus(Event):
    """How a data source is doing: not configured, connecting, ok, unreachable …"""

    kind: ClassVar[str] = "source.status"
    source: str
    state: str
    detail: str = ""
    at: str = ""


@dataclass(frozen=True)
class CheckResult(Event):
    """An automated check's verdict on an item: pass, fail or unknown (with why)."""

    kind: ClassVar[str] = "check"
    checklist: str
    item: str
    status: str
    detail: str = ""
    at: str = ""


@dataclass(frozen=True)
class Alert(Event):
    """A banner: raised with a message, cleared with an empty one."""

    kind: ClassVar[str] = "alert"
    key: str
    level: str
    message: str
    at: str = ""


@dataclass(frozen=True)
class KubeObserved(Event):
    """Objects of one kind as the API reported them: a whole list, or one watch change.

    `items` hold only the facts the cockpit shows (see `cockpit.model.kube`), not whole
    API objects, so hours of watching stay small in the journal.
    """

    kind: ClassVar[str] = "observe.kube"
    resource: str  # pods | services | endpointslices | deployments | leases
    change: str  # LIST | ADDED | MODIFIED | DELETED
    items: tuple[dict, ...]
    at: str = ""


@dataclass(frozen=True)
class LockStatus(Event):
    """Who holds the window lock, as this cockpit last saw it."""

    kind: ClassVar[str] = "lock"
    state: str  # held | observer | stale | contended | error | not configured
    holder: str
    detail: str = ""
    at: str = ""
    until: str = ""  # held: when the claim lapses unless renewed again


@dataclass(frozen=True)
class LockTakeover(Event):
    """The operator confirmed taking a stale window lock from its holder."""

    kind: ClassVar[str] = "lock.takeover"
    previous: str
    by: str
    at: str = ""
    reason: str = ""  # why it was taken ("" in journals from before it was asked)


@dataclass(frozen=True)
class MetricObserved(Event):
    """Prometheus's answer to one query: an instant vector, or a range for the backfill.

    `samples` hold {labels, t, value} with the value as Prometheus wrote it ("NaN" too).
    """

    kind: ClassVar[str] = "observe.metric"
    metric: str
    samples: tuple[dict, ...]
    instant: bool = True
    at: str = ""


@dataclass(frozen=True)
class WindowJudged(Event):
    """The runbook's rules over the metrics: OK, HOLD or ROLLBACK, and why not OK."""

    kind: ClassVar[str] = "window"
    state: str
    reasons: tuple[str, ...] = ()
    at: str = ""
    #: per series: {metric, series, state (OK/HOLD/PENDING/ROLLBACK), why}
    series: tuple[dict[str, str], ...] = ()
    #: what each rule (and comparison) was judged on: query, samples, threshold, `for`,
    #: since, state (`cockpit.model.evidence`); absent from journals before it existed
    evidence: tuple[dict, ...] = ()


@dataclass(frozen=True)
class GateDecided(Event):
    """A go/no-go gate's decision, derived by the engine whenever what it reads changed,
    and journaled: the pane, the cutover's precondition and a replay read this record, not
    a decision remade at each paint."""

    kind: ClassVar[str] = "gate"
    checklist: str
    gate: str
    decision: str
    #: per criterion: {name, passed, reasons, notes}
    criteria: tuple[dict, ...] = ()
    at: str = ""


# --- actions: cutover, rollback, backup — each step a fact in the journal -----------------


@dataclass(frozen=True)
class ActionPlanned(Event):
    """What an action will change, computed from the live state, as the preview shows it.

    `preconditions` hold {name, status: passed|failed|unknown, detail}.
    """

    kind: ClassVar[str] = "action.plan"
    id: str
    action: str  # cutover | rollback-selector | rollback-helm | restore | backup
    target: str
    title: str
    changes: tuple[str, ...] = ()
    preconditions: tuple[dict, ...] = ()
    #: what executing and verifying need to know again after a restart (service, colour …)
    params: dict = field(default_factory=dict)
    by: str = ""
    at: str = ""


@dataclass(frozen=True)
class ActionConfirmed(Event):
    """The operator typed the target (or `override <target>`): journaled before execution.

    `reason`: why the failed preconditions were overridden (asked for each override)."""

    kind: ClassVar[str] = "action.confirm"
    id: str
    by: str
    overridden: tuple[str, ...] = ()
    at: str = ""
    reason: str = ""


@dataclass(frozen=True)
class ActionStep(Event):
    """One step of an executing action: running, done or failed, with what was seen."""

    kind: ClassVar[str] = "action.step"
    id: str
    step: str  # dry-run | execute | verify | soak | dump | checksum | retention | …
    status: str  # running | done | failed
    detail: str = ""
    at: str = ""
    #: a soak that failed on the window: the evidence items that failed it
    evidence: tuple[dict, ...] = ()


@dataclass(frozen=True)
class ActionAbort(Event):
    """The operator asked a running action to stop at its next safe point, saying why; its
    outcome (`action.end`) follows from the action itself."""

    kind: ClassVar[str] = "action.abort"
    id: str
    by: str
    reason: str
    at: str = ""


@dataclass(frozen=True)
class ActionFinished(Event):
    """The outcome: succeeded, failed, cancelled (before or at a safe point), interrupted,
    inconclusive (done, but its health could not be judged: a person decides)."""

    kind: ClassVar[str] = "action.result"
    id: str
    outcome: str
    detail: str = ""
    at: str = ""


#: journals written before 2026-12-03 called the outcome `action.end`; still read
EVENTS["action.end"] = ActionFinished
RESULT_KINDS = ("action.result", "action.end")


@dataclass(frozen=True)
class Notice(Event):
    """What the cockpit told the operator in passing ("not now: read-only mode"): shown as
    a toast, kept in the journal — a refused key is evidence too."""

    kind: ClassVar[str] = "notice"
    level: str  # information | warning | error
    message: str
    at: str


# --- four-eyes approval: the window's approval object, and what the cockpits did with it ---


@dataclass(frozen=True)
class OneLineEvent(Event):
    """An event whose texts are one line each: a title, a name or a reason from the
    approval object is outside text, and a newline in it would draw a fake line in the
    banner, a toast or the report. A tuple (the preview) keeps its lines."""

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in (f.name for f in fields(self)):
            value = getattr(self, name)
            if isinstance(value, str) and (flat := one_line(value)) != value:
                object.__setattr__(self, name, flat)


@dataclass(frozen=True)
class ApprovalRequested(OneLineEvent):
    """The window's approval object asks for a second operator's approval of a plan (seen
    through the watch, in every cockpit on the window, the requester's too)."""

    kind: ClassVar[str] = "approval.request"
    request: str  # the requesting cockpit's action id
    action: str
    target: str
    title: str
    digest: str  # sha256 of the plan (cockpit.model.approval.plan_digest)
    requester: str
    requester_identity: str = ""
    valid_for: int = 0  # seconds an approval holds once given
    requester_login: str = ""  # the requester's OS account (new: older journals lack it)
    preview: tuple[str, ...] = ()
    resource_version: str = ""
    at: str = ""


@dataclass(frozen=True)
class ApprovalGranted(OneLineEvent):
    """A second operator approved the request (seen through the watch)."""

    kind: ClassVar[str] = "approval.granted"
    request: str
    digest: str
    approver: str
    approver_identity: str = ""
    approver_login: str = ""  # the approver's OS account (new: older journals lack it)
    reason: str = ""
    approved_at: str = ""
    expires_at: str = ""
    resource_version: str = ""
    at: str = ""


@dataclass(frozen=True)
class ApprovalClosed(OneLineEvent):
    """The request was withdrawn, gone on without (emergency), used or deleted."""

    kind: ClassVar[str] = "approval.closed"
    request: str
    status: str  # withdrawn | emergency | used | deleted
    detail: str = ""
    at: str = ""


@dataclass(frozen=True)
class ApprovalRefused(OneLineEvent):
    """This cockpit refused an approval: to give it (one's own plan) or to act on it
    (expired, another plan, approved by its requester, not approved)."""

    kind: ClassVar[str] = "approval.refused"
    request: str
    digest: str
    by: str
    reason: str
    at: str = ""


@dataclass(frozen=True)
class ApprovalEmergency(OneLineEvent):
    """The executor went on without the required approval, with a reason: an approval
    after the fact stays open in the report."""

    kind: ClassVar[str] = "approval.emergency"
    request: str
    action: str
    target: str
    title: str
    digest: str
    by: str
    reason: str
    at: str = ""
