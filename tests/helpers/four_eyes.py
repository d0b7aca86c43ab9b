"""Two cockpits on one window, four-eyes required: each built as its operator's, and what
the tests (and tests/ui/four_eyes_transcript.py) read off them and type into them."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from cockpit.audit.journal import Journal
from cockpit.audit.trail import AuditTrail
from cockpit.runtime.sources import source_factories
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.action import ActionScreen
from tests.helpers.poll import eventually_async
from tests.ui.apps import make_session

SIZE = (160, 48)
POLICY = {"required_for": ["cutover", "rollback", "restore"], "expires": "15m"}


def cockpit(kubeconfig: Path, tmp_path: Path, operator: str, clock=None, **config) -> CockpitApp:
    """`operator`'s cockpit, under an OS account of the operator's name (every test runs
    as one account, which four-eyes would take for one person)."""
    config = {"actions": {"soak": "2s", "verify_timeout": "3s"}, "approval": POLICY} | config
    config.setdefault("login", operator.split("@")[0])
    session = make_session(
        "go-live", operator=operator, kubeconfig=str(kubeconfig), context="valeo-sim", **config
    )
    trail = AuditTrail(Journal(tmp_path / f"{operator}.jsonl"))
    sources = source_factories(session)
    extra = {"clock": clock} if clock is not None else {}
    return CockpitApp(session, trail=trail, sources=sources, tick_seconds=0.25, **extra)


async def wait_for(pilot, condition, what: str, seconds: float = 15.0) -> None:
    await eventually_async(condition, what=what, timeout=seconds, pause=pilot.pause)


def ready(app: CockpitApp) -> bool:
    green = app.state.kube.deployments.get("valeo-erp-green")
    kubernetes = app.state.sources.get("kubernetes")
    approvals = app.state.sources.get("approvals")
    return (
        app.state.lock.state == "held"
        and kubernetes is not None
        and kubernetes.state == "ok"
        and approvals is not None
        and approvals.state == "ok"
        and green is not None
        and green.ready == 3
        and len(app.state.kube.endpoints("valeo-erp")) == 3
    )


def watching(app: CockpitApp) -> bool:
    approvals = app.state.sources.get("approvals")
    return app.state.lock.state == "observer" and approvals is not None and approvals.state == "ok"


async def type_in(pilot, selector: str, text: str) -> None:
    await wait_for(pilot, lambda: pilot.app.screen.query(selector), f"{selector} composed")
    pilot.app.screen.query_one(selector, Input).value = text
    await pilot.press("enter")


async def override(pilot, why: str = "go/no-go agreed on the bridge, not ticked") -> None:
    """`override <target>`, then the reason an override asks for."""
    await type_in(pilot, "#action-input", "override valeo-erp")
    await type_in(pilot, "#prompt-input", why)


def the_action(app: CockpitApp):
    (action,) = app.state.actions.values()
    return action


def status_of(app: CockpitApp, status: str) -> bool:
    return app.state.approval is not None and app.state.approval.status == status


def previewing(app: CockpitApp) -> bool:
    """The preview is in front, composed."""
    return isinstance(app.screen, ActionScreen) and bool(app.screen.query("#action-preview"))


def shown(app: CockpitApp) -> str:
    return str(app.screen.query_one("#action-preview").render())
