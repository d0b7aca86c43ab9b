"""The herald: a move's state written off the caller's thread, bounded, never raised."""

import threading

from cockpit.actions.herald import Herald
from cockpit.actions.selector import ActionError, SelectorMove
from cockpit.model.moves import Move

WHERE = SelectorMove(service="valeo-erp", namespace="production", to="green")
MOVE = Move("cutover", "c1", "alice", "", "failed", "t", "t", "version", "green", "x")


def down():
    raise ActionError("API unreachable")


def test_a_failure_is_said_once_per_state(monkeypatch):
    said: list[str] = []
    herald = Herald(down, lambda move, why: said.append(f"{move.state}: {why}"))
    herald.publish(WHERE, MOVE)
    assert herald.flush(5)
    assert said == ["failed: API unreachable"]


def test_a_cockpit_that_cannot_be_told_any_more_gets_no_traceback(monkeypatch):
    raised: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: raised.append(args.exc_value))

    def gone(move, why):
        raise RuntimeError("the event loop is closed")

    herald = Herald(down, gone)
    herald.publish(WHERE, MOVE)
    assert herald.flush(5) and raised == []
