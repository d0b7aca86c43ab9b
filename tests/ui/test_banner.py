"""The banner's lines: what a rollback banner offers depends on who may act on it."""

from cockpit.model.state import LockState
from cockpit.ui.widgets.banner import offered

MESSAGE = "CUTOVER BY alice@bastion FAILED at 12:05Z: …; traffic on green · r starts the rollback"


def test_the_lock_holder_and_a_cockpit_without_a_lock_are_offered_the_key():
    for lock in (LockState("held", "bob@laptop#2-b"), LockState()):
        assert offered(MESSAGE, lock) == MESSAGE


def test_an_observer_is_told_who_can_roll_back_not_a_key_it_does_not_have():
    lock = LockState("observer", "alice@bastion#1-a")
    assert offered(MESSAGE, lock) == MESSAGE.replace(
        "r starts the rollback", "the rollback is alice@bastion#1-a's, the lock's holder"
    )
    stale = LockState("stale", "alice@bastion#1-a")
    assert offered(MESSAGE, stale).endswith(
        "the rollback is the lock's holder's: take the stale lock over (:) to roll back"
    )
