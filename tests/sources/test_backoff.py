"""The sources' one retry schedule: growth, bounds, jitter, and a fresh start after success."""

from itertools import islice

from cockpit.sources.backoff import RETRY, Backoff


def first(n: int, backoff: Backoff, draw=None) -> list[float]:
    delays = backoff.delays() if draw is None else backoff.delays(draw)
    return list(islice(delays, n))


def test_the_wait_doubles_after_each_failure_up_to_the_cap():
    assert first(7, Backoff(first=1.0, cap=8.0, jitter=0)) == [1, 2, 4, 8, 8, 8, 8]


def test_the_default_schedule_starts_within_a_second_and_never_waits_past_36_s():
    waits = first(40, RETRY)
    assert 0.4 <= waits[0] <= 0.6
    assert all(0.4 <= wait <= 30 * 1.2 for wait in waits)
    assert min(waits[10:]) >= 30 * 0.8  # long outages settle at the cap, not above or below


def test_jitter_spreads_each_wait_over_plus_or_minus_its_share_of_the_step():
    backoff = Backoff(first=1.0, cap=4.0, jitter=0.2)
    assert first(4, backoff, draw=lambda: 0.0) == [0.8, 1.6, 3.2, 3.2]
    assert first(4, backoff, draw=lambda: 0.5) == [1.0, 2.0, 4.0, 4.0]
    highest = first(4, backoff, draw=lambda: 1.0 - 1e-9)
    assert all(h < 1.2 * step for h, step in zip(highest, [1, 2, 4, 4], strict=True))


def test_jitter_sets_cockpits_apart():
    """Many cockpits that failed together do not ask again together."""
    firsts = [next(Backoff(first=1.0, jitter=0.2).delays()) for _ in range(500)]
    assert all(0.8 <= wait < 1.2 for wait in firsts)
    assert max(firsts) - min(firsts) > 0.3  # spread over the range, not bunched


def test_a_schedule_taken_afresh_starts_from_the_first_wait_again():
    """What a loop does after a success: the next failure waits the least again."""
    backoff = Backoff(first=0.5, cap=30.0, jitter=0)
    worn = backoff.delays()
    assert list(islice(worn, 8))[-1] == 30.0
    assert next(backoff.delays()) == 0.5
    assert next(worn) == 30.0  # an old schedule is not reset by another one
