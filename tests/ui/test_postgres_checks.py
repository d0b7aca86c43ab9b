"""The checklists' postgres checks, configured as an operator would, close their items."""

from cockpit.runtime.sources import source_factories
from cockpit.ui.app import CockpitApp
from tests.helpers.poll import eventually_async
from tests.ui.apps import make_session

VERSION = "phase-2-database-migrations/2-1-postgresql-setup/postgresql-laeuft-version-14"


async def test_configured_postgres_checks_their_items(postgres_server, tmp_path):
    session = make_session("pre-deployment", context=None, postgres={"dsn": postgres_server.dsn()})
    names = [factory(lambda event: None).name for factory in source_factories(session)]
    assert names == ["postgres"]
    app = CockpitApp(session, sources=source_factories(session), tick_seconds=None)
    async with app.run_test(size=(160, 48)) as pilot:
        await eventually_async(
            lambda: (
                app.state.sources.get("postgres") and app.state.sources["postgres"].state == "ok"
            ),
            what="the postgres source to say ok",
            pause=pilot.pause,
            seen=lambda: app.state.sources.get("postgres"),
        )
        results = {item: c for (name, item), c in app.state.checks.items() if name == "check"}
        assert results[VERSION].status == "pass" and "PostgreSQL 1" in results[VERSION].detail
        assert postgres_server.password not in str(app.state.checks)
        app.shutdown(0)
