"""What the engineer sees, pinned: the main layouts at 80x24 (SSH) and 160x48.

Regenerate after an intended change with `pytest tests/ui/test_snapshots.py --snapshot-update`
and look at the report before committing.
"""

import pytest

from cockpit.model import events as ev

# the go-live checklist is the first page at 80x24 and the third pane at 160x48
TICK_FIRST = {(80, 24): ["j", "j", "space", "j"], (160, 48): ["j", "j", "space", "j"]}


async def results_and_a_note(pilot) -> None:
    """What sources and people leave on items: a passed check, a failed one, a note."""
    app = pilot.app
    base = "phase-2-deployment/production-deployment/health-checks"
    app.dispatch(
        ev.CheckResult(
            checklist="go-live", item=f"{base}/healthz-returns-200", status="pass", at=AT
        )
    )
    app.dispatch(
        ev.CheckResult(checklist="go-live", item=f"{base}/readyz-returns-200", status="fail", at=AT)
    )
    app.dispatch(
        ev.AddNote(
            checklist="go-live", item=f"{base}/all-pods-running-3-3", text="2/3", by="bob", at=AT
        )
    )
    await pilot.press("slash", *"health", "enter")


AT = "2026-11-21T10:41:00+00:00"


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_go_live(snap_compare, size, make_app):
    assert snap_compare(make_app("go-live"), terminal_size=size, press=TICK_FIRST[size])


def test_check_results_and_filter_at_80x24(snap_compare, make_app):
    assert snap_compare(make_app("go-live"), terminal_size=(80, 24), run_before=results_and_a_note)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_pre_deployment(snap_compare, size, make_app):
    assert snap_compare(make_app("pre-deployment"), terminal_size=size, press=["j", "j", "j"])


def test_go_live_timeline_page_at_80x24(snap_compare, make_app):
    assert snap_compare(make_app("go-live"), terminal_size=(80, 24), press=["tab"])


def test_help_at_80x24(snap_compare, make_app):
    assert snap_compare(make_app("go-live"), terminal_size=(80, 24), press=["question_mark"])


def test_no_color(snap_compare, monkeypatch, make_app):
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(make_app("go-live"), terminal_size=(80, 24), press=TICK_FIRST[(80, 24)])
