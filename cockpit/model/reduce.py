"""`reduce(state, event) -> state`: the only place the cockpit's state changes. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import TypeVar

from cockpit.model import events as ev
from cockpit.model.approval import GRANTED, REQUESTED, Approval
from cockpit.model.checklist import Item
from cockpit.model.kube import KINDS
from cockpit.model.metrics import Metric, with_samples
from cockpit.model.state import (
    NOT_APPLICABLE,
    OPEN,
    SKIPPED,
    ActionState,
    AlertState,
    CheckState,
    GateState,
    LockState,
    Note,
    SourceState,
    State,
    StepState,
    WindowState,
)

K = TypeVar("K")
V = TypeVar("V")


def _with(mapping: Mapping[K, V], key: K, value: V | None) -> Mapping[K, V]:
    """A copy of `mapping` with `key` set (or removed when `value` is None)."""
    updated = dict(mapping)
    if value is None:
        updated.pop(key, None)
    else:
        updated[key] = value
    return MappingProxyType(updated)


def _known(state: State, checklist: str, item: str) -> bool:
    runbook = state.runbooks.get(checklist)
    return runbook is not None and runbook.item(item) is not None


def _progress(state: State, checklist: str, item: str, **changes: object) -> State:
    if not _known(state, checklist, item):
        return state  # a journal from another version of the checklist: ignore, don't crash
    current = state.item_progress(checklist, item)
    return replace(
        state, progress=_with(state.progress, (checklist, item), replace(current, **changes))
    )


#: what ticking, unticking, skipping or signing leaves behind of an item's earlier state
_REOPENED = {"closed": "", "reason": "", "signed_by": None, "signed_as": None, "recorded_by": None}


def open_children(state: State, checklist: str, item: str) -> list[Item]:
    """The items nested under `item`, at any depth, still open. A parent is a summary of its
    children: it is ticked (or signed) only once each is done, skipped or not applicable,
    else the tick is refused here, so a replay refuses it the same way."""
    runbook = state.runbooks.get(checklist)
    parent = runbook.item(item) if runbook is not None else None
    if parent is None:
        return []
    nested = list(parent.walk())[1:]
    return [i for i in nested if state.item_progress(checklist, i.id).status == OPEN]


def done_parent(state: State, checklist: str, item: str) -> Item | None:
    """The nearest item above `item` that is done: while there is one, `item` is not
    reopened (the parent would be done over an open child); untick the parent first."""
    runbook = state.runbooks.get(checklist)
    above = runbook.parent(item) if runbook is not None else None
    while above is not None and not state.is_done(checklist, above.id):
        above = runbook.parent(above.id)  # type: ignore[union-attr]
    return above


def _action(state: State, key: str, **changes: object) -> State:
    action = state.actions.get(key)
    if action is None:
        return state  # a step of an action this journal never planned: ignore, don't crash
    return replace(state, actions=_with(state.actions, key, replace(action, **changes)))


def _requested(event: ev.ApprovalRequested) -> Approval:
    return Approval(
        request=event.request,
        action=event.action,
        target=event.target,
        title=event.title,
        digest=event.digest,
        requester=event.requester,
        requester_identity=event.requester_identity,
        requester_login=event.requester_login,
        requested_at=event.at,
        valid_for=event.valid_for,
        preview=tuple(event.preview),
        status=REQUESTED,
        resource_version=event.resource_version,
    )


def _about(state: State, request: str, digest: str | None = None) -> bool:
    """The event is about the approval object the state holds (else: an old one, ignored)."""
    approval = state.approval
    return (
        approval is not None
        and approval.request == request
        and (digest is None or approval.digest == digest)
    )


def reduce(state: State, event: ev.Event) -> State:
    match event:
        case ev.Tick(checklist=c, item=i) | ev.SignOff(checklist=c, item=i) if open_children(
            state, c, i
        ):
            return state
        case ev.Untick(checklist=c, item=i) if done_parent(state, c, i) is not None:
            return state
        case ev.Tick(checklist=c, item=i, by=by, at=at):
            return _progress(state, c, i, done=True, by=by, at=at, closed="", reason="")
        case ev.Untick(checklist=c, item=i, by=by, at=at):
            return _progress(state, c, i, **_REOPENED, done=False, by=by, at=at)
        case ev.Skip(checklist=c, item=i, reason=reason, by=by, at=at):
            closed = {"closed": SKIPPED, "reason": reason}
            return _progress(state, c, i, **(_REOPENED | closed), done=False, by=by, at=at)
        case ev.NotApplicable(checklist=c, item=i, reason=reason, by=by, at=at):
            closed = {"closed": NOT_APPLICABLE, "reason": reason}
            return _progress(state, c, i, **(_REOPENED | closed), done=False, by=by, at=at)
        case ev.AddNote(checklist=c, item=i, text=text, by=by, at=at):
            notes = (*state.item_progress(c, i).notes, Note(text=text, by=by, at=at))
            return _progress(state, c, i, notes=notes)
        case ev.Assign(checklist=c, item=i, owner=owner):
            return _progress(state, c, i, owner=owner or None)
        case ev.SignOff(checklist=c, item=i, name=name, role=role, at=at, by=by):
            signed = {"signed_by": name, "signed_as": role, "recorded_by": by or None}
            return _progress(state, c, i, **(_REOPENED | signed), done=True, by=name, at=at)
        case ev.ClockTick(now=now):
            return replace(state, now=now)
        case ev.Focus(pane=pane):
            return replace(state, focus=pane)
        case ev.MoveCursor(pane=pane, row=row):
            return replace(state, cursors=_with(state.cursors, pane, row))
        case ev.SetFilter(pane=pane, text=text):
            return replace(state, filters=_with(state.filters, pane, text or None))
        case ev.Collapse(checklist=c, section=s, collapsed=collapsed):
            key = (c, s)
            collapsed_set = state.collapsed | {key} if collapsed else state.collapsed - {key}
            return replace(state, collapsed=collapsed_set)
        case ev.Resize(width=w, height=h):
            return replace(state, size=(w, h))
        case ev.SourceStatus(source=source, state=new, detail=detail, at=at):
            old = state.sources.get(source)
            since = old.since if old is not None and old.state == new else at
            last_ok = at if new == "ok" else (old.last_ok if old else "")
            value = SourceState(state=new, detail=detail, since=since, last_ok=last_ok)
            return replace(state, sources=_with(state.sources, source, value))
        case ev.CheckResult(checklist=c, item=i, status=status, detail=detail, at=at):
            if not _known(state, c, i):
                return state
            value = CheckState(status=status, detail=detail, at=at)
            return replace(state, checks=_with(state.checks, (c, i), value))
        case ev.KubeObserved(resource=kind, change=change, items=items):
            if kind not in KINDS:
                return state
            kube = state.kube
            if change == "LIST":
                kube = kube.with_list(kind, list(items))
            else:
                for item in items:
                    kube = kube.with_change(kind, change, item)
            return replace(state, kube=kube)
        case ev.MetricObserved(metric=name, samples=samples, instant=instant, at=at):
            metric = with_samples(state.metrics.get(name, Metric()), list(samples), at, instant)
            return replace(state, metrics=_with(state.metrics, name, metric))
        case ev.LockStatus(state=lock_state, holder=holder, detail=detail, at=at):
            old_lock = state.lock
            same = (old_lock.state, old_lock.holder) == (lock_state, holder)
            since = old_lock.since if same else at
            lock = LockState(lock_state, holder, detail, since, event.until)
            return replace(state, lock=lock)
        case ev.WindowJudged(state=verdict, reasons=reasons, at=at, series=series):
            since = state.window.since if state.window.state == verdict else at
            window = WindowState(verdict, tuple(reasons), since, tuple(series), event.evidence)
            return replace(state, window=window)
        case ev.GateDecided(checklist=checklist, gate=gate, decision=decision, at=at):
            before = state.gates.get((checklist, gate))
            since = before.since if before is not None and before.decision == decision else at
            decided = GateState(decision, tuple(event.criteria), since)
            return replace(state, gates=_with(state.gates, (checklist, gate), decided))
        case ev.ActionPlanned():
            planned = ActionState(
                action=event.action,
                target=event.target,
                title=event.title,
                by=event.by,
                planned=event.at,
                changes=tuple(event.changes),
                preconditions=tuple(event.preconditions),
                params=MappingProxyType(dict(event.params)),
            )
            return replace(state, actions=_with(state.actions, event.id, planned))
        case ev.ActionConfirmed(id=key, overridden=overridden, at=at, reason=reason):
            return _action(
                state, key, confirmed=at, overridden=tuple(overridden), override_reason=reason
            )
        case ev.ActionAbort(id=key, by=by, reason=reason, at=at):
            return _action(state, key, aborted_by=by, abort_reason=reason, aborted_at=at)
        case ev.ActionStep(id=key, step=step, status=status, detail=detail, at=at):
            action = state.actions.get(key)
            if action is None:
                return state
            steps = list(action.steps)
            new = StepState(step, status, detail, at)
            if steps and steps[-1].step == step:  # the same step moving on: running → done
                steps[-1] = new
            else:
                steps.append(new)
            return _action(state, key, steps=tuple(steps))
        case ev.ActionFinished(id=key, outcome=outcome, detail=detail):
            return _action(state, key, outcome=outcome, detail=detail)
        case ev.ApprovalRequested():
            return replace(state, approval=_requested(event))
        case ev.ApprovalGranted(request=request, digest=digest) if _about(state, request, digest):
            granted = replace(
                state.approval,
                status=GRANTED,
                approver=event.approver,
                approver_identity=event.approver_identity,
                approver_login=event.approver_login,
                reason=event.reason,
                approved_at=event.approved_at,
                expires_at=event.expires_at,
                resource_version=event.resource_version or state.approval.resource_version,
            )
            return replace(state, approval=granted)
        case ev.ApprovalClosed(request=request, status=status) if _about(state, request):
            return replace(state, approval=replace(state.approval, status=status))
        case ev.ApprovalRefused(request=request, digest=digest, reason=reason) if _about(
            state, request, digest
        ):
            return replace(state, approval=replace(state.approval, refused=reason))
        case ev.Alert(key=key, level=level, message=message, at=at):
            old_alert = state.alerts.get(key)
            since = old_alert.since if old_alert and old_alert.message == message else at
            value = AlertState(level=level, message=message, since=since) if message else None
            return replace(state, alerts=_with(state.alerts, key, value))
    return state
