"""The state's own wording: the window lock said as it is, whoever reads it."""

import pytest

from cockpit.model.state import LockState

ME = "alice@bastion#4711-3f9a2c"


@pytest.mark.parametrize(
    ("lock", "said"),
    [
        (LockState("held", ME), f"held by you ({ME})"),
        (LockState("observer", "bob@laptop#1-a"), "held by bob@laptop#1-a"),
        (LockState("held", "bob@laptop#1-a"), "held by bob@laptop#1-a"),  # another's journal
        (LockState("stale", "bob@laptop#1-a"), "held by bob@laptop#1-a, who stopped renewing it"),
        (LockState("contended", "bob@laptop#1-a"), "contended: bob@laptop#1-a wrote first"),
        (LockState("error", "", "403"), "unreadable (403)"),
        (LockState(), "not configured"),
    ],
)
def test_the_lock_is_said_true_for_this_process(lock, said):
    assert lock.said(ME, "") == said


def test_held_by_you_needs_this_process_not_the_same_user():
    assert LockState("held", ME).said("alice@bastion#4712-000000", "") == f"held by {ME}"
    assert LockState("held", ME).said("", "") == f"held by {ME}"


def test_a_lapsed_claim_is_not_shown_as_ours():
    """Renewals stopped past the lease (Ctrl+Z, a frozen VM): another cockpit may hold it
    now, so neither the status bar nor the keys may say it is ours."""
    lock = LockState("held", ME, until="2026-11-21T12:00:30+00:00")
    assert lock.mine(ME, "2026-11-21T12:00:29+00:00")
    assert not lock.mine(ME, "2026-11-21T12:00:30+00:00")
    assert not lock.mine("", "2026-11-21T12:00:00+00:00")
    said = lock.said(ME, "2026-11-21T12:00:31+00:00")
    assert said == f"lapsed: not renewed by you ({ME}) since 12:00:30Z; another may hold it"
