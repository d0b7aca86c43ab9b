"""The cockpit as the tests build it: a fixed moment, a fixed operator, Berlin time."""

from datetime import UTC, date, datetime

from cockpit.model.config import Config
from cockpit.session import Session, open_session
from cockpit.ui.app import CockpitApp

NOW = datetime(2026, 11, 21, 10, 42, 5, tzinfo=UTC)  # 11:42 in Berlin, during the window


def make_session(layout: str = "go-live", **config) -> Session:
    settings = {
        "layout": layout,
        "operator": "alice@bastion",
        "context": "prod-cluster",
        "namespace": "production",
        "t0": date(2026, 11, 21),
        "timezone": "Europe/Berlin",
    } | config
    return open_session(Config.model_validate(settings))


def build_app(layout: str = "go-live", store=None, restored=(), trail=None, **config) -> CockpitApp:
    session = make_session(layout, **config)
    return CockpitApp(
        session, store=store, restored=restored, trail=trail, clock=lambda: NOW, tick_seconds=None
    )
