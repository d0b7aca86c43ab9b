"""The pods pane follows the watched state: grouped, selected, filtered, sorted, 10k pods."""

import time

from cockpit.model import events as ev
from cockpit.ui.widgets.pods_pane import PodsPane
from tests.helpers.kube import cluster, pods
from tests.helpers.poll import eventually_async

BIG = (160, 48)


async def caught_up(pilot) -> PodsPane:
    """What the pane's 4-per-second timer does, done now: no timing in the assertions."""
    await pilot.pause()
    pane = pilot.app.query_one("#pods", PodsPane)
    pane.catch_up()
    return pane


async def test_groups_by_version_and_shows_what_the_service_selects(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        cluster(app, pods(3, "blue"), pods(3, "green", ready=False, reason="CrashLoopBackOff"))
        pane = await caught_up(pilot)
        lines = [pane.render_line(y).text for y in range(8)]
        assert lines[0].startswith("▾ blue 3/3 ready · ◀ valeo-erp: 3 selected, 3 ready")
        assert "◀✔ valeo-erp-blue-00000" in lines[1]
        assert lines[4].startswith("▾ green 0/3 ready") and "◀" not in lines[4]
        assert "CrashLoopBackOff" in lines[5] and "0/1" in lines[5]
        assert pane.border_title.startswith("Pods 3/6 ready")


async def test_ten_thousand_pods_filter_and_sort(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        cluster(app, pods(5000, "blue"), pods(5000, "green"))
        pane = await caught_up(pilot)
        assert len(pane.rows) == 10002  # two group headers
        app.dispatch(ev.Focus(pane="pods"))
        await pilot.press("G")
        assert app.state.cursors["pods"] == "p:valeo-erp-green-04999"
        await pilot.press("o", "o", "o")  # name → status → restarts → age
        assert pane.sort == "age"
        await pilot.press("slash", *"04321", "enter")
        assert [r.key for r in pane.rows if r.pod] == [
            "p:valeo-erp-blue-04321",
            "p:valeo-erp-green-04321",
        ]


async def test_a_stream_of_pod_events_is_absorbed_between_repaints(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        cluster(app, pods(2000, "blue"), pods(2000, "green"))
        pane = await caught_up(pilot)
        rebuilt = 0
        original = pane.rebuild

        def counting():
            nonlocal rebuilt
            rebuilt += 1
            original()

        pane.rebuild = counting
        for i in range(300):
            item = pods(1, "green", ready=i % 2 == 0)[0] | {"name": f"valeo-erp-green-{i:05d}"}
            app.dispatch(ev.KubeObserved(resource="pods", change="MODIFIED", items=(item,)))
        assert rebuilt == 0  # 300 events, and not one rebuild while they came in …
        started = time.monotonic()
        await eventually_async(
            lambda: rebuilt, what="the pane's first rebuild", every=0.05, pause=pilot.pause
        )
        await pilot.pause(0.3)  # not a wait for something: the span the rebuilds are counted in
        elapsed = time.monotonic() - started
        assert 1 <= rebuilt <= elapsed / 0.25 + 1  # … then one per timer tick at most
        assert sum(p.ready for p in app.state.kube.pods.values()) == 2000 + 2000 - 150


async def test_a_lost_api_server_is_said_with_the_time_of_the_last_data(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        cluster(app, pods(3, "blue"), pods(3, "green"))
        app.dispatch(
            ev.SourceStatus(source="kubernetes", state="ok", at="2026-11-21T10:41:30+00:00")
        )
        lost = "ConnectionRefusedError: [Errno 111] Connection refused"
        app.dispatch(
            ev.SourceStatus(
                source="kubernetes",
                state="unreachable",
                detail=lost,
                at="2026-11-21T10:42:00+00:00",
            )
        )
        pane = await caught_up(pilot)
        assert "unreachable since 11:42, data of 11:41:30" in pane.border_title
        assert len(pane.rows) == 8  # the last known pods stay on screen, marked as such


async def test_a_pods_reason_is_text_not_markup_nor_a_terminal_command(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        odd = pods(2, "blue", ready=False, reason="[bold red]Boom[/]")
        odd[1]["reason"] = "\x1b]0;x\x07A\nB\tC"
        cluster(app, odd, [])
        pane = await caught_up(pilot)
        first, second = pane.render_line(1), pane.render_line(2)
        assert "[bold red]Boom[/" in first.text  # the status column is 16 wide
        assert "␛]0;x␇A␊B␉C" in second.text
        for strip in (first, second):
            assert not any(c in strip.text for c in "\x1b\x07\n\t")
            assert strip.cell_length == pane.scrollable_content_region.width
