"""The polling helper every wait in the tests goes through (tests/helpers/poll.py)."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tests.helpers.poll import eventually, eventually_async


def test_it_returns_the_first_truthy_value_and_runs_between_each_round() -> None:
    """The value is what a test goes on with (a record, a list of ticks); `between` is how
    a pty test drains its terminal while it waits."""
    values = iter([None, [], "found", "later"])
    rounds: list[int] = []
    got = eventually(lambda: next(values), what="x", every=0, between=lambda: rounds.append(1))
    assert got == "found" and len(rounds) == 2


def test_a_timeout_names_what_was_awaited_and_the_last_value() -> None:
    """A failure under load must say what never came, not only that time ran out."""
    counter = itertools.count()
    with pytest.raises(AssertionError) as failed:
        eventually(lambda: next(counter) < 0, what="a negative count", timeout=0.1, every=0.01)
    assert "waiting for a negative count; last value: False" in str(failed.value)
    with pytest.raises(AssertionError, match=r"waiting for the lock; last seen: stale$"):
        eventually(lambda: False, what="the lock", timeout=0, seen=lambda: "stale")


async def test_the_async_twin_keeps_the_event_loop_running() -> None:
    """A test on the event loop waits for what another task does: a blocking sleep there
    would freeze the very task it waits for."""
    done = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, done.set)
    assert await eventually_async(done.is_set, what="the timer", timeout=5, every=0.01)
    with pytest.raises(AssertionError, match="waiting for nothing; last value: 0"):
        await eventually_async(lambda: 0, what="nothing", timeout=0.05, every=0.01)
