"""The one way into the loop: in order, never waiting, and nothing lost at a hang-up."""

import threading

from cockpit.model import events as ev
from cockpit.runtime.inbox import Inbox


def tick(n: int) -> ev.Event:
    return ev.ClockTick(now=f"2026-12-07T10:00:{n:02d}+00:00")


class Loop:
    """A loop that runs what it was woken for only when the test says so."""

    def __init__(self) -> None:
        self.woken: list = []
        self.delivered: list[ev.Event] = []
        self.inbox = Inbox(self.woken.append, self.delivered.append)

    def run(self) -> None:
        while self.woken:
            self.woken.pop(0)()


def test_a_burst_is_one_wake_and_arrives_in_the_order_posted():
    loop = Loop()
    for n in range(5):
        loop.inbox.post(tick(n))
    assert len(loop.woken) == 1
    loop.run()
    assert loop.delivered == [tick(n) for n in range(5)]
    loop.inbox.post(tick(9))
    assert len(loop.woken) == 1  # a new burst, a new wake


def test_posting_never_waits_for_the_loop():
    loop = Loop()  # never runs until the end
    posters = [threading.Thread(target=loop.inbox.post, args=(tick(n),)) for n in range(20)]
    for poster in posters:
        poster.start()
    for poster in posters:
        poster.join(5)
        assert not poster.is_alive()
    loop.run()
    assert sorted(e.now for e in loop.delivered) == sorted(tick(n).now for n in range(20))


def test_once_closed_an_actions_events_go_to_its_orphan_and_a_sources_nowhere():
    loop = Loop()
    journaled: list[ev.Event] = []
    loop.inbox.post(tick(1))  # a source's, waiting
    loop.inbox.post(tick(2), journaled.append)  # an action's, waiting
    loop.inbox.close()
    loop.inbox.post(tick(3), journaled.append)  # an action's, after the hang-up
    loop.inbox.post(tick(4))
    loop.run()
    assert journaled == [tick(2), tick(3)]
    assert loop.delivered == []
