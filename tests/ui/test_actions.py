"""The three keys end to end: the emulator's cluster, a real PostgreSQL, the journal.

Each test drives the cockpit with keys as an operator would: preview, typed confirmation
(a plain target, or `override <target>`), execution, the observed verification.
"""

from __future__ import annotations

import threading
from pathlib import Path

from textual.widgets import Input

from cockpit.actions import selector
from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.trail import AuditTrail
from cockpit.clients.kube import KubeSettings
from cockpit.model import events as ev
from cockpit.runtime.sources import source_factories
from cockpit.sources.lock import WindowLock
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.action import ActionScreen
from cockpit.ui.screens.choose import ChooseScreen
from cockpit.ui.screens.confirm import Confirm
from cockpit.ui.screens.prompt import Prompt
from tests.helpers.poll import eventually_async
from tests.ui.apps import make_session

SIZE = (160, 48)
ACTIONS = {"soak": "2s", "verify_timeout": "3s"}


def cockpit(tmp_path: Path, operator: str = "alice@bastion", restored=(), **config) -> CockpitApp:
    """No cluster unless the test names one (`in_cluster`)."""
    config = {"context": None, "actions": ACTIONS} | config
    session = make_session("go-live", operator=operator, **config)
    trail = AuditTrail(Journal(tmp_path / f"{operator}.jsonl"))
    return CockpitApp(
        session,
        trail=trail,
        sources=source_factories(session),
        tick_seconds=0.25,
        restored=restored,
    )


def in_cluster(kubeconfig: Path) -> dict:
    return {"kubeconfig": str(kubeconfig), "context": "valeo-sim"}


async def wait_for(pilot, condition, what: str, seconds: float = 15.0) -> None:
    await eventually_async(condition, what=what, timeout=seconds, pause=pilot.pause)


async def confirm(pilot, typed: str, why: str = "the test goes past it") -> None:
    """Type the confirmation into the preview's field at once, then enter; an override
    then asks why, answered with `why`. Key by key, Pilot waits after each key for the
    process to go idle (up to 1 s, twice), and the emulator's threads in this process keep
    it busy: ~1.6 s a key. The first test types its confirmations key by key."""
    pilot.app.screen.query_one("#action-input", Input).value = typed
    await pilot.press("enter")
    if typed.startswith("override"):
        await reason(pilot, why)


async def reason(pilot, why: str) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, Prompt), "the question why")
    pilot.app.screen.query_one("#prompt-input", Input).value = why
    await pilot.press("enter")


def ready(app: CockpitApp) -> bool:
    kube = app.state.kube
    green = kube.deployments.get("valeo-erp-green")
    kubernetes = app.state.sources.get("kubernetes")
    return (
        app.state.lock.state == "held"
        and kubernetes is not None
        and kubernetes.state == "ok"  # every kind listed: the preconditions can be judged
        and green is not None
        and green.ready == 3
        and "valeo-erp" in kube.services
        and len(kube.endpoints("valeo-erp")) == 3
    )


def the_action(app: CockpitApp):
    (action,) = app.state.actions.values()
    return action


def preview_text(app: CockpitApp) -> str:
    return str(app.screen.query_one("#action-preview").render())


def journal_actions(path: Path) -> list[tuple[str, dict]]:
    return [(r.kind, r.data) for r in read_records(path) if r.kind.startswith("action.")]


async def test_cutover_with_an_override_is_journaled_executed_and_verified(
    cluster, kubeconfig, tmp_path
):
    app = cockpit(tmp_path, **in_cluster(kubeconfig))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: ready(app), "lock, green Ready, endpoints")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionScreen), "the preview")
        shown = preview_text(app)
        assert "-   version: blue" in shown and "+   version: green" in shown
        assert f"✔ window lock  held by {app.session.holder}" in shown
        assert "✔ green pods ready == desired" in shown
        assert "✗ go/no-go is GO" in shown  # nobody ticked the 11:00 criteria
        assert "kubectl patch service valeo-erp" in shown  # what the runbook says

        await pilot.press(*"valeo-erp", "enter")  # not enough with a failed precondition
        assert isinstance(app.screen, ActionScreen)
        assert "type 'override valeo-erp'" in str(app.screen.query_one("#action-hint").render())
        await pilot.press("home", *"override ", "enter")
        assert isinstance(app.screen, Prompt)  # an override says why, or does not happen
        assert "Why override: go/no-go is GO?" in str(
            app.screen.query_one("#prompt-title").render()
        )
        hint = str(app.screen.query_one("#prompt-hint").render())
        assert hint == "enter: override, run · esc: nothing runs"
        await reason(pilot, "CAB-231: staging smoke tests waived")

        await wait_for(pilot, lambda: the_action(app).outcome, "the outcome", seconds=20)
        action = the_action(app)
        # no Prometheus: the soak cannot judge errors, P95, SSE and never claims it did
        assert action.outcome == "inconclusive", action
        assert action.overridden == ("go/no-go is GO",)
        assert [(s.step, s.status) for s in action.steps] == [
            ("dry-run", "done"),
            ("execute", "done"),
            ("verify", "done"),
            ("soak", "inconclusive"),
        ]
        assert action.steps[2].detail == "3/3 green endpoints ready"
        assert "not judged healthy: Prometheus not configured" in action.detail
        service = cluster.store.get("services", "production", "valeo-erp")
        assert service["spec"]["selector"]["version"] == "green"
        app.shutdown(0)

    records = journal_actions(tmp_path / "alice@bastion.jsonl")
    kinds = [kind for kind, _ in records]
    assert kinds[:2] == ["action.plan", "action.confirm"]  # confirmed before anything ran
    assert kinds[-1] == "action.result" and records[-1][1]["outcome"] == "inconclusive"
    assert records[1][1]["overridden"] == ["go/no-go is GO"]
    assert records[1][1]["reason"] == "CAB-231: staging smoke tests waived"
    steps = [(d["step"], d["status"]) for k, d in records if k == "action.step"]
    assert steps.index(("dry-run", "done")) < steps.index(("execute", "running"))
    soak = [d["detail"] for k, d in records if k == "action.step" and d["step"] == "soak"]
    assert "errors, P95, SSE cannot be judged: Prometheus not configured" in soak[0]
    assert not any("monitoring" in detail for detail in soak)


async def test_a_selector_reverted_out_of_band_fails_the_soak_at_once(
    cluster, kubeconfig, tmp_path, kubectl
):
    actions = {"soak": "10m", "verify_timeout": "3s"}
    app = cockpit(tmp_path, **in_cluster(kubeconfig), actions=actions)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: ready(app), "lock, green Ready, endpoints")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionScreen), "the preview")
        await confirm(pilot, "override valeo-erp")
        soaking = lambda: (s := the_action(app).last_step) and s.step == "soak"  # noqa: E731
        await wait_for(pilot, soaking, "the soak", seconds=20)
        patch = '{"spec":{"selector":{"version":"blue"}}}'
        done = kubectl("patch", "service", "valeo-erp", "-n", "production", "-p", patch)
        assert done.returncode == 0, done.stderr
        await wait_for(pilot, lambda: the_action(app).outcome, "the soak to fail", seconds=5)
        action = the_action(app)
        assert action.outcome == "failed"
        assert action.detail == (
            "the Service no longer selects green (version=blue): changed out of band"
        )
        assert (action.last_step.step, action.last_step.status) == ("soak", "failed")
        app.shutdown(0)
    end = journal_actions(tmp_path / "alice@bastion.jsonl")[-1]
    assert end[0] == "action.result" and end[1]["outcome"] == "failed"
    assert "changed out of band" in end[1]["detail"]


async def test_failed_pods_block_and_an_unverified_cutover_fails_clearly(
    cluster, kubeconfig, tmp_path
):
    app = cockpit(tmp_path, **in_cluster(kubeconfig))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: ready(app), "lock, green Ready, endpoints")
        cluster.controller.crashloop("valeo-erp-green", 1)
        await wait_for(
            pilot, lambda: app.state.kube.deployments["valeo-erp-green"].ready < 3, "crash loop"
        )
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionScreen), "the preview")
        assert "✗ green pods ready == desired" in preview_text(app)
        await confirm(pilot, "override valeo-erp")
        await wait_for(pilot, lambda: the_action(app).outcome, "the outcome", seconds=20)
        action = the_action(app)
        assert action.outcome == "failed"
        assert action.detail == "not verified after 3s: 2/3 green endpoints ready, 1 not ready"
        assert action.last_step.step == "verify" and action.last_step.status == "failed"
        app.shutdown(0)


async def test_escape_cancels_and_nothing_changes(cluster, kubeconfig, tmp_path):
    app = cockpit(tmp_path, **in_cluster(kubeconfig))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: ready(app), "lock, green Ready, endpoints")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionScreen), "the preview")
        await pilot.press("escape")
        await pilot.pause()
        assert the_action(app).outcome == "cancelled"
        assert app.state.running_action() is None
        service = cluster.store.get("services", "production", "valeo-erp")
        assert service["spec"]["selector"]["version"] == "blue"
        app.shutdown(0)


async def test_rollback_offers_the_runbooks_options_and_switches_back(
    cluster, kubeconfig, tmp_path
):
    service = cluster.store.get("services", "production", "valeo-erp")
    service["spec"]["selector"]["version"] = "green"
    cluster.store.update("services", "production", "valeo-erp", service)
    app = cockpit(tmp_path, **in_cluster(kubeconfig))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: (
                app.state.lock.state == "held"
                and "valeo-erp" in app.state.kube.services
                and app.state.kube.services["valeo-erp"].selector.get("version") == "green"
            ),
            "green selected",
        )
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseScreen), "the options")
        options = app.screen.query_one("#choose-list")
        labels = [str(options.get_option_at_index(i).prompt) for i in range(3)]
        assert labels[0] == "1) switch the Service back to blue"
        assert labels[1].startswith("2) helm rollback valeo-erp-production")
        assert labels[2].endswith("— PostgreSQL not configured")
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionScreen), "the preview")
        await confirm(pilot, "valeo-erp")
        await wait_for(pilot, lambda: the_action(app).outcome, "the outcome", seconds=20)
        action = the_action(app)
        assert (action.action, action.outcome) == ("rollback-selector", "succeeded")
        assert action.detail == "3/3 blue endpoints ready"
        app.shutdown(0)


async def test_a_cockpit_without_the_lock_cannot_act(cluster, kubeconfig, tmp_path):
    settings = KubeSettings(
        namespace="production", app="valeo-erp", service="valeo-erp", kubeconfig=str(kubeconfig)
    )
    WindowLock(settings, "alice@bastion", lambda event: None).tick()
    bob = cockpit(tmp_path, "bob@laptop", **in_cluster(kubeconfig))
    async with bob.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bob.state.lock.state == "observer", "observer")
        for key in "crb":
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(bob.screen, ActionScreen | ChooseScreen)
        assert bob.state.actions == {}
        bob.shutdown(0)


async def test_read_only_offers_no_mutating_key(tmp_path):
    app = cockpit(tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        for key in "crb":
            await pilot.press(key)
            await pilot.pause()
        assert app.state.actions == {} and len(app.screen_stack) == 1
        footer = {b.binding.action for b in app.active_bindings.values() if b.binding.show}
        assert not {"cutover", "rollback", "backup"} & footer
        assert "READ-ONLY" in app.query_one("#status-bar").render().plain
        app.shutdown(0)


async def test_an_action_cut_off_by_a_restart_is_shown_with_its_last_state(tmp_path):
    at = "2026-11-21T11:02:00+00:00"
    before = (
        ev.ActionPlanned(
            id="cutover@x",
            action="cutover",
            target="valeo-erp",
            title="Cutover",
            by="alice@bastion",
            at=at,
        ),
        ev.ActionConfirmed(id="cutover@x", by="alice@bastion", at=at),
        ev.ActionStep(id="cutover@x", step="execute", status="running", at=at),
    )
    app = cockpit(tmp_path, restored=before)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        alert = app.state.alerts["action"]
        assert "UNFINISHED ACTION from before: Cutover by alice@bastion" in alert.message
        assert "last known: execute running" in alert.message
        assert the_action(app).outcome == "interrupted"
        assert app.state.running_action() is None  # the next action may be planned
        app.shutdown(0)


async def test_backup_key_dumps_verifies_and_journals_the_checksum(postgres_server, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    pg = {"dsn": postgres_server.dsn(), "backup_dir": str(backups)}
    app = cockpit(tmp_path, postgres=pg)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ActionScreen),
            "the preview",
        )
        assert "✔" in preview_text(app) and postgres_server.password not in preview_text(app)
        await confirm(pilot, postgres_server.dbname)
        await wait_for(pilot, lambda: the_action(app).outcome, "the outcome", seconds=30)
        action = the_action(app)
        assert action.outcome == "succeeded", action
        (dump,) = backups.glob("*.dump")
        digest = (backups / f"{dump.name}.sha256").read_text().split()[0]
        assert f"sha256 {digest}" in action.detail
        app.shutdown(0)
    journal = (tmp_path / "alice@bastion.jsonl").read_text()
    assert digest in journal and postgres_server.password not in journal


async def test_a_hang_up_mid_action_stops_at_a_safe_point_and_journals_it(
    cluster, kubeconfig, tmp_path, monkeypatch
):
    """The terminal goes while the dry run is in flight: the action must stop before the
    real patch. The dry run is held until the hang-up has happened (no latency that a
    loaded machine may outrun: the hang-up came after the dry run, and the patch ran)."""
    in_flight, hung_up = threading.Event(), threading.Event()
    patch = selector.patch_selector

    def held_dry_run(client, move, expected, dry_run, published=None) -> str:
        if dry_run:
            in_flight.set()
            assert hung_up.wait(60), "the test never hung up"
        return patch(client, move, expected, dry_run, published)

    monkeypatch.setattr(selector, "patch_selector", held_dry_run)
    app = cockpit(tmp_path, **in_cluster(kubeconfig))
    app.hangup_watchdog = None  # the test process must live on
    detach = app.actions.detach

    def detached(why: str = "terminal gone") -> threading.Thread | None:
        thread = detach(why)  # the action now journals its own steps
        hung_up.set()  # … and only then may its dry run answer
        return thread

    monkeypatch.setattr(app.actions, "detach", detached)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: ready(app), "lock, green Ready, endpoints", seconds=60)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionScreen), "the preview", 60)
        await confirm(pilot, "override valeo-erp")
        await wait_for(pilot, in_flight.is_set, "the dry run in flight", seconds=60)
        app._hangup()
        await pilot.pause()
    assert hung_up.is_set()
    records = [(r.kind, r.data) for r in read_records(tmp_path / "alice@bastion.jsonl")]
    actions = [(k, d) for k, d in records if k.startswith("action.")]
    steps = [(d["step"], d["status"]) for k, d in actions if k == "action.step"]
    assert steps == [("dry-run", "running"), ("dry-run", "done")]
    assert actions[-1][0] == "action.result"
    assert actions[-1][1]["outcome"] == "cancelled"
    assert "terminal gone before execution" in actions[-1][1]["detail"]
    assert records[-1][0] == "session.end" and records[-1][1]["reason"] == "hangup"
    service = cluster.store.get("services", "production", "valeo-erp")
    assert service["spec"]["selector"]["version"] == "blue"


async def test_restore_from_the_rollback_options_brings_the_data_back(
    postgres_server, fresh_database, tmp_path
):
    import psycopg

    from cockpit.actions.backup import BackupSettings, plan_backup, run_backup

    backups = tmp_path / "backups"
    backups.mkdir()
    settings = BackupSettings(fresh_database.dsn, backups)
    made = run_backup(plan_backup(settings), lambda n, t: None, threading.Event())
    assert made.ok, made
    with psycopg.connect(fresh_database.dsn, autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '999_written_after'")
    pg = {"dsn": fresh_database.dsn, "backup_dir": str(backups)}
    app = cockpit(tmp_path, postgres=pg)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseScreen), "the options")
        await pilot.press("3")
        await wait_for(pilot, lambda: len(app.screen_stack) == 2, "the dumps to choose from")
        assert isinstance(app.screen, ChooseScreen)
        options = app.screen.query_one("#choose-list")
        assert f"sha256 {made.sha256[:12]}…" in str(options.get_option_at_index(0).prompt)
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionScreen), "the preview")
        shown = preview_text(app)
        assert f"the backup's tables in {fresh_database.name} are dropped and recreated" in shown
        assert "writes after the backup are lost" in shown
        how = str(app.screen.query_one("#action-how").render())
        assert how == f"type 'restore {fresh_database.name}' to confirm"
        await confirm(pilot, f"restore {fresh_database.name}")
        await wait_for(pilot, lambda: the_action(app).outcome, "the outcome", seconds=30)
        action = the_action(app)
        assert action.outcome == "succeeded", action
        assert action.detail == f"3/3 tables in {fresh_database.name}"
        steps = [(s.step, s.status, s.detail) for s in action.steps]
        assert steps == [  # the checksum matched before anything was restored
            ("checksum", "done", f"sha256 {made.sha256} matches {Path(made.path).name}.sha256"),
            ("restore", "done", action.detail),
        ]
        app.shutdown(0)
    with psycopg.connect(fresh_database.dsn) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision != "999_written_after"


async def test_helm_rollback_previews_the_release_history_even_without_helm(
    cluster, kubeconfig, tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path))  # no helm on this PATH, whatever the machine has
    app = cockpit(tmp_path, **in_cluster(kubeconfig))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state.lock.state == "held", "the lock")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseScreen), "the options")
        options = app.screen.query_one("#choose-list")
        label = str(options.get_option_at_index(1).prompt)
        assert label == "2) helm rollback valeo-erp-production (helm not installed: history only)"
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionScreen), "the preview")
        shown = preview_text(app)
        assert "not available: helm is not installed" in shown
        assert "helm rollback valeo-erp-production 2 -n production --wait" in shown
        lines = [line.split() for line in shown.splitlines() if " v" in line[:5]]
        assert [line[-5:-2] for line in lines] == [
            ["valeo-erp-3.0.0", "app", "3.0.0"],
            ["valeo-erp-2.9.0", "app", "2.9.0"],
            ["valeo-erp-2.8.0", "app", "2.8.0"],
        ]
        assert lines[1][:3] == ["→", "v2", "superseded"]
        await confirm(pilot, "valeo-erp-production")
        assert isinstance(app.screen, ActionScreen)  # refused, and says why
        assert "helm is not installed" in str(app.screen.query_one("#action-hint").render())
        await pilot.press("escape")
        await pilot.pause()
        assert the_action(app).outcome == "cancelled"
        app.shutdown(0)


async def test_the_restore_test_restores_into_a_scratch_database_and_drops_it(
    postgres_server, fresh_database, tmp_path
):
    from cockpit.actions.backup import BackupSettings, plan_backup, run_backup

    backups = tmp_path / "backups"
    backups.mkdir()
    made = run_backup(
        plan_backup(BackupSettings(fresh_database.dsn, backups)),
        lambda n, t: None,
        threading.Event(),
    )
    assert made.ok, made
    app = cockpit(tmp_path, postgres={"dsn": fresh_database.dsn, "backup_dir": str(backups)})
    async with app.run_test(size=SIZE) as pilot:
        app.restore_test()  # what the palette's "Restore test: …" runs
        await wait_for(pilot, lambda: isinstance(app.screen, ActionScreen), "the preview")
        assert f"{fresh_database.name} itself is not touched" in preview_text(app)
        await confirm(pilot, fresh_database.name)
        await wait_for(pilot, lambda: the_action(app).outcome, "the outcome", seconds=30)
        action = the_action(app)
        assert (action.action, action.outcome) == ("restore-test", "succeeded"), action
        assert f"in {fresh_database.name}_restore_test_" in action.detail
        app.shutdown(0)
    scratch = postgres_server.sql(
        "SELECT count(*) FROM pg_database WHERE datname LIKE %s",
        (f"{fresh_database.name}_restore_test_%",),
    )
    assert scratch == [(0,)]


async def test_quitting_during_the_soak_journals_where_the_traffic_is(
    cluster, kubeconfig, tmp_path
):
    """`q` `y` during a soak ended the session with the soak still `running`: no result, no
    safe point (I5, found by tests/truth/process_machine.py). The question says what quitting
    cuts short, and the journal says where the traffic is before `session.end`."""
    app = cockpit(tmp_path, **in_cluster(kubeconfig), actions={"soak": "10m"})
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: ready(app), "lock, green Ready, endpoints")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionScreen), "the preview")
        await confirm(pilot, "override valeo-erp")
        soaking = lambda: (s := the_action(app).last_step) is not None and s.step == "soak"  # noqa: E731
        await wait_for(pilot, soaking, "the soak", seconds=30)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm), "the quit question")
        question = app.screen.question
        assert "Cutover" in question and "soak" in question, question
        await pilot.press("y")
        await pilot.pause()
    records = [(r.kind, r.data) for r in read_records(tmp_path / "alice@bastion.jsonl")]
    step, result, end = records[-3:]
    assert step[0] == "action.step" and (step[1]["step"], step[1]["status"]) == (
        "soak",
        "interrupted",
    )
    assert result[0] == "action.result" and result[1]["outcome"] == "interrupted"
    assert result[1]["detail"].startswith("quit by the operator: traffic on green, soak cut short")
    assert end[0] == "session.end" and end[1]["reason"] == "quit"
