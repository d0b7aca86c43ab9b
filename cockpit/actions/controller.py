"""The three risky moves: plan → preview → typed confirmation → execute → verify → soak.

The controller builds plans from the state (reading the API or disk only in threads of
its own), asks its host to have a plan confirmed, journals the confirmation and forces it
to disk before anything runs, executes in a thread, and verifies from the watched state
once a second: the post-condition is observed, not assumed. Only one action runs at a
time. It knows nothing of Textual: everything it says is an event, and what it needs of
the running cockpit is the `Host` protocol (the app, or a test's stand-in).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cockpit.actions.approval import FourEyes, digest_of
from cockpit.actions.herald import TIMEOUT as HERALD_TIMEOUT
from cockpit.actions.herald import Herald
from cockpit.actions.plan import Choice, Plan, Precondition, excerpt, phrase_for
from cockpit.actions.selector import (
    ActionError,
    Inputs,
    SelectorMove,
    desired_replicas,
    endpoints_verdict,
    plan_cutover,
    plan_switch_back,
)
from cockpit.model import events as ev
from cockpit.model.checklist import PostgresCheck
from cockpit.model.compare import FAIL
from cockpit.model.evidence import COMPARE, brief, deciding
from cockpit.model.gate import journaled
from cockpit.model.moves import EXECUTING, VERIFIED, Move
from cockpit.model.reduce import reduce
from cockpit.model.rules import OK, ROLLBACK
from cockpit.model.state import ActionState
from cockpit.model.units import format_duration

if TYPE_CHECKING:
    from cockpit.model.layout import Layout
    from cockpit.model.session import Session
    from cockpit.model.state import State

PROGRESS_EVERY = 1.0  # seconds between journaled progress steps of a long-running step
#: (typed confirmation, preconditions overridden), or None when the operator backed out
Answer = tuple[str, tuple[str, ...]] | None


class Host(Protocol):
    """What the controller needs of the cockpit it runs in."""

    session: Session
    state: State
    clock: Callable[[], datetime]

    @property
    def layout(self) -> Layout: ...

    @property
    def locked(self) -> bool:
        """A window lock runs (only its holder acts)."""

    def dispatch(self, event: ev.Event, *, durable: bool = False) -> str | None: ...

    def post(self, event: ev.Event, orphan: Callable[[ev.Event], None]) -> None:
        """Into the loop, never waiting; to `orphan` once delivery stopped."""

    def stop_delivery(self) -> None:
        """The loop runs no more: events waiting for it, and those posted later, go to
        their orphans."""

    def call_soon(self, callback: Callable[..., object], *args: Any) -> None:
        """From any thread, without waiting: `callback(*args)` on the host's own loop."""

    def record(self, event: ev.Event) -> None:
        """Journal (and keep) an event directly: the loop is gone (a hang-up)."""

    def spawn(self, target: Callable[[], object], name: str) -> threading.Thread: ...

    def can_mutate(self) -> str | None: ...

    def now(self) -> str: ...

    def confirm(self, plan: Plan, where: str, holder: str, answered: Callable[[Answer], None]):
        """Show the plan's preview and ask for its typed confirmation."""

    def choose(self, title: str, choices: list[Choice], answered: Callable[[str | None], None]):
        """Ask which of `choices` (the rollback's options)."""

    def reason(
        self,
        title: str,
        subject: str,
        answered: Callable[[str | None], None],
        *,
        optional: bool = False,
        hint: str = "",
    ) -> None:
        """Ask why (an override, an abort …): `answered` gets the text, or None when the
        operator gave none or backed out — and then the move does not happen. `optional`:
        an empty answer is "" (no reason given), only backing out is None. `hint`: what
        enter and esc do here, when not just saving the answer."""


class Actions:
    def __init__(self, host: Host) -> None:
        self.host = host
        self.session = host.session
        self.cancel = threading.Event()
        self.thread: threading.Thread | None = None
        self.detached = False  # the terminal is gone: the loop no longer runs
        self.gone = "terminal gone"  # why, as each safe point says it
        self._ended: set[str] = set()  # results journaled since the hang-up
        self._since: list[ev.Event] = []  # what was journaled since, beyond the loop's state
        self.four_eyes = FourEyes(self)
        #: moves whose patch ran, as published on their Service (`cockpit.model.moves`)
        self._moved: dict[str, tuple[SelectorMove, Move]] = {}
        self.herald = Herald(self._api, self._unpublished)

    # --- what the keys offer ---------------------------------------------------------------

    def cutover(self) -> None:
        if self._refused():
            return
        move = self._move(self.session.actions.green)
        self._preview(plan_cutover(self.host.state, move, self._inputs("selector")), move)

    def rollback(self) -> None:
        if self._refused():
            return
        from cockpit.actions.helm import helm_binary

        kube = "" if self.session.kube is not None else "Kubernetes not configured"
        helm = kube or ("" if self._release() else "no Helm release configured")
        history_only = "" if helm or helm_binary() else " (helm not installed: history only)"
        database = "" if self.session.postgres_configured else "PostgreSQL not configured"
        backups = "" if self.session.postgres.backup_dir else "no backup directory configured"
        choices = [
            Choice("selector", f"switch the Service back to {self.session.actions.blue}", kube),
            Choice("helm", f"helm rollback {self._release() or 'RELEASE'}{history_only}", helm),
            Choice("restore", "restore the database from a backup", database or backups),
        ]
        self.host.choose("Rollback: fastest first", choices, self._rollback)

    def _rollback(self, choice: str | None) -> None:
        if choice == "selector":
            move = self._move(self.session.actions.blue)
            self._preview(plan_switch_back(self.host.state, move, self._inputs("selector")), move)
        elif choice == "helm":
            self._in_worker(self._plan_helm)
        elif choice == "restore":
            self.host.spawn(self._choose_backup, "action-backups")

    def _choose_backup(self) -> None:
        """In a thread (it reads the disk): the operator picks the dump to restore among
        the verified ones, newest first, by time, size and checksum."""
        from cockpit.clients.backups import list_backups

        pg = self.session.postgres
        try:
            backups = [b for b in list_backups(Path(pg.backup_dir or ".")) if b.verified]
        except OSError as error:
            self.notice("error", f"cannot list {pg.backup_dir}: {error.strerror or error}")
            return
        if not backups:
            self.notice("error", f"no verified backup in {pg.backup_dir}")
            return
        choices = [Choice(b.name, _about_dump(b)) for b in backups]
        title = f"Restore {backups[0].database} from which backup? (verified ones, newest first)"

        def picked(name: str | None) -> None:
            if name is not None:
                self._in_worker(lambda: self._plan_restore(name=name))

        self.host.call_soon(self.host.choose, title, choices, picked)

    def backup(self) -> None:
        if self._refused():
            return
        if not self.session.postgres_configured or not self.session.postgres.backup_dir:
            missing = "PostgreSQL" if not self.session.postgres_configured else "a backup_dir"
            self.say(
                "error", f"backup needs {missing} in the config (postgres: {{dsn, backup_dir}})"
            )
            return
        self._in_worker(self._plan_backup)

    def cancel_running(self) -> None:
        """Cancel where it is safe: a dump, a restore, a helm run stop cleanly; a selector
        patch is one request, verified or failed on its own. An abort says why, or is not
        made."""
        running = self.host.state.running_action()
        if running is None and self.four_eyes.withdraw():
            return
        if running is None:
            self.say("warning", "no action is running")
        elif running[1].action in ("backup", "restore", "restore-test", "rollback-helm"):
            key, title = running[0], running[1].title
            self.host.reason(
                "Why cancel it? (esc: let it run)", title, lambda why: self._abort(key, title, why)
            )
        else:
            why = "it is verified or fails"
            self.say("warning", f"{running[1].title} cannot be cancelled safely: {why}")

    def _abort(self, key: str, title: str, reason: str | None) -> None:
        running = self.host.state.running_action()
        if not reason:
            self.say("warning", f"not cancelled: {title} runs on (a cancel needs a reason)")
        elif running is None or running[0] != key:
            self.say("warning", f"not cancelled: {title} is no longer running")
        else:
            by, at = self.session.operator, self.host.now()
            self.host.dispatch(ev.ActionAbort(id=key, by=by, reason=reason, at=at))
            self.cancel.set()
            self.say("information", f"cancelling {title} at its next safe point")

    # --- guards ------------------------------------------------------------------------------

    def _refused(self) -> bool:
        why = self.host.can_mutate()
        running = self.host.state.running_action()
        if why is None and running is not None:
            why = f"{running[1].title} is still running"
        why = why or self.four_eyes.busy()
        if why is not None:
            self.say("error", f"not now: {why}")
        return why is not None

    def say(self, level: str, message: str) -> None:
        """On the host's loop: a notice is an event, journaled (a refused key is evidence)."""
        self.host.dispatch(ev.Notice(level=level, message=message, at=self.host.now()))

    def notice(self, level: str, message: str) -> None:
        """From a worker thread."""
        self.host.call_soon(self.say, level, message)

    def replan_digest(self, action: str, context: dict[str, Any]) -> str | None:
        """The digest of the plan made again from what the cockpit sees now (in a worker:
        a helm or restore plan reads the API or the disk)."""
        if action in ("cutover", "rollback-selector"):
            move = context["move"]
            make = plan_cutover if action == "cutover" else plan_switch_back
            plan = make(self.host.state, move, self._inputs("selector"))
            return digest_of(plan, _params(self._selector_context(move)))
        plans = {
            "rollback-helm": self._plan_helm,
            "restore": lambda: self._plan_restore(name=context.get("backup_name")),
        }
        made = plans[action]()
        return digest_of(made[0], _params(made[1])) if made else None

    # --- plans ------------------------------------------------------------------------------

    def _move(self, colour: str) -> SelectorMove:
        values = self.session.values
        return SelectorMove(
            service=values.get("service", ""),
            namespace=self.session.namespace,
            to=colour,
            label=self.session.actions.label,
            app=values.get("app", ""),
        )

    def _release(self) -> str:
        return self.session.actions.release or self.session.values.get("release", "")

    def _inputs(self, needle: str) -> Inputs:
        app = self.host
        rules = app.layout.rules or ""
        runbook = app.state.runbooks.get(rules)
        gate = runbook.gate() if runbook else None
        return Inputs(
            holder=app.session.holder,
            lock_configured=app.locked,
            triggers=tuple(runbook.rollback_triggers) if runbook else (),
            metric_keys={p.metric: p.query for p in app.layout.panes() if p.metric and p.query},
            backup_checks=tuple(
                (name, item.id)
                for name, book in app.state.runbooks.items()
                for item in book.walk_items()
                if isinstance(item.check, PostgresCheck) and item.check.probe == "backup_age"
            ),
            gate=journaled(app.state, rules, gate) if gate else None,
            runbook=excerpt(runbook, needle),
        )

    def _in_worker(self, plan: Callable[[], tuple[Plan, dict[str, Any]] | None]) -> None:
        """Plans that read the API or the disk are made in a thread, then previewed."""

        def make() -> None:
            try:
                made = plan()
            except Exception as error:  # the plan could not even be made: say why
                self.notice("error", f"cannot plan: {error}")
                return
            if made is not None:
                self.host.call_soon(self._show, *made)

        self.host.spawn(make, "action-plan")

    def _plan_backup(self) -> tuple[Plan, dict[str, Any]]:
        from cockpit.actions.backup import BackupSettings, plan_backup

        pg = self.session.postgres
        settings = BackupSettings(
            pg.dsn or "", Path(pg.backup_dir or "."), pg.keep_daily, pg.keep_monthly
        )
        backup = plan_backup(settings)
        where = f"{backup.user}@{backup.host}:{backup.port}/{backup.database}"
        plan = Plan(
            action="backup",
            target=backup.database,
            title=f"Backup {backup.database} (pg_dump, custom format)",
            changes=(
                f"+ {backup.path}",
                f"  from {where}",
                "  verified with pg_restore --list, SHA-256 beside it and in the journal",
                f"  then retention: {backup.keep_daily} daily, {backup.keep_monthly} monthly",
            ),
            preconditions=backup.preconditions,
            runbook=excerpt(self.host.state.runbooks.get(self.host.layout.rules or ""), "backup"),
        )
        return plan, {"settings": settings, "plan": backup}

    def _plan_helm(self) -> tuple[Plan, dict[str, Any]]:
        from cockpit.actions.helm import helm_binary, history, rollback_target
        from cockpit.clients.kube import kube_settings

        settings = kube_settings(self.session)
        assert settings is not None
        release = self._release()
        revisions = history(settings, release, self.session.namespace)
        target = rollback_target(revisions)
        current = revisions[0] if revisions else None
        lines = [
            f"{'→' if r.revision == target.revision else ' '} v{r.revision} {r.status:<11} "
            f"{r.chart}-{r.chart_version} app {r.app_version} "
            f"{r.updated:%Y-%m-%d %H:%M}" + (f" ({r.error})" if r.error else "")
            for r in revisions
            if r.updated is not None
        ]
        now = f"v{current.revision} ({current.app_version})" if current else "?"
        plan = Plan(
            action="rollback-helm",
            target=release,
            title=f"Rollback {release}: helm {now} → v{target.revision} ({target.app_version})",
            changes=(
                f"helm rollback {release} {target.revision} -n {settings.namespace} --wait",
                "release history (from Helm's Secrets, newest first):",
                *lines,
            ),
            preconditions=(self._lock_check(),),
            runbook=excerpt(self._rules_runbook(), "helm rollback"),
            unavailable=""
            if helm_binary()
            else "helm is not installed (the history is read from Helm's Secrets)",
        )
        return plan, {"settings": settings, "revision": target.revision}

    def _plan_restore(
        self, scratch: bool = False, name: str | None = None
    ) -> tuple[Plan, dict[str, Any]] | None:
        """A restore of the dump the operator chose (`name`); the restore test takes the
        newest."""
        from cockpit.actions.backup import BackupSettings
        from cockpit.clients.backups import list_backups

        pg = self.session.postgres
        backups = [b for b in list_backups(Path(pg.backup_dir or ".")) if b.verified]
        if name is not None:
            backups = [b for b in backups if b.name == name]
        if not backups:
            gone = f"{name} is no longer a verified backup" if name else "no verified backup"
            self.notice("error", f"{gone} in {pg.backup_dir}")
            return None
        newest = backups[0]
        settings = BackupSettings(pg.dsn or "", Path(pg.backup_dir or "."))
        about = f"{newest.name}: taken {newest.taken_at}, {newest.size_bytes} bytes"
        about += f", sha256 {newest.sha256}"
        if scratch:
            title = f"Restore test of {newest.name} into a scratch database"
            changes: tuple[str, ...] = (
                f"+ {newest.database}_restore_test_<time>: created, restored, counted, dropped",
                f"  {about}",
                f"  {newest.database} itself is not touched",
            )
        else:
            title = f"Restore {newest.database} from {newest.name}"
            changes = (
                f"- the backup's tables in {newest.database} are dropped and recreated (--clean)",
                f"+ {about}",
                "  writes after the backup are lost: the application should be stopped first",
            )
        action = "restore-test" if scratch else "restore"
        plan = Plan(
            action=action,
            target=newest.database,
            title=title,
            changes=changes,
            preconditions=(self._lock_check(),),
            runbook=excerpt(self._rules_runbook(), "restore"),
            phrase=phrase_for(action, newest.database),
        )
        context = {"settings": settings, "backup": newest, "scratch": scratch}
        return plan, context | {"backup_name": newest.name}

    def restore_test(self) -> None:
        """The runbook's restore test: the newest backup into a scratch database, dropped."""
        if self._refused():
            return
        if not self.session.postgres_configured or not self.session.postgres.backup_dir:
            self.say("error", "a restore test needs postgres: {dsn, backup_dir}")
            return
        self._in_worker(lambda: self._plan_restore(scratch=True))

    def _rules_runbook(self):
        return self.host.state.runbooks.get(self.host.layout.rules or "")

    def _lock_check(self) -> Precondition:
        from cockpit.actions.selector import lock_held

        return lock_held(
            self.host.state, Inputs(self.session.holder, lock_configured=self.host.locked)
        )

    # --- preview and confirmation ------------------------------------------------------------

    def _preview(self, plan: Plan, move: SelectorMove) -> None:
        self._show(plan, self._selector_context(move))

    def _selector_context(self, move: SelectorMove) -> dict[str, Any]:
        service = self.host.state.kube.services.get(move.service)
        return {"move": move, "expected": service.selector.get(move.label, "") if service else ""}

    def _show(self, plan: Plan, context: dict[str, Any]) -> None:
        app = self.host
        key = self._new_id(plan.action)
        params = _params(context)
        app.dispatch(
            ev.ActionPlanned(
                id=key,
                action=plan.action,
                target=plan.target,
                title=plan.title,
                changes=plan.changes,
                preconditions=tuple(p.to_data() for p in plan.preconditions),
                params=params,
                by=self.session.operator,
                at=app.now(),
            )
        )
        if self.four_eyes.required(plan):
            self.four_eyes.request(key, plan, context, params)
        else:
            self.ask(key, plan, context)

    def _new_id(self, action: str) -> str:
        """The action and the second it was planned in, numbered when that is taken (`c`,
        esc, `c` within a second; a restart in it): one id, one plan, one result."""
        first = key = f"{action}@{self.host.now()}"
        n = 1
        while key in self.host.state.actions:
            n += 1
            key = f"{first}#{n}"
        return key

    def ask(self, key: str, plan: Plan, context: dict[str, Any]) -> None:
        """The preview, for the typed confirmation (after the approval, if one is needed)."""
        app = self.host
        where = f"{self.session.context}/{self.session.namespace}"
        holder = app.state.lock.said(self.session.holder, app.state.now or "")

        def answered(answer: tuple[str, tuple[str, ...]] | None) -> None:
            check = self.four_eyes.gate(key)
            self.four_eyes.answered(key)
            if answer is None:
                app.dispatch(
                    ev.ActionFinished(
                        id=key, outcome="cancelled", detail="not confirmed", at=app.now()
                    )
                )
            elif answer[1]:
                self._ask_why(key, plan, answer[1], context, check)
            else:
                self._confirmed(key, plan, (), context, check=check)

        app.confirm(plan, where, holder, answered)

    def _ask_why(
        self,
        key: str,
        plan: Plan,
        overridden: tuple[str, ...],
        context: dict[str, Any],
        check: Callable[[], str | None] | None = None,
    ) -> None:
        """An override goes past failed preconditions: only with the operator's reason."""
        app = self.host

        def because(reason: str | None) -> None:
            if reason:
                self._confirmed(key, plan, overridden, context, reason, check)
                return
            detail = "override without a reason: nothing was executed"
            app.dispatch(
                ev.ActionFinished(id=key, outcome="cancelled", detail=detail, at=app.now())
            )
            self.say("warning", f"not executed: {plan.title} (an override needs a reason)")

        app.reason(
            f"Why override: {', '.join(overridden)}?",
            plan.title,
            because,
            hint="enter: override, run · esc: nothing runs",
        )

    def _confirmed(
        self,
        key: str,
        plan: Plan,
        overridden: tuple[str, ...],
        context: dict[str, Any],
        reason: str = "",
        check: Callable[[], str | None] | None = None,
    ) -> None:
        app = self.host
        why = app.can_mutate()  # the lock may have gone while the preview was open
        if why is not None:
            app.dispatch(ev.ActionFinished(id=key, outcome="failed", detail=why, at=app.now()))
            self.say("error", f"not executed: {why}")
            return
        confirmed = ev.ActionConfirmed(
            id=key, by=self.session.operator, overridden=overridden, at=app.now(), reason=reason
        )
        refused = app.dispatch(confirmed, durable=True)  # on disk before anything runs
        if refused is not None:
            detail = f"nothing was executed: {refused}"
            app.dispatch(ev.ActionFinished(id=key, outcome="failed", detail=detail, at=app.now()))
            self.say("error", detail)
            return
        self.cancel = threading.Event()
        run = {
            "cutover": self._run_selector,
            "rollback-selector": self._run_selector,
            "rollback-helm": self._run_helm,
            "restore": self._run_restore,
            "restore-test": self._run_restore,
            "backup": self._run_backup,
        }[plan.action]
        guarded = partial(self._guarded, key, run, context, check)
        self.thread = app.spawn(guarded, f"action-{plan.action}")

    # --- execution (in a worker thread; steps and outcomes from anywhere) ------------------

    def emit(self, event: ev.Event) -> None:
        """Into the event loop without waiting for it; straight to the journal once the loop
        runs no more. Never blocking here matters at a hang-up: the loop then waits for this
        thread."""
        self._announce(event)
        self.host.post(event, self._record)

    def _record(self, event: ev.Event) -> None:
        if getattr(event, "id", None) in self._ended:  # closed out: the journal is closing
            return
        self.host.record(event)
        self._since.append(event)
        if isinstance(event, ev.ActionFinished):
            self._ended.add(event.id)

    def detach(self, why: str = "terminal gone") -> threading.Thread | None:
        """The terminal is gone (or the cockpit quits: `why`): from now on the action
        journals its own steps, and the caller may wait for it (the event loop will not run
        again)."""
        self.detached, self.gone = True, why
        self.host.stop_delivery()  # what the loop has not taken yet comes to `_record`
        thread = self.thread
        return thread if thread is not None and thread.is_alive() else None

    def close_out(self) -> None:
        """After a hang-up or a quit, once a worker had its grace: every action still open
        ends on the record now, before `session.end` — with where the traffic is (invariant I5):
        its last step as journaled, the steps the loop never ran included."""
        state = self.host.state
        for event in self._since:
            state = reduce(state, event)
        for key, action in state.actions.items():
            if not action.open or key in self._ended:
                continue
            if not action.confirmed:
                detail = f"{self.gone} before the confirmation: nothing was executed"
                self._record(
                    ev.ActionFinished(id=key, outcome="cancelled", detail=detail, at=self._now())
                )
                continue
            step = action.last_step
            detail = self._safe_point(action)
            if step is not None and step.step in ("verify", "soak"):
                self._record(
                    ev.ActionStep(
                        id=key, step=step.step, status="interrupted", detail=detail, at=self._now()
                    )
                )
            finished = ev.ActionFinished(
                id=key, outcome="interrupted", detail=detail, at=self._now()
            )
            self._announce(finished)
            self._record(finished)
        if not self.herald.flush():  # bounded: the exit never waits on a cluster that is gone
            message = (
                f"the moves' last state was not on the Service within {HERALD_TIMEOUT:g} s: "
                "other cockpits on this window may show them as still executing"
            )
            self._record(ev.Notice(level="warning", message=message, at=self._now()))

    # --- the move, published on the Service for every cockpit ----------------------------

    def _api(self):
        from cockpit.clients.kube import api_client, kube_settings

        settings = kube_settings(self.session)
        if settings is None:
            raise ActionError("Kubernetes not configured")
        return api_client(settings)

    def _published(self, key: str, action: str, move: SelectorMove) -> Move:
        """The move as it is written in its patch: executing, by whom, which lock."""
        now = self._now()
        return Move(
            action=action,
            id=key,
            by=self.session.operator,
            holder=self.session.holder if self.host.locked else "",
            state=EXECUTING,
            at=now,
            updated=now,
            label=move.label,
            to=move.to,
        )

    def _announce(self, event: ev.Event) -> None:
        """A moved action's verification or outcome, published where every cockpit reads it."""
        moved = self._moved.get(getattr(event, "id", ""))
        if moved is None:
            return
        where, move = moved
        if isinstance(event, ev.ActionStep) and (event.step, event.status) == ("verify", "done"):
            state = VERIFIED if move.action == "cutover" else ""
        elif isinstance(event, ev.ActionFinished):
            state = event.outcome
        else:
            return
        if state and state != move.state:
            move = replace(move, state=state, updated=event.at or self._now(), detail=event.detail)
            self._moved[move.id] = (where, move)
            self.herald.publish(where, move)

    def _unpublished(self, move: Move, why: str) -> None:
        message = (
            f"the {move.name}'s state ({move.state}) is not on the Service: {why}; "
            "other cockpits on this window may not see it"
        )
        self.emit(ev.Notice(level="warning", message=message, at=self._now()))

    def _safe_point(self, action: ActionState) -> str:
        """Where an action cut off (`self.gone` says why) left things, as far as the cockpit
        knows."""
        step = action.last_step
        if step is None:
            return f"{self.gone} before the first step: nothing was executed"
        move = action.params.get("move")
        if step.step == "verify" and move:
            return f"{self.gone}: the Service selects {move['to']}, its endpoints not verified"
        if step.step == "soak" and move:
            since = datetime.fromisoformat(step.at) if step.at else self.host.clock()
            cut = int((self.host.clock() - since).total_seconds())
            soak = format_duration(self.session.actions.soak)
            return f"{self.gone}: traffic on {move['to']}, soak cut short after {cut} s of {soak}"
        last = f"{step.step} {step.status} {step.detail}".strip()
        return f"{self.gone} during {step.step} (last known: {last}): check before acting"

    def _now(self) -> str:
        return self.host.clock().isoformat()

    def step(
        self, key: str, step: str, status: str, detail: str = "", evidence: tuple = ()
    ) -> None:
        self.emit(
            ev.ActionStep(
                id=key, step=step, status=status, detail=detail, at=self._now(), evidence=evidence
            )
        )

    def _finish(self, key: str, outcome: str, detail: str = "") -> None:
        self.emit(ev.ActionFinished(id=key, outcome=outcome, detail=detail, at=self._now()))

    def _guarded(
        self,
        key: str,
        run: Callable[[str, dict[str, Any]], None],
        context: dict[str, Any],
        check: Callable[[], str | None] | None = None,
    ) -> None:
        try:
            why = check() if check is not None else None  # four-eyes: read again, at once
            if why is not None:
                self.step(key, "approval", "failed", why)
                self._finish(key, "failed", f"not executed: {why}")
                self.notice("error", f"not executed: {why}")
                return
            run(key, context)
        except ActionError as error:
            self.step(key, "execute", "failed", str(error))
            self._finish(key, "failed", str(error))
        except Exception as error:  # never leave an action open without saying why
            self.step(key, "execute", "failed", f"{type(error).__name__}: {error}")
            self._finish(key, "failed", f"{type(error).__name__}: {error}")

    def _run_selector(self, key: str, context: dict[str, Any]) -> None:
        from cockpit.actions.selector import patch_selector
        from cockpit.clients.kube import api_client, kube_settings

        move: SelectorMove = context["move"]
        action = self.host.state.actions[key].action
        settings = kube_settings(self.session)
        if settings is None:
            raise ActionError("Kubernetes not configured")
        client = api_client(settings)
        try:
            for step, dry in (("dry-run", True), ("execute", False)):
                if self.detached and not dry:  # a safe point: nothing has changed yet
                    self._finish(key, "cancelled", f"{self.gone} before execution: no change")
                    return
                self.step(key, step, "running")
                published = self._published(key, action, move)
                try:
                    detail = patch_selector(client, move, context["expected"], dry, published)
                except ActionError as error:
                    self.step(key, step, "failed", str(error))
                    self._finish(key, "failed", str(error))
                    return
                if not dry:
                    self._moved[key] = (move, published)
                self.step(key, step, "done", detail)
        finally:
            client.close()
        if self.detached:  # verifying needs the watch, which went with the terminal
            detail = f"{self.gone} after the patch: selects {move.to}, endpoints not verified"
            self._finish(key, "interrupted", detail)
            return
        self.step(key, "verify", "running", f"waiting for only {move.to} endpoints, all ready")

    def _run_helm(self, key: str, context: dict[str, Any]) -> None:
        from cockpit.actions.helm import helm_binary, rollback_argv, run_rollback

        settings = context["settings"]
        binary = helm_binary()
        if binary is None:
            raise ActionError("helm is not installed")
        argv = rollback_argv(
            self._release(),
            settings.namespace,
            context["revision"],
            kube_context=settings.context,
            kubeconfig=settings.kubeconfig,
            helm=binary,
        )
        self.step(key, "execute", "running", " ".join(argv))
        lines: list[str] = []
        result = run_rollback(argv, self.cancel, lines.append)
        if result.exit_code == 0:
            self.step(key, "execute", "done", (lines or ["helm: done"])[-1])
            self._finish(key, "succeeded", f"rolled back to v{context['revision']}")
        else:
            detail = result.stderr_tail or f"helm exited {result.exit_code}"
            self.step(key, "execute", "failed", detail)
            self._finish(key, "cancelled" if result.cancelled else "failed", detail)

    def _run_backup(self, key: str, context: dict[str, Any]) -> None:
        from cockpit.actions.backup import run_backup

        self.step(key, "dump", "running")
        result = run_backup(context["plan"], self._progress(key, "dump"), self.cancel)
        if result.ok:
            self.step(key, "dump", "done", f"{result.size_bytes} bytes, {result.toc_entries} TOC")
            self.step(key, "checksum", "done", f"sha256 {result.sha256}")
            if result.deleted:
                self.step(key, "retention", "done", f"deleted {len(result.deleted)}")
            self._finish(key, "succeeded", f"{result.path} sha256 {result.sha256}")
        else:
            self.step(key, result.step, "failed", result.error)
            outcome = "cancelled" if result.step == "cancelled" else "failed"
            self._finish(key, outcome, result.error)

    def _run_restore(self, key: str, context: dict[str, Any]) -> None:
        from cockpit.actions.backup import restore

        backup = context["backup"]

        def checked(digest: str) -> None:  # before anything is restored
            self.step(key, "checksum", "done", f"sha256 {digest} matches {backup.name}.sha256")
            self.step(key, "restore", "running")

        self.step(key, "checksum", "running", f"recomputing the SHA-256 of {backup.name}")
        result = restore(
            backup,
            context["settings"],
            context["scratch"],
            self._progress(key, "restore"),
            self.cancel,
            on_checksum=checked,
        )
        if result.ok:
            detail = f"{result.tables}/{result.expected_tables} tables in {result.database}"
            self.step(key, "restore", "done", detail)
            self._finish(key, "succeeded", detail)
        else:
            self.step(key, result.step, "failed", result.error)
            self._finish(key, "cancelled" if result.step == "cancelled" else "failed", result.error)

    def _progress(self, key: str, step: str) -> Callable[[int, float], None]:
        last = [0.0]

        def progress(count: int, elapsed: float) -> None:
            if elapsed - last[0] >= PROGRESS_EVERY:
                last[0] = elapsed
                self.step(key, step, "running", f"{count} bytes in {elapsed:.0f} s")

        return progress

    # --- verification and soak: observed, once a second ------------------------------------

    def tick(self) -> None:
        self.four_eyes.tick()
        state = self.host.state
        running = state.running_action()
        if running is None or not state.now:
            return
        key, action = running
        step = action.last_step
        if step is None or step.status != "running":
            return
        now = datetime.fromisoformat(state.now)
        since = datetime.fromisoformat(step.at) if step.at else now
        if step.step == "verify":
            self._verify(key, action, now - since)
        elif step.step == "soak":
            self._soak(key, action, now - since)

    def _verify(self, key: str, action: ActionState, waited: timedelta) -> None:
        move = SelectorMove(**action.params["move"])
        desired = desired_replicas(self.host.state, move)
        ok, detail = endpoints_verdict(self.host.state, move, desired)
        timeout = self.session.actions.verify_timeout
        if ok:
            self.step(key, "verify", "done", detail)
            if action.action == "cutover":
                self.step(key, "soak", "running", self._soak_watch())
            else:
                self._finish(key, "succeeded", detail)
        elif waited > timeout:
            detail = f"not verified after {format_duration(timeout)}: {detail}"
            self.step(key, "verify", "failed", detail)
            self._finish(key, "failed", detail)
        elif action.last_step is not None and detail != action.last_step.detail:
            self.step(key, "verify", "running", detail)

    def _soak_watch(self) -> str:
        """What the soak can watch, said as it is: without metrics it cannot judge them."""
        soak, unjudged = format_duration(self.session.actions.soak), self._unjudged()
        if unjudged is None:
            return f"monitoring {soak}: errors, P95, SSE; the Service's selector"
        return (
            f"watching the Service's selector for {soak}; errors, P95, SSE cannot be judged: "
            f"{unjudged}"
        )

    def _unjudged(self) -> str | None:
        """Why the soak cannot be judged (metrics, or a watch that is not live), or None."""
        sources = self.host.state.sources
        prometheus, kube = sources.get("prometheus"), sources.get("kubernetes")
        if self.session.prometheus is None or prometheus is None:
            return "Prometheus not configured"
        if prometheus.state != "ok":
            return f"Prometheus {prometheus.state} since {prometheus.since or '?'}"
        if kube is None or kube.state != "ok":
            state = kube.state if kube else "not configured"
            return f"the Kubernetes watch is {state}: the selector may be old"
        return None

    def _soak(self, key: str, action: ActionState, waited: timedelta) -> None:
        """Fails at once on a trigger, on green worse than blue (a comparison at Fail) or on
        a selector changed behind the cockpit's back; succeeds only when the window was
        judged OK at its end, else it is inconclusive (a Marginal comparison: a person
        decides). A failed or inconclusive soak keeps the evidence that decided it."""
        state = self.host.state
        why = tuple(deciding(state.window.evidence))
        worse = tuple(i for i in why if i["kind"] == COMPARE and i["state"] == FAIL)
        move = SelectorMove(**action.params["move"])
        service = state.kube.services.get(move.service)
        selected = service.selector.get(move.label) if service is not None else None
        if selected != move.to:
            now = f"{move.label}={selected}" if selected is not None else "the Service is gone"
            detail = f"the Service no longer selects {move.to} ({now}): changed out of band"
            self.step(key, "soak", "failed", detail)
            self._finish(key, "failed", detail)
        elif state.window.state == ROLLBACK:
            alert = state.alerts.get("rollback")
            detail = alert.message if alert else "; ".join(state.window.reasons[:1])
            detail = f"rollback trigger during the soak: {detail}"
            self.step(
                key, "soak", "failed", detail, tuple(i for i in why if i["state"] == ROLLBACK)
            )
            self._finish(key, "failed", detail)
        elif worse:
            detail = f"green worse than blue during the soak: {brief(worse[0])}"
            self.step(key, "soak", "failed", detail, worse)
            self._finish(key, "failed", detail)
        elif waited >= self.session.actions.soak:
            soak = format_duration(self.session.actions.soak)
            unjudged = self._unjudged()
            if unjudged is None and state.window.state == OK:
                detail = f"{soak} without a rollback trigger; window OK"
                self.step(key, "soak", "done", detail)
                self._finish(key, "succeeded", detail)
                return
            reason = unjudged or "; ".join(state.window.reasons) or "the window was not judged"
            detail = f"{soak} without a rollback trigger, but not judged healthy: {reason}"
            self.step(key, "soak", "inconclusive", detail, why)
            self._finish(key, "inconclusive", detail)

    # --- after a restart ---------------------------------------------------------------------

    def resume(self) -> None:
        """An action the last session did not finish: shown with its last known state."""
        app = self.host
        for key, action in list(app.state.actions.items()):
            if not action.open:
                continue
            step = action.last_step
            last = f"{step.step} {step.status} {step.detail}".strip() if step else "planned"
            detail = f"last known: {last}"
            if action.confirmed:
                detail = (
                    "the last cockpit ended with no record of why (killed or crashed);"
                    f" {detail}: {_where_cut_off(action)}"
                )
                message = (
                    f"UNFINISHED ACTION from before: {action.title} by {action.by}; {detail}."
                    " Check the cluster before acting again."
                )
                app.dispatch(ev.Alert(key="action", level="warning", message=message, at=app.now()))
            finished = ev.ActionFinished(id=key, outcome="interrupted", detail=detail, at=app.now())
            app.dispatch(finished)
            self._republish(key, action, finished)

    def _republish(self, key: str, action: ActionState, finished: ev.ActionFinished) -> None:
        """A move the last process patched and never closed (kill -9) still says `executing`
        on its Service: say `interrupted` there, over that move only (never a later one)."""
        executed = [s for s in action.steps if s.step == "execute"]
        where = action.params.get("move")
        if not executed or not isinstance(where, Mapping):
            return
        try:
            selector = SelectorMove(**where)
        except TypeError:
            return  # an older journal's shape: nothing to say it over
        at = executed[0].at or finished.at
        move = Move(action=action.action, id=key, by=action.by, holder="", state=EXECUTING,
                    at=at, updated=at, label=selector.label, to=selector.to)  # fmt: skip
        self._moved[key] = (selector, move)
        self._announce(finished)


def _where_cut_off(action: ActionState) -> str:
    """Where a selector move cut off with no safe point left the traffic, by its last
    record: before the patch on the old colour, after it on the new one, during it either."""
    step, move = action.last_step, action.params.get("move")
    if step is None or not move:
        return "check before acting"
    before = action.params.get("expected") or "the old version"
    if step.step == "dry-run":
        return f"traffic on {before}, nothing was executed"
    if step.step == "execute" and step.status != "done":
        return f"traffic on {before} or {move['to']}, the patch's outcome is not on record"
    return f"traffic on {move['to']} at the last record, the {step.step} not finished"


def _about_dump(backup: Any) -> str:
    """A dump as the operator chooses it: when, how big, which checksum."""
    from cockpit.actions.backup import human_size

    taken = datetime.fromisoformat(backup.taken_at)
    size = human_size(backup.size_bytes)
    return f"{taken:%Y-%m-%d %H:%M}Z  {size}  sha256 {backup.sha256[:12]}…"


def _params(context: dict[str, Any]) -> dict[str, Any]:
    """What the journal keeps of a plan's context: plain values, never a password."""
    out: dict[str, Any] = {}
    for name, value in context.items():
        if isinstance(value, SelectorMove):
            out[name] = asdict(value)
        elif isinstance(value, str | int | float | bool):
            out[name] = value
    return out
