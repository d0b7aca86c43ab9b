"""A source that crashes is said as failed, since when, and runs again: never 'not configured'."""

from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.trail import AuditTrail
from cockpit.sources.backoff import Backoff
from cockpit.sources.prometheus import PrometheusSettings, PrometheusSource
from cockpit.sources.supervisor import supervised
from cockpit.ui.app import CockpitApp
from tests.helpers.poll import eventually_async
from tests.ui.apps import make_session


async def test_a_crashed_prometheus_source_says_failed_and_restarts(
    prometheus, monkeypatch, tmp_path
):
    real_client, calls = PrometheusSource._client, []

    def first_import_fails(self):
        calls.append(1)
        if len(calls) == 1:  # what the start-up import race did to the source
            raise ImportError("cannot import name 'HTTPAdapter' from partially initialized module")
        return real_client(self)

    monkeypatch.setattr(PrometheusSource, "_client", first_import_fails)
    monkeypatch.setattr(
        "cockpit.ui.app.supervised",
        lambda loop, crashed, stopping: supervised(
            loop, crashed, stopping, Backoff(first=0.5, jitter=0)
        ),
    )
    settings = PrometheusSettings(url=prometheus.url, queries={"up": "up"}, interval=0.2)
    session = make_session("go-live", context=None, prometheus={"url": prometheus.url})
    journal = Journal(tmp_path / "j.jsonl")
    app = CockpitApp(
        session,
        trail=AuditTrail(journal),
        sources=[lambda emit: PrometheusSource(settings, emit)],
        tick_seconds=0.2,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await eventually_async(
            lambda: app.state.sources["prometheus"].state == "ok",
            what="the restarted source to say ok",
            pause=pilot.pause,
            seen=lambda: app.state.sources["prometheus"],
        )
        assert len(calls) == 2  # started again, and it works
        footer = app.query_one("#errors").render().plain  # a metric pane of the layout
        assert "not configured" not in footer
    journal.close()
    said = [
        (r.data["state"], r.data["detail"])
        for r in read_records(journal.path)
        if r.kind == "source.status" and r.data["source"] == "prometheus"
    ]
    assert "not configured" not in [state for state, _ in said]
    assert said[0] == ("connecting", "starting")
    assert said[1][0] == "failed"
    assert said[1][1].startswith("ImportError: cannot import name 'HTTPAdapter'")
    assert said[1][1].endswith("restarting in 0.5 s")
