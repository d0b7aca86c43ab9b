"""`cockpit demo`, each scenario from start to its verified end, driven with Pilot.

The environment is the one `cockpit demo` starts (emulator, ERP pods, Prometheus — the
real one where the scenario's story depends on its numbers); afterwards its journal must
verify and replay to the same final state, and nothing may be left running.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from cockpit.audit.export_markdown import report
from cockpit.audit.read import read_records
from cockpit.audit.replay import Replay
from cockpit.audit.verify import verify
from cockpit.demo import build_demo
from cockpit.sim.environment import Environment
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.action import ActionScreen
from cockpit.ui.screens.choose import ChooseScreen
from tests.helpers.poll import eventually_async

SPEED = 60.0  # the soak's 15 minutes in 15 s, the rules' 2 minutes in 2 s
SIZE = (160, 48)


async def wait_for(pilot, condition, what: str, seconds: float = 30.0) -> None:
    await eventually_async(
        condition,
        what=what,
        timeout=seconds,
        pause=pilot.pause,
        seen=lambda: pilot.app.state.actions,
    )


def live(app: CockpitApp) -> bool:
    """Lock held, the cluster watched, blue's traffic measured."""
    state = app.state
    kube = state.sources.get("kubernetes")
    errors = state.metrics.get("error_rate")
    blue = errors.current().get("version=blue") if errors else None
    return (
        state.lock.state == "held"
        and kube is not None
        and kube.state == "ok"
        and blue is not None
        and blue == blue  # not NaN: traffic flows
    )


def only_action(app: CockpitApp):
    (action,) = app.state.actions.values()
    return action


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Demo:
    """An environment, the demo's app on it, and the checks that it all went away."""

    def __init__(
        self, scenario: str, tmp_path: Path, real_prometheus: bool, postgres: str | None
    ) -> None:
        self.env = Environment(scenario, speed=SPEED, real_prometheus=real_prometheus).start()
        self.journal = tmp_path / "journal.jsonl"
        self.backups = tmp_path / "backups"
        self.app = build_demo(
            self.env,
            "go-live",
            datetime.now(UTC),
            postgres,
            self.backups,
            self.journal,
            tick_seconds=0.25,
        )
        self.ports = [int(url.rsplit(":", 1)[1].split("/")[0]) for url in self.env.urls().values()]

    def close(self) -> None:
        self.env.stop()
        self.app.close_stores()
        assert not [p for p in self.ports if listening(p)], "a port outlived the demo"
        left = [t.name for t in threading.enumerate() if t.name.startswith(("kube-sim", "erp"))]
        assert not left, f"threads outlived the demo: {left}"

    def replayed_outcomes(self) -> dict[str, str]:
        assert verify(self.journal, None).code == 0
        state = Replay(read_records(self.journal)).final
        return {k: a.outcome for k, a in state.actions.items()}


@pytest.fixture
def demo(tmp_path):
    made: list[Demo] = []

    def start(scenario: str, real_prometheus: bool = False, postgres: str | None = None) -> Demo:
        made.append(Demo(scenario, tmp_path, real_prometheus, postgres))
        return made[-1]

    yield start
    for d in made:
        d.close()


async def confirm(pilot, app: CockpitApp, typed: str) -> None:
    """Type the confirmation (set at once: Pilot waits ~2 s per key while traffic flows)."""

    def shown() -> bool:  # pushed and composed (under load the first is not yet the second)
        return isinstance(app.screen, ActionScreen) and bool(app.screen.query("#action-input"))

    await wait_for(pilot, shown, "the preview", 10)
    app.screen.query_one("#action-input", Input).value = typed
    await pilot.press("enter")


async def test_happy_cutover_verifies_and_soaks(demo):
    d = demo("happy")
    app = d.app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: live(app), "the window live")
        assert "DEMO · simulated metrics" in app.query_one("#status-bar").render().plain
        await pilot.press("c")
        await confirm(pilot, app, "valeo-erp")  # the gate is GO: no override needed
        await wait_for(pilot, lambda: only_action(app).outcome, "the outcome", 60)
        action = only_action(app)
        assert action.outcome == "succeeded", action
        assert [s.step for s in action.steps] == ["dry-run", "execute", "verify", "soak"]
        assert action.overridden == ()
        app.shutdown(0)
    service = d.env.cluster.store.get("services", "production", "valeo-erp")
    assert service["spec"]["selector"]["version"] == "green"
    assert set(d.replayed_outcomes().values()) == {"succeeded"}


async def test_bad_green_fires_the_trigger_and_rollback_restores_health(demo):
    d = demo("bad-green", real_prometheus=True)
    app = d.app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: live(app), "the window live", 60)
        await pilot.press("c")
        await confirm(pilot, app, "valeo-erp")
        await wait_for(
            pilot, lambda: app.state.window.state == "ROLLBACK", "the rollback trigger", 90
        )
        banner = app.state.alerts["rollback"].message
        assert "ROLLBACK TRIGGER" in banner and "green" in banner
        assert "r starts the rollback" in banner
        await wait_for(pilot, lambda: only_action(app).outcome, "the cutover's end", 30)
        assert only_action(app).outcome == "failed"  # the soak saw the trigger
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseScreen), "the options", 10)
        await pilot.press("1")
        await confirm(pilot, app, "valeo-erp")

        def rollback():
            return [a for a in app.state.actions.values() if a.action.startswith("roll")]

        await wait_for(pilot, lambda: rollback() and rollback()[0].outcome, "the rollback", 60)
        assert rollback()[0].outcome == "succeeded"
        await wait_for(pilot, lambda: app.state.window.state != "ROLLBACK", "health back", 90)
        assert "rollback" not in app.state.alerts
        app.shutdown(0)
    outcomes = d.replayed_outcomes()
    assert sorted(outcomes.values()) == ["failed", "succeeded"]
    story = report(Replay(read_records(d.journal)), verify(d.journal, None), d.journal.name)
    assert story.split("\n")[2].startswith(
        "**Outcome: cutover failed, rollback (selector) succeeded; window "
    )
    assert re.search(r"ROLLBACK TRIGGER Error-Rate > 5%: green at \d+\.\d\d % since", story)
    assert "### Cutover valeo-erp: blue → green: failed" in story
    assert "soak failed: rollback trigger during the soak: ROLLBACK TRIGGER" in story
    assert "### Rollback valeo-erp: selector back to blue: succeeded" in story
    assert "window ROLLBACK" in story and "critical: ROLLBACK TRIGGER" in story
    assert "on screen when confirmed: window OK; error_rate blue" in story
    # the evidence of the trigger and of the soak it failed, with the demo's `for` (2m / 60)
    assert re.search(r"\| Error-Rate > 5% \| green \| ROLLBACK \| > 5% \| 2s \| \d+ \| ", story)
    assert "| soak failed on: Error-Rate > 5% | green | ROLLBACK | > 5% | 2s |" in story


async def test_crashloop_preconditions_refuse_the_cutover(demo):
    d = demo("crashloop")
    app = d.app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: live(app) and app.state.kube.deployments["valeo-erp-green"].ready < 3,
            "green crash-looping",
        )
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionScreen), "the preview", 10)
        assert "✗ green pods ready == desired" in str(
            app.screen.query_one("#action-preview").render()
        )
        app.screen.query_one("#action-input", Input).value = "valeo-erp"
        await pilot.press("enter")
        assert isinstance(app.screen, ActionScreen)  # refused: a failed precondition
        await pilot.press("escape")
        await pilot.pause()
        assert only_action(app).outcome == "cancelled"
        app.shutdown(0)
    service = d.env.cluster.store.get("services", "production", "valeo-erp")
    assert service["spec"]["selector"]["version"] == "blue"
    assert set(d.replayed_outcomes().values()) == {"cancelled"}


async def test_db_down_fails_backup_and_database_checks_clearly(demo):
    d = demo("db-down")
    app = d.app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: (
                app.state.sources.get("postgres")
                and app.state.sources["postgres"].state == "unreachable"
            ),
            "postgres unreachable",
        )
        assert "connection refused" in app.state.sources["postgres"].detail.lower()
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ActionScreen), "the preview", 20)
        shown = str(app.screen.query_one("#action-preview").render())
        assert "✗" in shown and "refused" in shown.lower()
        await pilot.press("escape")
        await pilot.pause()
        assert only_action(app).outcome == "cancelled"
        app.shutdown(0)


async def test_slow_api_keeps_the_ui_responsive_and_says_how_old_the_data_is(demo):
    d = demo("slow-api")
    app = d.app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state.lock.state == "held", "the lock", 60)
        for _ in range(10):  # keys as the terminal sends them, timed to the state change
            before = app.state.cursors.get("go-live")
            started = time.monotonic()
            app.post_message(events.Key("j", None))
            await wait_for(pilot, lambda b=before: app.state.cursors.get("go-live") != b, "j", 5)
            # every API call takes 1.5 s: a UI waiting on the network could not do this
            assert time.monotonic() - started < 1.0
        await wait_for(pilot, lambda: app.state.sources["kubernetes"].state == "ok", "watching")
        d.env.cluster.controller.drop_watches()
        pods = app.query_one("#pods")
        await wait_for(
            pilot,
            lambda: "reconnecting since" in str(pods.border_title),
            "the dropped watches said in the pods pane",
            30,  # each API call takes 1.5 s, and CI's machine is loaded
        )
        assert ", data of " in str(pods.border_title)  # how old what it shows is
        await wait_for(pilot, lambda: app.state.sources["kubernetes"].state == "ok", "back", 30)
        app.shutdown(0)


async def test_the_backup_key_backs_up_a_reachable_postgresql(demo, postgres_server):
    d = demo("happy", postgres=postgres_server.dsn())
    app = d.app
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state.lock.state == "held", "the lock")
        await pilot.press("b")
        await confirm(pilot, app, postgres_server.dbname)
        await wait_for(pilot, lambda: only_action(app).outcome, "the backup", 60)
        assert only_action(app).outcome == "succeeded", only_action(app)
        app.shutdown(0)
    (dump,) = d.backups.glob("valeo_erp-*.dump")
    assert (d.backups / f"{dump.name}.sha256").exists()
