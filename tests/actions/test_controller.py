"""The actions controller on its own: no Textual, a host that only reduces what it is told.

Every branch that ends an action is driven here from events: refusals, a confirmation the
journal could not make durable, a lock lost under the preview, verification that times
out, a soak failed by a trigger or an out-of-band selector change, an inconclusive soak,
a crash in the worker, a hang-up, and an action a restart finds unfinished.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

import pytest

from cockpit.actions.controller import Actions
from cockpit.actions.selector import SelectorMove
from cockpit.model import events as ev
from cockpit.model.rules import judge_window, window_events
from tests.helpers.action_host import (
    T0,
    Host,
    cluster_host,
    cut_over,
    later,
    observe,
    only,
    overridden,
    run_ticks,
)
from tests.postgres_server import fake_backup

MOVE = SelectorMove(service="valeo-erp", namespace="production", to="green", app="valeo-erp")
VERSIONS = ("blue", "green")


def at_step(host: Host, step: str, action: str = "cutover") -> str:
    """An action confirmed and standing at `step` running, as the worker leaves it."""
    key = f"{action}@{host.now()}"
    host.dispatch(
        ev.ActionPlanned(
            id=key,
            action=action,
            target="valeo-erp",
            title="Cutover valeo-erp blue → green",
            params={"move": vars(MOVE) | {}, "expected": "blue"},
            by="alice@bastion",
            at=host.now(),
        )
    )
    host.dispatch(ev.ActionConfirmed(id=key, by="alice@bastion", at=host.now()))
    host.dispatch(ev.ActionStep(id=key, step=step, status="running", at=host.now()))
    return key


def standing_at(host: Host, step: str, seconds: float) -> Actions:
    """A controller over an action standing at `step`, judged `seconds` later."""
    controller = Actions(host)
    at_step(host, step)
    later(controller, host, seconds)
    return controller


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["cutover", "rollback", "backup", "restore_test"])
def test_a_refused_key_is_a_journaled_notice_and_plans_nothing(key):
    host = Host()
    host.refusal = "read-only mode"
    getattr(Actions(host), key)()
    assert host.notices() == [("error", "not now: read-only mode")]
    assert host.state.actions == {} and host.asked == [] and host.chosen == []


def test_nothing_new_while_an_action_runs():
    host = Host()
    at_step(host, "verify")
    Actions(host).cutover()
    assert host.notices() == [("error", "not now: Cutover valeo-erp blue → green is still running")]


def test_backup_without_a_database_says_what_is_missing():
    host = Host()
    Actions(host).backup()
    assert host.notices() == [
        ("error", "backup needs PostgreSQL in the config (postgres: {dsn, backup_dir})")
    ]


def test_the_rollback_options_say_why_they_cannot_be_chosen():
    host = Host()
    Actions(host).rollback()
    ((title, choices, _),) = host.chosen
    assert title == "Rollback: fastest first"
    assert [(c.id, c.disabled) for c in choices] == [
        ("selector", "Kubernetes not configured"),
        ("helm", "Kubernetes not configured"),
        ("restore", "PostgreSQL not configured"),
    ]


def restore_host(tmp_path) -> Host:
    """A host with a database and three dumps: two verified, the newest not."""
    backups = tmp_path / "backups"
    backups.mkdir()
    for hours, verified in ((3, True), (2, True), (1, False)):
        fake_backup(backups, T0 - timedelta(hours=hours), verified=verified)
    dsn = "host=127.0.0.1 port=1 dbname=valeo_erp user=cockpit"
    return Host(postgres={"dsn": dsn, "backup_dir": str(backups)})


def chosen_restore(host: Host, controller: Actions, pick: int = 0):
    """The rollback's restore option, then the dump at `pick`: (choices, plan, answered)."""
    controller.rollback()
    host.chosen.pop()[2]("restore")
    host.settle()
    ((title, choices, answered),) = host.chosen
    assert title == "Restore valeo_erp from which backup? (verified ones, newest first)"
    answered(choices[pick].id)
    host.settle()
    ((plan, _, _, confirmed),) = host.asked
    return choices, plan, confirmed


def test_a_restore_offers_the_verified_dumps_newest_first_with_time_size_and_sha(tmp_path):
    host = restore_host(tmp_path)
    choices, plan, _ = chosen_restore(host, Actions(host), pick=1)
    digests = {c.id: (tmp_path / "backups" / f"{c.id}.sha256").read_text()[:12] for c in choices}
    assert [c.id for c in choices] == [
        "valeo_erp-20261121T090000Z.dump",
        "valeo_erp-20261121T080000Z.dump",
    ]
    assert [c.label for c in choices] == [
        f"2026-11-21 09:00Z  42 B  sha256 {digests['valeo_erp-20261121T090000Z.dump']}…",
        f"2026-11-21 08:00Z  42 B  sha256 {digests['valeo_erp-20261121T080000Z.dump']}…",
    ]
    assert plan.title == "Restore valeo_erp from valeo_erp-20261121T080000Z.dump"
    planned = host.of(ev.ActionPlanned)[-1]
    assert planned.params["backup_name"] == "valeo_erp-20261121T080000Z.dump"


def test_a_restore_is_confirmed_with_its_own_words_not_the_backups(tmp_path):
    host = restore_host(tmp_path)
    _, plan, _ = chosen_restore(host, Actions(host))
    assert plan.to_type == "restore valeo_erp" != plan.target
    assert plan.confirmation("valeo_erp")[:2] == (False, ())
    assert plan.confirmation("restore valeo_erp")[:2] == (True, ())


def test_a_dump_changed_since_its_checksum_is_refused_and_the_check_journaled(tmp_path):
    host = restore_host(tmp_path)
    _, _, confirmed = chosen_restore(host, Actions(host))
    dump = tmp_path / "backups" / "valeo_erp-20261121T090000Z.dump"
    dump.write_bytes(dump.read_bytes() + b"tampered")
    confirmed(("restore valeo_erp", ()))
    host.settle()
    steps = [(e.step, e.status) for e in host.of(ev.ActionStep)]
    assert steps == [("checksum", "running"), ("checksum", "failed")]
    action = only(host)
    assert action.outcome == "failed"
    assert "does not match its checksum" in action.detail and "refusing" in action.detail


def test_a_cancel_asks_why_and_journals_it_before_the_action_stops():
    host = Host()
    key = at_step(host, "dump", action="backup")
    controller = Actions(host)
    controller.cancel_running()
    ((title, subject, answered),) = host.reasons
    assert title == "Why cancel it? (esc: let it run)" and subject == only(host).title
    assert not controller.cancel.is_set()  # nothing stops before the reason is given
    answered("dump too slow for the window")
    assert controller.cancel.is_set()
    (abort,) = host.of(ev.ActionAbort)
    assert (abort.id, abort.by, abort.reason) == (
        key,
        "alice@bastion",
        "dump too slow for the window",
    )
    assert host.notices()[-1][1].endswith("at its next safe point")


def test_a_cancel_without_a_reason_lets_the_action_run_and_says_so():
    host = Host()
    at_step(host, "dump", action="backup")
    controller = Actions(host)
    controller.cancel_running()
    (*_, answered) = host.reasons[0]
    answered(None)
    assert not controller.cancel.is_set() and host.of(ev.ActionAbort) == []
    assert host.notices()[-1] == (
        "warning",
        "not cancelled: Cutover valeo-erp blue → green runs on (a cancel needs a reason)",
    )


def test_a_cancel_whose_action_ended_under_the_question_stops_nothing():
    host = Host()
    key = at_step(host, "dump", action="backup")
    controller = Actions(host)
    controller.cancel_running()
    host.dispatch(ev.ActionFinished(id=key, outcome="succeeded", at=host.now()))
    (*_, answered) = host.reasons[0]
    answered("too slow")
    assert not controller.cancel.is_set() and host.of(ev.ActionAbort) == []
    assert "is no longer running" in host.notices()[-1][1]


def test_cancel_with_nothing_running_only_says_so():
    host = Host()
    Actions(host).cancel_running()
    assert host.notices() == [("warning", "no action is running")]


# --- preview and confirmation ---------------------------------------------------------------


def test_a_preview_left_unanswered_ends_not_confirmed():
    host = Host()
    observe(host)
    Actions(host).cutover()
    ((plan, where, holder, answered),) = host.asked
    assert plan.action == "cutover" and where == "no cluster/production"
    assert holder == "not configured"
    answered(None)
    assert (only(host).outcome, only(host).detail) == ("cancelled", "not confirmed")


def test_each_plan_has_an_id_of_its_own_within_one_second():
    """`c`, esc, `c` within a second (or a restart in it): two plans, two ids, so that each
    confirmation and result is of one plan (the truth machine found them sharing one)."""
    host = Host()
    observe(host)
    controller = Actions(host)
    for _ in range(3):
        controller.cutover()
        host.asked.pop()[-1](None)
    ids = [e.id for e in host.of(ev.ActionPlanned)]
    assert len(set(ids)) == 3 and all(i.startswith(f"cutover@{host.now()}") for i in ids)
    assert [a.outcome for a in host.state.actions.values()] == ["cancelled"] * 3


def test_an_override_asks_why_and_the_reason_is_journaled_with_the_confirmation():
    host = Host()
    observe(host)
    controller = Actions(host)
    controller.cutover()
    (plan, *_, answered) = host.asked[0]
    answered(("override valeo-erp", ("go/no-go is GO",)))
    assert host.of(ev.ActionConfirmed) == []  # not before the reason
    ((title, subject, because),) = host.reasons
    assert title == "Why override: go/no-go is GO?" and subject == plan.title
    assert host.hints == ["enter: override, run · esc: nothing runs"]  # not a preview's words
    because("CAB-231 accepted the open smoke tests")
    (confirmed,) = host.of(ev.ActionConfirmed)
    assert confirmed.overridden == ("go/no-go is GO",)
    assert confirmed.reason == "CAB-231 accepted the open smoke tests"
    assert only(host).override_reason == "CAB-231 accepted the open smoke tests"
    controller.thread.join(5)  # no cluster configured: the worker fails at once
    host.run_queued()


def test_an_override_without_a_reason_executes_nothing():
    host = Host()
    observe(host)
    Actions(host).cutover()
    (*_, answered) = host.asked[0]
    answered(("override valeo-erp", ("go/no-go is GO",)))
    (*_, because) = host.reasons[0]
    because(None)
    action = only(host)
    assert (action.outcome, action.detail) == (
        "cancelled",
        "override without a reason: nothing was executed",
    )
    assert host.of(ev.ActionConfirmed) == [] and host.of(ev.ActionStep) == []
    assert host.notices()[-1][1].endswith("(an override needs a reason)")


def test_a_confirmation_without_an_override_asks_no_reason():
    host = Host()
    observe(host)
    controller = Actions(host)
    controller.cutover()
    (*_, answered) = host.asked[0]
    answered(("valeo-erp", ()))
    assert host.reasons == [] and host.of(ev.ActionConfirmed)[0].reason == ""
    controller.thread.join(5)
    host.run_queued()


def test_a_lock_lost_under_the_preview_executes_nothing():
    host = Host()
    observe(host)
    Actions(host).cutover()
    (*_, answered) = host.asked[0]
    host.refusal = "the window lock is held by bob@bastion#1-a: only its holder acts"
    answered(("valeo-erp", ()))
    action = only(host)
    assert action.outcome == "failed" and action.detail == host.refusal
    assert host.of(ev.ActionConfirmed) == [] and host.of(ev.ActionStep) == []
    assert host.notices()[-1][1] == f"not executed: {host.refusal}"


def test_a_confirmation_the_journal_cannot_keep_runs_nothing():
    host = Host()
    observe(host)
    Actions(host).cutover()
    (*_, answered) = host.asked[0]
    host.journal_full = True
    answered(("valeo-erp", ()))
    action = only(host)
    assert action.outcome == "failed"
    assert action.detail.startswith("nothing was executed: audit journal not writable")
    assert action.confirmed == "" and host.of(ev.ActionStep) == []


def test_a_crash_in_the_worker_ends_the_action_with_the_reason():
    host = Host()
    observe(host)
    controller = Actions(host)
    controller.cutover()
    (*_, answered) = host.asked[0]
    answered(("valeo-erp", ()))  # Kubernetes is not configured: the worker fails at once
    controller.thread.join(5)
    host.run_queued()
    action = only(host)
    assert action.outcome == "failed" and action.detail == "Kubernetes not configured"
    assert (action.last_step.step, action.last_step.status) == ("execute", "failed")


# --- verification and soak, from the watched state ----------------------------------------


def test_verify_passes_when_only_ready_green_pods_are_endpoints_then_soaks():
    host = Host()
    observe(host, selector="green")
    standing_at(host, "verify", 1)
    steps = [(s.step, s.status) for s in only(host).steps]
    assert steps == [("verify", "done"), ("soak", "running")]
    assert "cannot be judged: Prometheus not configured" in only(host).last_step.detail


def test_verify_times_out_with_what_it_saw():
    host = Host()
    observe(host, selector="green", endpoints=(("green", True), ("green", False), ("blue", True)))
    standing_at(host, "verify", 31)
    action = only(host)
    assert action.outcome == "failed"
    assert action.detail.startswith("not verified after 30s: ")


def test_a_verification_that_timed_out_leaves_the_window_at_rollback_with_where_and_why():
    # crashloop: two of green's three pods never get ready; the Service stays on green
    host = Host()
    crashing = (("green", True), ("green", False), ("green", False))
    observe(host, selector="green", endpoints=crashing)
    standing_at(host, "verify", 31)
    assert only(host).outcome == "failed"
    verdict = judge_window(host.state, "plan", {}, "valeo-erp", "version")
    assert verdict is not None and verdict.state == "ROLLBACK"
    assert "valeo-erp selects version=green: 1/3 ready endpoints" in verdict.reasons
    (alert,) = [e for e in window_events(host.state, verdict, UTC) if isinstance(e, ev.Alert)]
    assert alert.message == (
        "CUTOVER FAILED: traffic on green (valeo-erp selects version=green) — not verified "
        "after 30s: 1/3 green endpoints ready, 2 not ready · r starts the rollback"
    )


def test_a_soak_fails_at_once_when_the_selector_is_changed_behind_its_back():
    host = Host()
    observe(host, selector="green")
    controller = standing_at(host, "soak", 5)
    assert only(host).outcome == ""  # soaking
    observe(host, selector="blue")  # kubectl patch, out of band
    later(controller, host, 1)
    action = only(host)
    assert action.outcome == "failed"
    assert (
        action.detail == "the Service no longer selects green (version=blue): changed out of band"
    )


def test_a_soak_fails_on_a_rollback_trigger():
    host = Host()
    observe(host, selector="green")
    controller = Actions(host)
    at_step(host, "soak")
    host.dispatch(ev.WindowJudged(state="ROLLBACK", reasons=("Error-Rate > 5%",), at=host.now()))
    host.dispatch(
        ev.Alert(key="rollback", level="critical", message="ROLLBACK TRIGGER x", at=host.now())
    )
    host.advance(1)
    run_ticks(controller, host)
    assert only(host).outcome == "failed"
    assert only(host).detail == "rollback trigger during the soak: ROLLBACK TRIGGER x"


def test_a_soak_without_metrics_is_inconclusive_never_succeeded():
    host = Host()
    observe(host, selector="green")
    standing_at(host, "soak", 61)
    action = only(host)
    assert action.outcome == "inconclusive"
    assert "not judged healthy: Prometheus not configured" in action.detail


def test_a_soak_judged_ok_at_its_end_succeeds():
    host = Host(prometheus={"url": "http://127.0.0.1:9"})
    observe(host, selector="green")
    host.dispatch(ev.SourceStatus(source="prometheus", state="ok", at=host.now()))
    host.dispatch(ev.WindowJudged(state="OK", at=host.now()))
    standing_at(host, "soak", 61)
    assert (only(host).outcome, only(host).detail) == (
        "succeeded",
        "1m without a rollback trigger; window OK",
    )


def test_a_soak_with_a_silent_prometheus_is_inconclusive():
    host = Host(prometheus={"url": "http://127.0.0.1:9"})
    observe(host, selector="green")
    host.dispatch(ev.SourceStatus(source="prometheus", state="slow", at=host.now()))
    host.dispatch(ev.WindowJudged(state="OK", at=host.now()))  # judged before it went slow
    standing_at(host, "soak", 61)
    assert only(host).outcome == "inconclusive"
    assert "Prometheus slow since" in only(host).detail


def judged(host: Host, blue: list[float], green: list[float]) -> None:
    """Error rates per version, one every 30 s up to now, judged as the app judges them."""
    now = host.now_at
    samples = tuple(
        {"labels": {"version": v}, "t": (now - timedelta(seconds=30 * (len(xs) - i))).timestamp()}
        | {"value": str(x)}
        for v, xs in (("blue", blue), ("green", green))
        for i, x in enumerate(xs)
    )
    host.dispatch(ev.MetricObserved(metric="error_rate", samples=samples, instant=False))
    keys = {"error_rate": "error_rate"}
    verdict = judge_window(host.state, "plan", keys, "valeo-erp", "version", versions=VERSIONS)
    assert verdict is not None
    for event in window_events(host.state, verdict, UTC):
        host.dispatch(event)


BLUE = [0.002 + i * 0.0001 for i in range(20)]  # 0.2 % … 0.39 %: all within the runbook


def test_a_soak_fails_when_green_is_worse_than_blue_within_the_thresholds():
    host = Host(prometheus={"url": "http://127.0.0.1:9"})
    observe(host, selector="green")
    host.dispatch(ev.SourceStatus(source="prometheus", state="ok", at=host.now()))
    controller = Actions(host)
    at_step(host, "soak")
    judged(host, BLUE, [v + 0.004 for v in BLUE])  # 0.6 % … 0.79 %: below 1 %, above blue
    later(controller, host, 1)
    action = only(host)
    assert action.outcome == "failed"
    assert action.detail.startswith(
        "green worse than blue during the soak: Green vs blue on error_rate: Fail: green higher"
    )
    (item,) = host.of(ev.ActionStep)[-1].evidence
    assert item["kind"] == "compare" and item["n_green"] == 20 and item["p"] < 0.01


def test_a_marginal_comparison_leaves_the_soak_to_a_person():
    host = Host(prometheus={"url": "http://127.0.0.1:9"})
    observe(host, selector="green")
    host.dispatch(ev.SourceStatus(source="prometheus", state="ok", at=host.now()))
    controller = Actions(host)
    at_step(host, "soak")
    judged(host, BLUE, [v + 0.0004 for v in BLUE])  # a fifth of the spread higher
    assert host.state.window.state == "HOLD"
    later(controller, host, 61)
    action = only(host)
    assert action.outcome == "inconclusive"
    assert "Green vs blue on error_rate: Marginal: green higher" in action.detail
    assert "a person decides" in action.detail
    assert [i["state"] for i in host.of(ev.ActionStep)[-1].evidence] == ["Marginal"]


def test_a_like_green_passes_the_comparison_and_the_soak():
    host = Host(prometheus={"url": "http://127.0.0.1:9"})
    observe(host, selector="green")
    host.dispatch(ev.SourceStatus(source="prometheus", state="ok", at=host.now()))
    controller = Actions(host)
    at_step(host, "soak")
    judged(host, BLUE, list(reversed(BLUE)))
    later(controller, host, 61)
    compared = [i for i in host.state.window.evidence if i["kind"] == "compare"]
    assert [i["state"] for i in compared] == ["Pass"]
    assert (only(host).outcome, only(host).detail) == (
        "succeeded",
        "1m without a rollback trigger; window OK",
    )


# --- hang-up and restart ------------------------------------------------------------------


def test_once_detached_the_steps_go_straight_to_the_journal():
    host = Host()
    controller = Actions(host)
    controller.detach()
    controller.step("k", "dump", "running")
    assert [type(e) for e in host.recorded] == [ev.ActionStep] and host.queued == []


def test_a_hang_up_during_the_soak_journals_where_the_traffic_is_before_the_session_ends():
    host = Host()
    observe(host, selector="green")
    controller = standing_at(host, "soak", 42)
    assert controller.detach() is None  # the soak is judged on the loop: no worker to wait for
    controller.close_out()
    step, result = host.recorded
    assert isinstance(step, ev.ActionStep) and (step.step, step.status) == ("soak", "interrupted")
    assert isinstance(result, ev.ActionFinished) and result.outcome == "interrupted"
    assert result.detail == "terminal gone: traffic on green, soak cut short after 42 s of 1m"


def test_a_hang_up_while_verifying_says_what_the_selector_selects():
    host = Host()
    controller = Actions(host)
    at_step(host, "verify")
    controller.detach()
    controller.close_out()
    assert [e.detail for e in host.recorded if isinstance(e, ev.ActionFinished)] == [
        "terminal gone: the Service selects green, its endpoints not verified"
    ]


def test_a_hang_up_before_the_loop_saw_the_patch_says_where_the_traffic_is():
    """The worker patched and said so, but the loop had not run its steps when the terminal
    went: the safe point is the journal's last step, not the state's (which knew none and
    said "nothing was executed"; found by the actions truth machine)."""
    host = Host()
    controller = Actions(host)
    key = at_step(host, "dry-run")
    for step, status in (("dry-run", "done"), ("execute", "running"), ("execute", "done")):
        controller.step(key, step, status)
    controller.step(key, "verify", "running", "waiting for only green endpoints, all ready")
    assert host.queued  # the loop has not run them
    controller.detach()
    controller.close_out()
    *steps, interrupted, result = host.recorded
    assert [(s.step, s.status) for s in steps][-1] == ("verify", "running")
    assert (interrupted.step, interrupted.status) == ("verify", "interrupted")
    assert (result.outcome, result.detail) == (
        "interrupted",
        "terminal gone: the Service selects green, its endpoints not verified",
    )


def test_a_hang_up_under_an_open_preview_ends_it_unconfirmed():
    host = Host()
    controller = Actions(host)
    key = "cutover@x"
    host.dispatch(ev.ActionPlanned(id=key, action="cutover", target="t", title="T", at=host.now()))
    controller.detach()
    controller.close_out()
    (result,) = host.recorded
    assert (result.id, result.outcome) == (key, "cancelled")
    assert result.detail == "terminal gone before the confirmation: nothing was executed"


def test_an_action_that_ended_on_its_own_after_the_hang_up_is_not_ended_twice():
    host = Host()
    controller = Actions(host)
    key = at_step(host, "execute", action="backup")
    controller.detach()
    controller.emit(ev.ActionFinished(id=key, outcome="cancelled", detail="at a safe point"))
    controller.close_out()
    assert [e.outcome for e in host.recorded if isinstance(e, ev.ActionFinished)] == ["cancelled"]


def test_a_worker_still_running_after_its_grace_is_ended_with_its_last_known_step():
    host = Host()
    controller = Actions(host)
    key = at_step(host, "execute", action="rollback-helm")
    host.dispatch(ev.ActionStep(id=key, step="execute", status="running", detail="helm …"))
    controller.detach()
    controller.close_out()
    (result,) = [e for e in host.recorded if isinstance(e, ev.ActionFinished)]
    assert result.outcome == "interrupted"
    assert result.detail == (
        "terminal gone during execute (last known: execute running helm …): check before acting"
    )


def test_an_action_a_restart_finds_unfinished_is_shown_and_closed():
    host = Host()
    at_step(host, "execute")
    Actions(host).resume()
    action = only(host)
    assert action.outcome == "interrupted"
    assert action.detail == (
        "the last cockpit ended with no record of why (killed or crashed); last known:"
        " execute running: traffic on blue or green, the patch's outcome is not on record"
    )
    assert host.state.alerts["action"].message.startswith("UNFINISHED ACTION from before")


@pytest.mark.parametrize(
    ("step", "where"),
    [
        ("dry-run", "traffic on blue, nothing was executed"),
        ("verify", "traffic on green at the last record, the verify not finished"),
        ("soak", "traffic on green at the last record, the soak not finished"),
    ],
)
def test_an_action_a_kill_cut_off_is_closed_saying_where_the_traffic_was(step, where):
    """After a `kill -9` no safe point was journaled: the restart says the last cockpit
    ended without one, and where the Service sent the traffic at the last record (found by
    tests/truth/process_machine.py: it said only "last known: soak running")."""
    host = Host()
    at_step(host, step)
    Actions(host).resume()
    action = only(host)
    assert action.outcome == "interrupted"
    assert action.detail == (
        "the last cockpit ended with no record of why (killed or crashed); last known:"
        f" {step} running: {where}"
    )
    assert action.detail in host.state.alerts["action"].message


def test_an_unfinished_action_without_a_move_says_only_its_last_step():
    host = Host()
    key = "backup@x"
    host.dispatch(ev.ActionPlanned(id=key, action="backup", target="db", title="Backup db"))
    host.dispatch(ev.ActionConfirmed(id=key, by="alice@bastion", at=host.now()))
    host.dispatch(ev.ActionStep(id=key, step="execute", status="running", detail="pg_dump"))
    Actions(host).resume()
    assert only(host).detail == (
        "the last cockpit ended with no record of why (killed or crashed); last known:"
        " execute running pg_dump: check before acting"
    )


# --- four-eyes: the gate, against the emulator's cluster -------------------------------------

POLICY = {"required_for": ["cutover", "rollback", "restore"], "expires": "15m"}


def four_eyes_host(kubeconfig, operator: str = "alice@bastion", login: str = "", **policy) -> Host:
    """A cockpit of `operator`, under the OS account `login` (by default the operator's
    own name: every test process runs as one account)."""
    host = Host(
        kubeconfig=str(kubeconfig),
        context="valeo-sim",
        operator=operator,
        approval=POLICY | policy,
        login=login or operator.split("@")[0],
    )
    observe(host)
    return host


def client_of(host: Host):
    from cockpit.clients.approvals import ApprovalClient
    from cockpit.clients.kube import kube_settings

    return ApprovalClient(kube_settings(host.session), host.session.lock)


def watched(host: Host, cluster) -> None:
    """What the approvals watch would emit for the object as the cluster has it now."""
    from cockpit.sources.approvals import approval_events

    obj = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    for event in approval_events(obj, "MODIFIED", host.now()):
        host.dispatch(event)


def asked_for_approval(host: Host, cluster) -> Actions:
    controller = Actions(host)
    controller.cutover()
    host.settle()
    watched(host, cluster)
    return controller


def granted(host: Host, cluster, approver: str = "bob@laptop", minutes: float = 15) -> None:
    expires = (host.now_at + timedelta(minutes=minutes)).isoformat()
    client_of(host).grant(
        host.state.approval, approver, f"{approver}#9-b", "ok", host.now(), expires
    )
    watched(host, cluster)


def confirmed_after_approval(host: Host, controller: Actions) -> None:
    run_ticks(controller, host)
    ((plan, _, _, answered),) = host.asked
    overridden(host, plan, answered)


def test_a_required_approval_publishes_the_plan_and_waits(cluster, kubeconfig):
    from cockpit.model.approval import plan_digest

    host = four_eyes_host(kubeconfig)
    controller = asked_for_approval(host, cluster)
    (planned,) = host.of(ev.ActionPlanned)
    assert host.asked == []  # no preview to confirm before the approval
    cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    assert cm["metadata"]["labels"] == {"cockpit.dev/approval": "cockpit-window"}
    failed = [p["name"] for p in planned.preconditions if p["status"] == "failed"]
    digest = plan_digest(planned.action, planned.target, planned.changes, planned.params, failed)
    assert cm["data"]["digest"] == digest and cm["data"]["status"] == "requested"
    assert cm["data"]["requester"] == "alice@bastion"
    assert cm["data"]["requesterIdentity"] == host.session.holder
    assert "+   version: green" in cm["data"]["preview"].splitlines()
    assert cm["data"]["validForSeconds"] == "900"
    step = only(host).last_step
    assert (step.step, step.status) == ("approval", "running")
    assert "waiting for a second operator" in step.detail
    controller.cutover()  # one at a time, the waiting one too
    assert host.notices()[-1][1].startswith("not now: Cutover valeo-erp: blue → green waits")


def test_a_request_a_restart_cut_off_is_withdrawn_not_left_for_observers(cluster, kubeconfig):
    before = four_eyes_host(kubeconfig)
    asked_for_approval(before, cluster)
    restarted = four_eyes_host(kubeconfig)  # the same operator, a new process
    for event in before.of(ev.ActionPlanned) + before.of(ev.ActionStep):
        restarted.dispatch(event)  # what the progress store restores
    controller = Actions(restarted)
    watched(restarted, cluster)
    run_ticks(controller, restarted)  # still open: nothing is withdrawn
    cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    assert cm["data"]["status"] == "requested"
    controller.resume()
    run_ticks(controller, restarted)
    restarted.settle()
    cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    assert cm["data"]["status"] == "withdrawn"
    assert "its action ended interrupted" in cm["data"]["reason"]
    assert (
        "information",
        "approval request withdrawn: its action ended interrupted "
        "(the requesting cockpit restarted)",
    ) in restarted.notices()


def test_a_request_of_the_same_name_under_another_account_is_not_ours_to_withdraw(
    cluster, kubeconfig
):
    """The display name is the operator's to choose (COCKPIT_OPERATOR): the OS account
    says whose request it is."""
    before = four_eyes_host(kubeconfig)
    asked_for_approval(before, cluster)
    other = four_eyes_host(kubeconfig, login="mallory")  # calls itself alice@bastion
    for event in before.of(ev.ActionPlanned) + before.of(ev.ActionStep):
        other.dispatch(event)
    controller = Actions(other)
    watched(other, cluster)
    controller.resume()
    run_ticks(controller, other)
    other.settle()
    cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    assert cm["data"]["status"] == "requested"


def test_the_cancel_key_withdraws_a_waiting_request(cluster, kubeconfig):
    host = four_eyes_host(kubeconfig)
    controller = asked_for_approval(host, cluster)
    controller.cancel_running()
    host.settle()
    action = only(host)
    assert action.outcome == "cancelled" and "withdrawn by alice@bastion" in action.detail
    cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    assert cm["data"]["status"] == "withdrawn"


def test_an_approval_opens_the_preview_and_the_checked_plan_runs(cluster, kubeconfig):
    host = four_eyes_host(kubeconfig)
    controller = asked_for_approval(host, cluster)
    granted(host, cluster)
    confirmed_after_approval(host, controller)
    steps = [(s.step, s.status, s.detail) for s in only(host).steps]
    assert steps[0][:2] == ("approval", "done")
    # the window's zone (Berlin): approved at 12:00, for 15 minutes
    assert (
        steps[0][2]
        == "checked at execute, plan unchanged: approved by bob@laptop: ok (until 12:15:00)"
    )
    assert ("dry-run", "done") in [s[:2] for s in steps] and only(host).confirmed
    assert host.of(ev.ApprovalRefused) == []
    cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    assert cm["data"]["status"] == "used"  # spent: the next move needs its own approval


def test_an_approval_by_the_requester_herself_is_refused_at_execute_time(cluster, kubeconfig):
    host = four_eyes_host(kubeconfig)
    controller = asked_for_approval(host, cluster)
    granted(host, cluster)
    run_ticks(controller, host)  # the preview is open
    granted(host, cluster, approver="alice@other-host")  # kubectl edit, an old cockpit …
    confirmed_after_approval(host, controller)
    action = only(host)
    assert action.outcome == "failed" and "approved by its own requester" in action.detail
    assert [s.step for s in action.steps][-1] == "approval"  # nothing ran after it
    (refused,) = host.of(ev.ApprovalRefused)
    assert refused.by == "alice@bastion"
    assert host.notices()[-1][1].startswith("not executed: approved by its own requester")


@pytest.mark.parametrize(
    ("approver", "minutes", "said"),
    [
        ("alice@other-host", 0, "approved by its own requester"),
        ("bob@laptop", 16, "the approval by bob@laptop expired at"),
    ],
)
def test_a_refused_approval_opens_no_approved_preview(cluster, kubeconfig, approver, minutes, said):
    host = four_eyes_host(kubeconfig)
    controller = asked_for_approval(host, cluster)
    granted(host, cluster, approver=approver)
    host.advance(minutes * 60)
    run_ticks(controller, host)
    assert host.asked == []  # no preview saying "approved by a second operator"
    action = only(host)
    assert action.outcome == "failed" and said in action.detail
    (refused,) = host.of(ev.ApprovalRefused)
    assert refused.by == "alice@bastion" and said in refused.reason
    assert controller.four_eyes.waiting is None


def test_an_approval_dated_in_the_future_is_refused(cluster, kubeconfig):
    host = four_eyes_host(kubeconfig)
    controller = asked_for_approval(host, cluster)
    ahead = host.now_at + timedelta(hours=2)  # the approver's clock, or a hand edit
    until = (ahead + timedelta(minutes=15)).isoformat()
    client_of(host).grant(host.state.approval, "bob@laptop", "b", "", ahead.isoformat(), until)
    watched(host, cluster)
    run_ticks(controller, host)
    assert host.asked == [] and "ahead of this cockpit's clock" in only(host).detail


def test_an_expired_approval_is_refused(cluster, kubeconfig):
    host = four_eyes_host(kubeconfig)
    controller = asked_for_approval(host, cluster)
    granted(host, cluster)
    run_ticks(controller, host)  # the preview is open, the operator hesitates
    host.advance(16 * 60)
    confirmed_after_approval(host, controller)
    assert "the approval by bob@laptop expired at" in only(host).detail


def test_an_approval_longer_than_the_policy_holds_only_as_long_as_the_policy(cluster, kubeconfig):
    host = four_eyes_host(kubeconfig, expires="5m")
    controller = asked_for_approval(host, cluster)
    granted(host, cluster, minutes=60)  # the approver's cockpit wrote an hour
    run_ticks(controller, host)
    host.advance(6 * 60)
    confirmed_after_approval(host, controller)
    assert "expired at 2026-11-21T11:05:00+00:00" in only(host).detail


def test_a_plan_changed_since_its_approval_is_refused(cluster, kubeconfig):
    host = four_eyes_host(kubeconfig)
    controller = asked_for_approval(host, cluster)
    granted(host, cluster)
    observe(host, selector="blue-canary")  # the Service moved under the approved plan
    confirmed_after_approval(host, controller)
    action = only(host)
    assert action.outcome == "failed" and "the plan changed since it was approved" in action.detail
    service = cluster.store.get("services", "production", "valeo-erp")
    assert service["spec"]["selector"]["version"] == "blue"  # never patched


def test_a_precondition_failing_since_the_approval_is_another_plan(cluster, kubeconfig):
    host = four_eyes_host(kubeconfig)
    controller = asked_for_approval(host, cluster)
    granted(host, cluster)
    run_ticks(controller, host)
    ((plan, _, _, answered),) = host.asked
    assert "green pods ready == desired" not in [p.name for p in plan.failed]
    green = {"name": "valeo-erp-green", "labels": {"app": "valeo-erp", "version": "green"}}
    green |= {"replicas": 3, "ready": 1, "updated": 3, "available": 1}  # green falls over
    host.dispatch(ev.KubeObserved(resource="deployments", change="LIST", items=(green,)))
    overridden(host, plan, answered)
    action = only(host)
    assert action.outcome == "failed" and "the plan changed since it was approved" in action.detail
    service = cluster.store.get("services", "production", "valeo-erp")
    assert service["spec"]["selector"]["version"] == "blue"  # never patched


def test_an_emergency_asks_a_reason_journals_it_and_runs_unchecked(cluster, kubeconfig):
    host = four_eyes_host(kubeconfig)
    controller = asked_for_approval(host, cluster)
    controller.four_eyes.emergency()
    ((title, subject, answered),) = host.reasons
    assert title == "Emergency: go on without approval" and subject.startswith("Cutover")
    answered(None)  # no reason, no emergency
    assert host.notices()[-1] == ("warning", "not gone on: an emergency needs a reason")
    assert host.asked == [] and host.of(ev.ApprovalEmergency) == []
    controller.four_eyes.emergency()
    host.reasons[-1][2]("P1: the database is filling up")
    (emergency,) = host.of(ev.ApprovalEmergency)
    assert (emergency.by, emergency.reason) == ("alice@bastion", "P1: the database is filling up")
    ((plan, _, _, answered),) = host.asked
    assert plan.preconditions[-1].status == "unknown"
    overridden(host, plan, answered)
    steps = [(s.step, s.status) for s in only(host).steps]
    assert ("approval", "skipped") in steps and ("execute", "done") in steps
    cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    assert cm["data"]["status"] == "emergency"


def test_the_approver_may_not_approve_her_own_plan(cluster, kubeconfig):
    alice = four_eyes_host(kubeconfig)
    asked_for_approval(alice, cluster)
    again = four_eyes_host(kubeconfig, operator="Alice@laptop")
    watched(again, cluster)
    Actions(again).four_eyes.approve()
    (refused,) = again.of(ev.ApprovalRefused)
    assert refused.by == "Alice@laptop" and again.asked == []
    assert again.notices()[-1][1].startswith("not approved: Alice@laptop requested this plan")


def test_two_names_in_one_os_account_may_not_approve_each_other(cluster, kubeconfig):
    alice = four_eyes_host(kubeconfig, login="ops")
    controller = asked_for_approval(alice, cluster)
    cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    assert cm["data"]["requesterLogin"] == "ops"
    carol = four_eyes_host(kubeconfig, operator="carol@bastion", login="ops")
    watched(carol, cluster)
    Actions(carol).four_eyes.approve()
    (refused,) = carol.of(ev.ApprovalRefused)
    assert "runs under ops, the OS account that requested this plan" in refused.reason
    assert carol.asked == [] and carol.notices()[-1][1].startswith("not approved: carol@bastion")
    # written anyway (an old cockpit, kubectl): refused at the requester's too
    expires = (alice.now_at + timedelta(minutes=15)).isoformat()
    client_of(alice).grant(
        alice.state.approval, "carol@bastion", "c", "", alice.now(), expires, login="ops"
    )
    watched(alice, cluster)
    run_ticks(controller, alice)
    assert alice.asked == [] and "approved by its own requester" in only(alice).detail


def test_an_approver_under_another_account_records_it(cluster, kubeconfig):
    alice = four_eyes_host(kubeconfig)
    asked_for_approval(alice, cluster)
    bob = four_eyes_host(kubeconfig, operator="bob@laptop")
    watched(bob, cluster)
    Actions(bob).four_eyes.approve()
    bob.asked[-1][3](("valeo-erp", ()))
    bob.reasons[-1][2]("")
    bob.settle()
    cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    assert (cm["data"]["requesterLogin"], cm["data"]["approverLogin"]) == ("alice", "bob")
    assert cm["data"]["status"] == "granted"


@pytest.mark.parametrize(
    ("valid_for", "until"),
    [(10**14, 15), (-60, 15), (3600, 15), (60, 1)],
)
def test_the_approver_gives_the_shorter_of_the_requests_validity_and_its_own(
    cluster, kubeconfig, valid_for, until
):
    alice = four_eyes_host(kubeconfig)
    asked_for_approval(alice, cluster)
    client_of(alice).publish(replace(alice.state.approval, valid_for=valid_for))  # hostile
    bob = four_eyes_host(kubeconfig, operator="bob@laptop")
    watched(bob, cluster)
    Actions(bob).four_eyes.approve()
    bob.asked[-1][3](("valeo-erp", ()))
    bob.reasons[-1][2]("")
    bob.settle()
    cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    assert cm["data"]["status"] == "granted"
    assert cm["data"]["expiresAt"] == (bob.now_at + timedelta(minutes=until)).isoformat()


def test_nothing_to_approve_is_said(cluster, kubeconfig):
    bob = four_eyes_host(kubeconfig, operator="bob@laptop")
    Actions(bob).four_eyes.approve()
    assert bob.notices() == [("warning", "no approval is requested in this window")]


def test_an_approval_of_a_request_that_changed_under_the_review_is_a_conflict(cluster, kubeconfig):
    alice = four_eyes_host(kubeconfig)
    asked_for_approval(alice, cluster)
    bob = four_eyes_host(kubeconfig, operator="bob@laptop")
    watched(bob, cluster)
    Actions(bob).four_eyes.approve()
    ((plan, _, _, confirmed),) = bob.asked
    assert plan.title.startswith("Approve: Cutover") and "+   version: green" in plan.changes
    again = replace(alice.state.approval, requested_at=alice.now_at.isoformat() + "x")
    client_of(alice).publish(again)  # alice asks again while bob reads: a new resourceVersion
    confirmed(("valeo-erp", ()))
    bob.reasons[-1][2]("looks right")
    bob.settle()
    assert bob.notices()[-1][0] == "error" and "409 Conflict" in bob.notices()[-1][1]
    cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    assert cm["data"]["status"] == "requested" and cm["data"]["approver"] == ""


def test_backing_out_of_the_approvers_reason_approves_nothing(cluster, kubeconfig):
    alice = four_eyes_host(kubeconfig)
    asked_for_approval(alice, cluster)
    bob = four_eyes_host(kubeconfig, operator="bob@laptop")
    watched(bob, cluster)
    Actions(bob).four_eyes.approve()
    ((_, _, _, confirmed),) = bob.asked
    confirmed(("valeo-erp", ()))
    assert bob.reasons[-1][0] == "Why approve? (optional)" and bob.optional[-1]
    bob.reasons[-1][2](None)  # Escape: not approved
    bob.settle()
    cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    assert (cm["data"]["status"], cm["data"]["approver"]) == ("requested", "")
    assert bob.notices()[-1] == ("information", "not approved: Cutover valeo-erp: blue → green")


def test_an_emergency_can_be_approved_after_the_fact(cluster, kubeconfig):
    alice = four_eyes_host(kubeconfig)
    controller = asked_for_approval(alice, cluster)
    controller.four_eyes.emergency()
    alice.reasons[-1][2]("P1")
    alice.settle()
    bob = four_eyes_host(kubeconfig, operator="bob@laptop")
    watched(bob, cluster)
    assert bob.state.approval.status == "emergency"
    Actions(bob).four_eyes.approve()
    ((plan, _, _, confirmed),) = bob.asked
    assert plan.title == "Approve after the fact: Cutover valeo-erp: blue → green"
    confirmed(("valeo-erp", ()))
    assert bob.optional[-1]  # the reason is optional: an empty answer is ""
    bob.reasons[-1][2]("")
    bob.settle()
    cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
    assert (cm["data"]["status"], cm["data"]["approver"]) == ("granted", "bob@laptop")
    assert bob.notices()[-1][1].startswith("approved: Cutover valeo-erp")


def test_the_approver_of_a_restore_types_what_its_requester_typed(cluster, kubeconfig):
    """A restore is confirmed with `restore <db>`, not the database's name alone (that would
    confirm a backup): the approver's review asks the same."""
    alice = four_eyes_host(kubeconfig)
    asked_for_approval(alice, cluster)
    restore = replace(alice.state.approval, action="restore", target="erp", title="Restore erp")
    client_of(alice).publish(restore)
    bob = four_eyes_host(kubeconfig, operator="bob@laptop")
    watched(bob, cluster)
    Actions(bob).four_eyes.approve()
    plan = bob.asked[-1][0]
    assert plan.to_type == "restore erp"
    assert plan.confirmation("erp")[0] is False and plan.confirmation("restore erp")[0] is True


# --- the move, published on the Service for every cockpit -----------------------------------


def on_the_service(cluster) -> dict:
    import json

    service = cluster.store.get("services", "production", "valeo-erp")
    return json.loads(service["metadata"]["annotations"]["cockpit.dev/move"])


def test_a_cutover_publishes_its_move_in_the_patch_that_moves_the_selector(cluster, kubeconfig):
    host = cluster_host(kubeconfig)
    cut_over(host)
    (key,) = host.state.actions
    service = cluster.store.get("services", "production", "valeo-erp")
    assert service["spec"]["selector"]["version"] == "green"
    move = on_the_service(cluster)
    assert (move["id"], move["action"], move["by"], move["state"]) == (
        key,
        "cutover",
        "alice@bastion",
        "executing",
    )
    assert (move["label"], move["to"], move["holder"]) == ("version", "green", "")
    assert move["at"] == move["updated"] == host.now()


def test_the_outcome_of_a_cutover_is_published_when_its_verification_fails(cluster, kubeconfig):
    host = cluster_host(kubeconfig)
    controller = cut_over(host)
    observe(host, selector="green", endpoints=(("green", True), ("green", False), ("green", False)))
    later(controller, host, 31)
    assert only(host).outcome == "failed"
    assert controller.herald.flush()
    move = on_the_service(cluster)
    assert move["state"] == "failed" and move["detail"] == only(host).detail
    assert move["detail"].startswith("not verified after 30s: 1/3 green endpoints ready")
    assert host.notices() == []


def test_a_hang_up_publishes_where_the_move_stopped(cluster, kubeconfig):
    host = cluster_host(kubeconfig)
    controller = cut_over(host)
    controller.detach()
    controller.close_out()  # flushes what it published, within its bound
    (result,) = [e for e in host.recorded if isinstance(e, ev.ActionFinished)]
    move = on_the_service(cluster)
    assert (move["state"], move["detail"]) == ("interrupted", result.detail)
    assert move["detail"] == "terminal gone: the Service selects green, its endpoints not verified"


def test_an_outcome_is_never_written_over_a_later_move(cluster, kubeconfig):
    import json

    host = cluster_host(kubeconfig)
    controller = cut_over(host)
    later_move = json.dumps(on_the_service(cluster) | {"id": "rollback-selector@bob"})

    def moved_by_bob(service: dict) -> dict:
        service["metadata"]["annotations"]["cockpit.dev/move"] = later_move
        return service

    cluster.store.mutate("services", "production", "valeo-erp", moved_by_bob)
    observe(host, selector="green", endpoints=(("green", False),) * 3)
    later(controller, host, 31)
    assert controller.herald.flush()
    host.run_queued()
    assert on_the_service(cluster)["id"] == "rollback-selector@bob"
    ((level, message),) = host.notices()
    assert level == "warning" and message.startswith(
        "the cutover's state (failed) is not on the Service: the Service carries another move"
    )


def test_a_hang_up_with_a_cluster_that_does_not_answer_still_exits_in_time(
    cluster, kubeconfig, tmp_path
):
    import socket
    import time

    from cockpit.actions.herald import TIMEOUT

    host = cluster_host(kubeconfig)
    controller = cut_over(host)
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        text = kubeconfig.read_text().replace(
            cluster.url, f"http://127.0.0.1:{silent.getsockname()[1]}"
        )
        kubeconfig.write_text(text)
        controller.detach()
        started = time.monotonic()
        controller.close_out()
        took = time.monotonic() - started
    assert took < TIMEOUT + 1.5, took
    assert [e.outcome for e in host.recorded if isinstance(e, ev.ActionFinished)] == ["interrupted"]
    assert on_the_service(cluster)["state"] == "executing"  # not written, and said so:
    (notice,) = [e for e in host.recorded if isinstance(e, ev.Notice)]
    assert notice.message.startswith("the moves' last state was not on the Service within 3 s")


def test_a_restart_after_kill_9_publishes_its_cut_off_move_as_interrupted(cluster, kubeconfig):
    """kill -9 mid-verification leaves `executing` on the Service; the restart that finds the
    move unfinished in its journal says so where every cockpit reads it."""
    host = cluster_host(kubeconfig)
    cut_over(host)
    assert on_the_service(cluster)["state"] == "executing"
    restarted = cluster_host(kubeconfig)  # the same operator, a new process: no close-out ran
    for event in host.of(ev.ActionPlanned) + host.of(ev.ActionStep):
        restarted.dispatch(event)  # what the restore gives it back
    controller = Actions(restarted)
    controller.resume()
    assert controller.herald.flush()
    (result,) = restarted.of(ev.ActionFinished)
    move = on_the_service(cluster)
    assert (move["state"], move["detail"]) == ("interrupted", result.detail)
    assert move["id"] == result.id


def test_a_restart_leaves_a_later_move_on_the_service_alone(cluster, kubeconfig):
    import json

    host = cluster_host(kubeconfig)
    cut_over(host)
    later_move = json.dumps(on_the_service(cluster) | {"id": "rollback-selector@bob"})

    def moved_by_bob(service: dict) -> dict:
        service["metadata"]["annotations"]["cockpit.dev/move"] = later_move
        return service

    cluster.store.mutate("services", "production", "valeo-erp", moved_by_bob)
    restarted = cluster_host(kubeconfig)
    for event in host.of(ev.ActionPlanned) + host.of(ev.ActionStep):
        restarted.dispatch(event)
    controller = Actions(restarted)
    controller.resume()
    assert controller.herald.flush()
    assert on_the_service(cluster)["id"] == "rollback-selector@bob"
