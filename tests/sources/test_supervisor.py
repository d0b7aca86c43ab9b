import threading

from cockpit.sources.supervisor import supervised


def test_a_crashed_loop_is_reported_and_started_again_until_it_returns():
    runs, reports = [], []

    def loop():
        runs.append(len(runs))
        if len(runs) < 3:
            raise ImportError("cannot import name 'HTTPAdapter'\nsecond line")

    supervised(loop, reports.append, threading.Event(), first_backoff=0.01)()
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

    thread = threading.Thread(target=supervised(loop, reports.append, stopping, 60.0))
    thread.start()
    thread.join(5)
    assert not thread.is_alive() and reports == []
