"""Four-eyes: a move the policy names waits for a second operator's approval.

The requester's side: the plan is published as the window's approval object (its digest,
its preview, who asks) and waits — journaled as the action's `approval` step, withdrawn
with the cancel key, or gone past in an emergency with a reason. When the watch shows it
approved, the preview opens for the usual typed confirmation; at execute time the object
is read again and the plan made again, and the action is refused (journaled, said) if the
approval is the requester's own, expired, or for a plan that has changed since.

The approver's side: another person's cockpit on the window (an observer: approving
changes no service) reviews the request's preview, types its target, may give a reason,
and writes the approval with the resourceVersion it saw, so a request that changed under
the review is a 409, never approved by mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cockpit.actions.plan import PASSED, UNKNOWN, Plan, Precondition, phrase_for, preview_lines
from cockpit.model import events as ev
from cockpit.model.approval import (
    EMERGENCY,
    GRANTED,
    REQUESTED,
    USED,
    WITHDRAWN,
    Approval,
    plan_digest,
    refusal,
    self_approval,
)

if TYPE_CHECKING:
    from cockpit.actions.controller import Actions

STEP = "approval"
NAME = "approved by a second operator"
DEFAULT_VALID = timedelta(minutes=15)


@dataclass
class Waiting:
    """The plan this cockpit asked approval for, until it is confirmed or given up."""

    key: str
    plan: Plan
    context: dict[str, Any]
    digest: str
    emergency: str = ""  # the reason, once gone on without approval
    asked: bool = False  # the preview was opened for confirmation


def digest_of(plan: Plan, params: dict[str, Any]) -> str:
    """The plan's digest, its failed preconditions too: made again at execute time, a
    precondition that fails by then (to be overridden) is another plan than the approved."""
    failed = (p.name for p in plan.failed)
    return plan_digest(plan.action, plan.target, plan.changes, params, failed)


class FourEyes:
    def __init__(self, actions: Actions) -> None:
        self.actions = actions
        self.host = actions.host
        self.session = actions.session
        self.waiting: Waiting | None = None
        self._announced: set[str] = set()
        self._withdrawn: set[str] = set()  # our own requests a restart left standing

    # --- policy ---------------------------------------------------------------------------

    def required(self, plan: Plan) -> bool:
        policy = self.session.approval
        return policy is not None and policy.covers(plan.action)

    @property
    def valid_for(self) -> timedelta:
        policy = self.session.approval
        return policy.expires if policy is not None else DEFAULT_VALID

    def busy(self) -> str | None:
        if self.waiting is None:
            return None
        return f"{self.waiting.plan.title} waits for approval (X withdraws it)"

    def _client(self):
        from cockpit.clients.approvals import ApprovalClient
        from cockpit.clients.kube import kube_settings

        settings = kube_settings(self.session)
        if settings is None:
            raise RuntimeError("Kubernetes not configured: the approval travels through it")
        return ApprovalClient(settings, self.session.lock)

    def _clock(self, moment: str) -> str:
        """An approval's time as the operator reads the window's: 13:52:19."""
        try:
            return datetime.fromisoformat(moment).astimezone(self.session.tz).strftime("%H:%M:%S")
        except ValueError:
            return moment or "?"

    def _granted(self, approval: Approval) -> str:
        said = f": {approval.reason}" if approval.reason else ""
        return f"approved by {approval.approver}{said} (until {self._clock(approval.expires_at)})"

    def _step(self, key: str, status: str, detail: str) -> None:
        self.actions.step(key, STEP, status, detail)

    # --- the requester ----------------------------------------------------------------------

    def request(self, key: str, plan: Plan, context: dict[str, Any], params: dict) -> None:
        """Publish the plan for approval (in a worker) and wait."""
        waiting = self.waiting = Waiting(key, plan, context, digest_of(plan, params))
        self._step(key, "running", "publishing the request for a second operator's approval")
        at = self.host.clock()
        self.host.spawn(lambda: self._publish(waiting, preview_lines(plan), at), "approval-ask")

    def _publish(self, waiting: Waiting, preview: tuple[str, ...], at: datetime) -> None:
        """In a worker: the request written as the window's object; the wait journaled."""
        plan = waiting.plan
        approval = Approval(
            request=waiting.key,
            action=plan.action,
            target=plan.target,
            title=plan.title,
            digest=waiting.digest,
            requester=self.session.operator,
            requester_identity=self.session.holder,
            requester_login=self.session.login,
            requested_at=at.isoformat(),
            valid_for=int(self.valid_for.total_seconds()),
            preview=preview,
        )
        try:
            written = self._client().publish(approval)
        except Exception as error:
            why = f"cannot ask for approval: {error}; X withdraws, ':' emergency goes on without"
            self._step(waiting.key, "failed", why)
            self.actions.notice("error", why)
            return
        detail = (
            f"waiting for a second operator (plan {written.short}, configmap "
            f"{self.session.lock}-approval); X withdraws"
        )
        self._step(waiting.key, "running", detail)
        self.actions.notice("information", f"{plan.title}: {detail}")

    def tick(self) -> None:
        """Once a second: an approval that arrived opens the preview; our own request a
        restart left standing is withdrawn; a request someone else made is announced once."""
        approval = self.host.state.approval
        if approval is None:
            return
        waiting = self.waiting
        if waiting is not None and approval.request == waiting.key and not waiting.asked:
            if approval.status == GRANTED and (why := self._refused(approval, waiting)):
                self._give_up(f"not approved: {why}", outcome="failed")
            elif approval.status == GRANTED:
                waiting.asked = True
                detail = self._granted(approval)
                self._step(waiting.key, "done", detail)
                check = Precondition(NAME, PASSED, detail)
                self.actions.ask(waiting.key, _with(waiting.plan, check), waiting.context)
            elif approval.status not in (REQUESTED, GRANTED, EMERGENCY):
                self._give_up(f"the approval request was {approval.status} by someone else")
        elif waiting is None and self._stale(approval):
            self._withdrawn.add(approval.request)
            action = self.host.state.actions[approval.request]
            reason = f"its action ended {action.outcome} (the requesting cockpit restarted)"
            self._close(approval.request, WITHDRAWN, reason)
            self.actions.notice("information", f"approval request withdrawn: {reason}")
        elif (
            approval.status == REQUESTED
            and approval.request not in self._announced
            and self_approval(approval, self.session.operator, self.session.login) is None
        ):
            self._announced.add(approval.request)
            self.actions.say(
                "warning",
                f"approval requested by {approval.requester}: {approval.title} — "
                "A reviews and approves it",
            )

    def _refused(self, approval: Approval, waiting: Waiting) -> str | None:
        """The execute-time judgement, made before the preview says "approved": an
        approval by the requester, an expired one or one for another plan opens nothing
        (refused, journaled)."""
        why = refusal(
            approval,
            request=waiting.key,
            digest=waiting.digest,
            now=self.host.clock(),
            valid_for=self.valid_for,
        )
        if why is not None:
            by = self.session.operator
            at = self.host.now()
            refused = ev.ApprovalRefused(
                request=waiting.key, digest=approval.digest, by=by, reason=why, at=at
            )
            self.host.dispatch(refused)
        return why

    def _stale(self, approval: Approval) -> bool:
        """Our own request, still open in the cluster, for an action this cockpit knows has
        ended: a restart cut it off. Left standing, every observer would be asked to approve
        a plan nobody waits for. Ours: our name and our OS account (the name alone is
        anyone's to choose)."""
        action = self.host.state.actions.get(approval.request)
        return (
            approval.status in (REQUESTED, GRANTED)
            and approval.requester == self.session.operator
            and approval.requester_login == self.session.login
            and approval.request not in self._withdrawn
            and action is not None
            and not action.open
        )

    def withdraw(self) -> bool:
        """The cancel key while waiting: the request is taken back. False: nothing waits."""
        waiting = self.waiting
        if waiting is None or waiting.asked:
            return False
        self._give_up(f"approval request withdrawn by {self.session.operator}")
        self._close(waiting.key, WITHDRAWN, "")
        return True

    def _give_up(self, detail: str, outcome: str = "cancelled") -> None:
        waiting, self.waiting = self.waiting, None
        if waiting is None:
            return
        now = self.host.now()
        step = ev.ActionStep(id=waiting.key, step=STEP, status="failed", detail=detail, at=now)
        self.host.dispatch(step)
        self.host.dispatch(
            ev.ActionFinished(id=waiting.key, outcome=outcome, detail=detail, at=now)
        )
        self.actions.say("information" if outcome == "cancelled" else "error", detail)

    def emergency(self) -> None:
        """Go on without the approval: a reason is asked, journaled, and left open."""
        waiting = self.waiting
        if waiting is None or waiting.asked:
            self.actions.say("warning", "no action waits for an approval")
            return

        def answered(reason: str | None) -> None:
            if not reason:
                self.actions.say("warning", "not gone on: an emergency needs a reason")
                return
            if self.waiting is not waiting or waiting.asked:
                return  # approved or withdrawn while the reason was typed
            plan = waiting.plan
            event = ev.ApprovalEmergency(
                request=waiting.key,
                action=plan.action,
                target=plan.target,
                title=plan.title,
                digest=waiting.digest,
                by=self.session.operator,
                reason=reason,
                at=self.host.now(),
            )
            refused = self.host.dispatch(event, durable=True)
            if refused is not None:
                self.actions.say("error", f"not gone on: {refused}")
                return
            waiting.emergency, waiting.asked = reason, True
            detail = f"emergency, without approval: {reason}"
            self._step(waiting.key, "skipped", detail)
            self._close(waiting.key, EMERGENCY, reason)
            check = Precondition(NAME, UNKNOWN, f"{detail}; an approval after the fact is open")
            self.actions.ask(waiting.key, _with(plan, check), waiting.context)

        self.host.reason("Emergency: go on without approval", waiting.plan.title, answered)

    def _close(self, key: str, status: str, reason: str) -> None:
        def close() -> None:
            try:
                self._client().close(key, status, reason)
            except Exception as error:  # said; the next request replaces the object anyway
                self.actions.notice("warning", f"approval object not updated: {error}")

        self.host.spawn(close, "approval-close")

    def _used(self, key: str) -> None:
        """In the worker, about to execute: the approval is spent (an approval is used once)."""
        try:
            self._client().close(key, USED, "")
        except Exception as error:  # executing anyway: it was checked; the object may lag
            self.actions.notice("warning", f"approval object not marked used: {error}")

    def answered(self, key: str) -> None:
        """The preview was answered (confirmed or not): nothing waits any more."""
        if self.waiting is not None and self.waiting.key == key:
            self.waiting = None

    def gate(self, key: str) -> Callable | None:
        """The check to run before executing `key` (None: it needs none — not required,
        or gone on in an emergency)."""
        waiting = self.waiting
        if waiting is None or waiting.key != key or waiting.emergency:
            return None

        def check() -> str | None:
            """In the worker: the object read again, the plan made again."""
            approval: Approval | None = None
            try:
                approval = self._client().read()
                digest = self.actions.replan_digest(waiting.plan.action, waiting.context)
                why = refusal(
                    approval,
                    request=key,
                    digest=digest or "",
                    now=self.host.clock(),
                    valid_for=self.valid_for,
                )
            except Exception as error:  # unknown is not approved
                why = f"cannot check the approval: {error}"
            if why is None and approval is not None and approval.digest != waiting.digest:
                why = "the approval object names another plan than the one confirmed"
            if why is None and approval is not None:
                checked = f"checked at execute, plan unchanged: {self._granted(approval)}"
                self._step(key, "done", checked)
                self._used(key)
                return None
            seen = approval.digest if approval is not None else waiting.digest
            at = self.host.clock().isoformat()
            by = self.session.operator
            refused = ev.ApprovalRefused(request=key, digest=seen, by=by, reason=why, at=at)
            self.actions.emit(refused)
            return why

        return check

    # --- the approver -----------------------------------------------------------------------

    def approve(self) -> None:
        """Review the window's request and approve it (this cockpit need not hold the lock)."""
        approval = self.host.state.approval
        if approval is None or approval.status not in (REQUESTED, EMERGENCY):
            status = f" (it is {approval.status})" if approval is not None else ""
            self.actions.say("warning", f"no approval is requested in this window{status}")
            return
        me = self.session.operator
        why = self_approval(approval, me, self.session.login)
        if why is not None:
            event = ev.ApprovalRefused(
                request=approval.request,
                digest=approval.digest,
                by=me,
                reason=why,
                at=self.host.now(),
            )
            self.host.dispatch(event)
            self.actions.say("error", f"not approved: {why}")
            return
        after = " after the fact" if approval.status == EMERGENCY else ""
        plan = Plan(
            action=approval.action,
            target=approval.target,
            phrase=phrase_for(approval.action, approval.target),
            title=f"Approve{after}: {approval.title}",
            changes=(
                f"requested by {approval.requester} ({approval.requester_identity})",
                f"plan digest sha256 {approval.digest}",
                "",
                *approval.preview,
            ),
        )
        where = f"{self.session.context}/{self.session.namespace}"

        def confirmed(answer) -> None:
            if answer is None:
                self.actions.say("information", f"not approved: {approval.title}")
                return
            why = "Why approve? (optional)"
            self.host.reason(why, approval.title, reasoned, optional=True)

        def reasoned(reason: str | None) -> None:
            """Escape backs out (nothing approved); an empty answer is "no reason"."""
            if reason is None:
                self.actions.say("information", f"not approved: {approval.title}")
                return
            grant(reason)

        def grant(reason: str) -> None:
            now = self.host.clock()
            valid = self.valid_for  # the request's own, if shorter: never longer than ours
            if 0 < approval.valid_for < valid.total_seconds():
                valid = timedelta(seconds=approval.valid_for)
            expires = (now + valid).isoformat()

            def write() -> None:
                try:
                    self._client().grant(
                        approval,
                        me,
                        self.session.holder,
                        reason,
                        now.isoformat(),
                        expires,
                        login=self.session.login,
                    )
                except Exception as error:  # a 409 too: said, nothing overwritten
                    self.actions.notice("error", f"not approved: {error}")
                    return
                until = self._clock(expires)
                self.actions.notice("information", f"approved: {approval.title} until {until}")

            self.host.spawn(write, "approval-grant")

        lock = self.host.state.lock.said(self.session.holder, self.host.state.now or "")
        self.host.confirm(plan, where, lock, confirmed)


def _with(plan: Plan, check: Precondition) -> Plan:
    return replace(plan, preconditions=(*plan.preconditions, check))
