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
    assert lock.said(ME) == said


def test_held_by_you_needs_this_process_not_the_same_user():
    assert LockState("held", ME).said("alice@bastion#4712-000000") == f"held by {ME}"
    assert LockState("held", ME).said("") == f"held by {ME}"
