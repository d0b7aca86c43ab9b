import threading

from cockpit.sources.backoff import Backoff
from cockpit.sources.supervisor import supervised


def test_a_crashed_loop_is_reported_and_started_again_until_it_returns():
    runs, reports = [], []

    def loop():
        runs.append(len(runs))
        if len(runs) < 3:
            raise ImportError("cannot import name 'HTTPAdapter'\nsecond line")

    supervised(loop, reports.append, threading.Event(), Backoff(first=0.01, jitter=0))()
    assert len(runs) == 3  # crashed twice, then ran to its end
    assert reports == [
        "ImportError: cannot import name 'HTTPAdapter'; restarting in 0.01 s",
        "ImportError: cannot import name 'HTTPAdapter'; restarting in 0.02 s",
    ]


def test_a_stopping_app_restarts_nothing():
    stopping, reports = threading.Event(), []

    def loop():
        stopping.set()  # the app began closing while the loop was running
        raise RuntimeError("connection reset")

    thread = threading.Thread(
        target=supervised(loop, reports.append, stopping, Backoff(first=60.0))
    )
    thread.start()
    thread.join(5)
    assert not thread.is_alive() and reports == []


def test_a_stop_wakes_a_loop_waiting_to_restart_at_once():
    stopping, crashed, reports = threading.Event(), threading.Event(), []

    def loop():
        raise RuntimeError("connection reset")

    def report(detail: str) -> None:
        reports.append(detail)
        crashed.set()

    thread = threading.Thread(target=supervised(loop, report, stopping, Backoff(first=60.0)))
    thread.start()
    assert crashed.wait(5), "the crash was not reported"
    stopping.set()
    thread.join(2)
    assert not thread.is_alive()
    wait = float(reports[0].removeprefix("RuntimeError: connection reset; restarting in ")[:-2])
    assert 48 <= wait <= 72  # what it said it would wait, jittered: stopped long before
