"""`cockpit demo`: the real cockpit, configured for the simulated environment.

Nothing here fakes the cockpit: the same session, sources, actions and journal as
`cockpit run`, pointed at the emulator, the simulated ERP and its Prometheus. The T-0 clock
is the real clock shown in a zone where it is just past 11:00 — the go/no-go hour — so
Prometheus's sample times and the cockpit's clock agree; `--speed` compresses the
simulator, the soak and the rules' `for` durations instead of faking time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.model import events as ev
from cockpit.model.config import Config
from cockpit.model.session import Session
from cockpit.runtime.session import open_session
from cockpit.sim.environment import Environment, closed_port

if TYPE_CHECKING:
    from cockpit.ui.app import CockpitApp

SOAK = timedelta(minutes=15)  # the runbook's "monitor 15 minutes"
EARLIER_SHIFT = "night-shift@demo"


def demo_timezone(now: datetime) -> str:
    """The fixed-offset zone where `now` falls between 11:00 and 11:59."""
    offset = (11 - now.astimezone(UTC).hour) % 24
    if offset > 14:
        offset -= 24
    return "Etc/UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-10 is UTC+10


def demo_config(
    env: Environment,
    layout: str,
    now: datetime,
    postgres: str | None,
    backup_dir: Path,
) -> Config:
    tz = demo_timezone(now)
    from zoneinfo import ZoneInfo

    settings: dict[str, Any] = {
        "layout": layout,
        "window": f"demo-{env.scenario.name}",
        "kubeconfig": str(env.kubeconfig),
        "context": "valeo-sim",
        "namespace": "production",
        "timezone": tz,
        "t0": now.astimezone(ZoneInfo(tz)).date(),
        "prometheus": {"url": env.prometheus_url},
        "vars": {
            "service": "valeo-erp",
            "app": "valeo-erp",
            "release": "valeo-erp-production",
            "backup_dir": str(backup_dir),
        },
        "actions": {"soak": f"{SOAK.total_seconds() / env.speed:g}s"},
    }
    if env.scenario.name == "db-down":
        postgres = f"host=127.0.0.1 port={closed_port()} dbname=valeo_erp connect_timeout=2"
    if postgres is not None:
        settings["postgres"] = {"dsn": postgres, "backup_dir": str(backup_dir)}
    return Config.model_validate(settings)


def demo_session(env: Environment, config: Config) -> Session:
    session = open_session(config)
    note = "DEMO" + (" · simulated metrics" if env.simulated_metrics else "")
    return replace(session, speed=env.speed, note=note)


def earlier_shift(session: Session, at: datetime) -> list[ev.Event]:
    """What the shift before did: the go/no-go criteria's items are done, so the gate is
    GO and the window starts where the runbook's 11:00 meeting leaves it."""
    rules = session.workspace.layout.rules or ""
    runbook = session.workspace.runbooks.get(rules)
    gate = runbook.gate() if runbook else None
    if runbook is None or gate is None:
        return []
    items: list[str] = []
    for criterion in gate.criteria:
        for ref in criterion.requires:
            section = runbook.section(ref)
            items += [i.id for i in section.walk_items()] if section else [ref]
    stamp = at.isoformat()
    return [ev.Tick(checklist=rules, item=item, by=EARLIER_SHIFT, at=stamp) for item in items]


def build_demo(
    env: Environment,
    layout: str,
    now: datetime,
    postgres: str | None,
    backup_dir: Path,
    journal: str | Path,
    *,
    tick_seconds: float = 1.0,
) -> CockpitApp:
    """The cockpit `cockpit demo` runs: journal at `journal`, progress in the environment."""
    from cockpit.runtime.wiring import assemble
    from cockpit.ui.app import CockpitApp

    if postgres is not None:
        backup_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # the demo's own
    session = demo_session(env, demo_config(env, layout, now, postgres, backup_dir))
    parts = assemble(
        session,
        journal=journal,
        progress=env.directory / "progress.json",
        restored=earlier_shift(session, now),
    )
    return CockpitApp(
        session,
        store=parts.store,
        restored=parts.restored,
        trail=parts.trail,
        sources=parts.sources,
        tick_seconds=tick_seconds,
    )
