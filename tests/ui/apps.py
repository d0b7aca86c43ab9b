"""The cockpit as the tests build it: a fixed moment, a fixed operator, Berlin time."""

import atexit
import os
import shutil
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from textual.pilot import Pilot

from cockpit.model.config import Config
from cockpit.model.session import Session
from cockpit.runtime.session import open_session
from cockpit.sim.kube.valeo import write_kubeconfig
from cockpit.ui.app import CockpitApp

NOW = datetime(2026, 11, 21, 10, 42, 5, tzinfo=UTC)  # 11:42 in Berlin, during the window
BIG, SMALL = (160, 48), (80, 24)  # a wide terminal (the layout's grid) and 80x24
PARENT = "phase-1-pre-deployment/infrastructure/postgresql-database"
#: the first item of go-live that can be ticked: its parent, **PostgreSQL Database**, waits for it
FIRST_ITEM = f"{PARENT}/production-database-provisioned"


def kubeconfig_for(context: str) -> str:
    """A kubeconfig naming `context` (nothing listens at its server): a named context must
    exist in the kubeconfig, as it would for kubectl."""
    path = Path(tempfile.gettempdir()) / f"cockpit-tests-{os.getpid()}" / f"{context}.kubeconfig"
    if not path.exists():
        if not path.parent.exists():  # the test process's own folder, gone when it ends
            path.parent.mkdir(mode=0o700)
            atexit.register(shutil.rmtree, path.parent, ignore_errors=True)
        write_kubeconfig(path, "https://127.0.0.1:1", context=context)
    return str(path)


def make_session(layout: str = "go-live", **config) -> Session:
    settings = {
        "layout": layout,
        "operator": "alice@bastion",
        "context": "prod-cluster",
        "namespace": "production",
        "t0": date(2026, 11, 21),
        "timezone": "Europe/Berlin",
    } | config
    login = settings.pop("login", None)  # the OS account, when a test plays another one
    if settings["context"] and not settings.get("kubeconfig"):
        settings["kubeconfig"] = kubeconfig_for(settings["context"])
    session = open_session(Config.model_validate(settings))
    return session if login is None else replace(session, login=login)


def build_app(layout: str = "go-live", store=None, restored=(), trail=None, **config) -> CockpitApp:
    session = make_session(layout, **config)
    return CockpitApp(
        session, store=store, restored=restored, trail=trail, clock=lambda: NOW, tick_seconds=None
    )


def screen_ansi(app: CockpitApp) -> str:
    """The whole screen as the ANSI text a terminal would get (a test's look at it: the
    compositor is Textual's private API, fine here, never in the cockpit itself)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    with app._context():  # a widget rendered afresh asks for the active app
        console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=True).rstrip("\n").replace("\n", "\r\n")


def screen_text(app) -> list[str]:
    """The screen's lines as plain text (through the compositor, as `screen_ansi`)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    with app._context():  # from a test's own thread too (the app machine's invariants)
        console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=False).splitlines()


async def to_first_item(pilot: Pilot) -> None:
    """From start: focus the go-live checklist, cursor on its first leaf item."""
    await pilot.press("j", "j", "j")
    assert pilot.app.focused.pane_id == "go-live"  # the layout's pane: no key moved it
    assert pilot.app.state.cursors["go-live"] == f"i:{FIRST_ITEM}"
