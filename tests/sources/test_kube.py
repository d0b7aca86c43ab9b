"""The kube source on the official client, against the emulator: list, watch, recover."""

import socket
import threading
import time
from collections.abc import Callable

import pytest
from kubernetes import client, config

from cockpit.clients.kube import KubeSettings
from cockpit.model import events as ev
from cockpit.model.reduce import reduce
from cockpit.model.state import State
from cockpit.sources.backoff import Backoff
from cockpit.sources.kube import KubeSource, Timing
from tests.helpers.poll import eventually


class Collected:
    """Events from the source's threads, reduced as the app would."""

    def __init__(self) -> None:
        self.events = []
        self.lock = threading.Lock()

    def __call__(self, event) -> None:
        with self.lock:
            self.events.append(event)

    def state(self) -> State:
        with self.lock:
            events = list(self.events)
        state = State()
        for event in events:
            state = reduce(state, event)
        return state

    def count(self, kind, change=None) -> int:
        with self.lock:
            return sum(
                1
                for e in self.events
                if getattr(e, "resource", None) == kind and change in (None, e.change)
            )

    def wait(self, condition: Callable[[State], object], timeout=10.0, what="condition") -> None:
        eventually(
            lambda: condition(self.state()),
            what=what,
            timeout=timeout,
            seen=lambda: self.state().sources,
        )


def said(state: State) -> str:
    """The Kubernetes source's state, or "" before its first word (the pods may come first)."""
    source = state.sources.get("kubernetes")
    return source.state if source else ""


@pytest.fixture
def watching(kubeconfig):
    collected = Collected()
    settings = KubeSettings(
        namespace="production", app="valeo-erp", service="valeo-erp", kubeconfig=str(kubeconfig)
    )
    source = KubeSource(settings, collected)
    threads = [threading.Thread(target=loop, daemon=True) for loop in source.loops()]
    for thread in threads:
        thread.start()
    yield source, collected
    source.stop()
    for thread in threads:
        thread.join(10)
    assert not any(t.is_alive() for t in threads), "a watch loop did not stop"


def patch_selector(kubeconfig, version):
    api = config.new_client_from_config(config_file=str(kubeconfig))
    client.CoreV1Api(api).patch_namespaced_service(
        "valeo-erp", "production", {"spec": {"selector": {"app": "valeo-erp", "version": version}}}
    )
    api.close()


def green_selected(state):
    return {p.split("-")[2] for p in state.kube.selected("valeo-erp")} == {"green"}


def test_lists_then_follows_a_cutover_live(cluster, kubeconfig, watching):
    _, got = watching
    every_kind = {"pods", "services", "endpointslices", "deployments", "leases"}
    got.wait(lambda s: s.kube.listed == every_kind and len(s.kube.pods) == 6, what="all listed")
    state = got.state()
    assert {p.version for p in state.kube.pods.values()} == {"blue", "green"}
    assert all(p.ready for p in state.kube.pods.values())
    assert {p.split("-")[2] for p in state.kube.selected("valeo-erp")} == {"blue"}
    patch_selector(kubeconfig, "green")
    got.wait(green_selected, what="the Service to select green")
    got.wait(
        lambda s: {p.split("-")[2] for p in s.kube.endpoints("valeo-erp")} == {"green"},
        what="the EndpointSlice to list green",
    )
    assert got.count("pods", "LIST") == 1  # one list, then only the watch: no polling


def test_dropped_watches_resume_and_a_too_old_version_relists(cluster, kubeconfig, watching):
    _, got = watching
    got.wait(lambda s: len(s.kube.pods) == 6, what="6 pods")
    cluster.controller.drop_watches()
    cluster.controller.kill_pod(next(iter(got.state().kube.pods)))
    got.wait(lambda s: len(s.kube.pods) == 6 and got.count("pods", "DELETED") >= 1, what="resume")
    lists_before = got.count("services", "LIST")
    cluster.controller.drop_watches()  # every watch down: none sees what comes next
    cluster.controller.kill_pod(next(iter(got.state().kube.pods)))  # history moves past them
    cluster.controller.compact()  # and is gone: each watch resumes from an older version: 410
    patch_selector(kubeconfig, "green")
    got.wait(green_selected, what="the change seen after re-listing")
    assert got.count("services", "LIST") > lists_before


def watch_quiet_cluster(kubeconfig_path):
    collected = Collected()
    settings = KubeSettings(
        namespace="production", app="valeo-erp", service="valeo-erp", kubeconfig=kubeconfig_path
    )
    fast = Timing(retry=Backoff(first=0.02, cap=0.2))
    return KubeSource(settings, collected, timing=fast), collected


@pytest.fixture
def quiet(tmp_path):
    """A settled cluster whose watches send no bookmark for a minute (real apiservers send
    them about that seldom): nothing arrives on a watch unless something changes."""
    from cockpit.sim.kube.valeo import start_valeo, write_kubeconfig

    sim = start_valeo(speed=20.0, bookmark_interval=60.0, seed_rng=7)
    source, got = watch_quiet_cluster(str(write_kubeconfig(tmp_path / "kc", sim.url)))
    threads = [threading.Thread(target=loop, daemon=True) for loop in source.loops()]
    for thread in threads:
        thread.start()
    try:
        yield sim, got
    finally:
        source.stop()
        for thread in threads:
            thread.join(10)
        sim.stop()
    assert not any(t.is_alive() for t in threads), "a watch loop did not stop"


def test_stop_ends_a_watch_parked_on_a_quiet_cluster(tmp_path):
    """`stop()` interrupts a read that waits for the next line (closing the response from
    another thread waited for that read: a minute, until the next bookmark)."""
    from cockpit.sim.kube.valeo import start_valeo, write_kubeconfig

    with start_valeo(speed=20.0, bookmark_interval=60.0, seed_rng=7) as sim:
        source, got = watch_quiet_cluster(str(write_kubeconfig(tmp_path / "kc", sim.url)))
        threads = [threading.Thread(target=loop, daemon=True) for loop in source.loops()]
        for thread in threads:
            thread.start()
        got.wait(lambda s: said(s) == "ok", what="watching")
        deadline = time.monotonic() + 5
        source.stop()
        assert time.monotonic() < deadline, "stop() itself waited for the parked read"
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "a parked watch outlived stop()"


def test_a_watch_opened_again_is_live_once_the_server_accepts_it(quiet):
    """Not only at its next change or bookmark, which on a quiet cluster may be a minute
    away (and "reconnecting" stops vouching after the stale bound)."""
    sim, got = quiet
    got.wait(lambda s: said(s) == "ok", what="watching")
    with got.lock:
        dropped = len(got.events)
    sim.controller.drop_watches()
    got.wait(
        lambda s: (
            said(s) == "ok"
            and "reconnecting" in [getattr(e, "state", "") for e in got.events[dropped:]]
        ),
        timeout=5,
        what="the watches accepted again",
    )
    assert not [e for e in got.events[dropped:] if isinstance(e, ev.KubeObserved)]  # quiet


def test_a_watch_expired_410_says_it_lists_again_until_it_did(quiet):
    """What was listed missed changes once the watch's version expired: not live until the
    new list arrived (found by tests/truth/kube_machine.py)."""
    sim, got = quiet
    got.wait(lambda s: said(s) == "ok", what="watching")
    sim.controller.set_latency(0.5)  # every request from now on: the re-list takes a while
    sim.controller.expire_watches()
    got.wait(lambda s: said(s) == "ok" and got.count("pods", "LIST") == 2, what="listed again")
    with got.lock:
        events = list(got.events)
    gone = next(i for i, e in enumerate(events) if getattr(e, "state", "") == "relisting")
    assert "410" in events[gone].detail
    relisted = next(
        i for i, e in enumerate(events) if i > gone and getattr(e, "change", "") == "LIST"
    )
    assert "ok" not in [getattr(e, "state", "") for e in events[gone:relisted]]


def test_refused_verbs_are_named_and_survived(cluster, kubeconfig, watching):
    _, got = watching
    got.wait(lambda s: said(s) == "ok")
    cluster.controller.deny("watch", "pods")
    cluster.controller.drop_watches()
    got.wait(lambda s: said(s) == "forbidden", what="403 reported")
    detail = got.state().sources["kubernetes"].detail
    assert "403" in detail and "watch" in detail and "pods" in detail
    assert len(got.state().kube.pods) == 6  # the last good data stays, marked by the status
    cluster.controller.clear_faults()
    got.wait(lambda s: said(s) == "ok", timeout=40, what="recovery")


def test_connection_loss_is_unreachable_with_the_time_of_last_data(cluster, kubeconfig, watching):
    _, got = watching
    got.wait(lambda s: said(s) == "ok")
    last_ok = got.state().sources["kubernetes"].last_ok
    cluster.stop()
    got.wait(lambda s: said(s) == "unreachable", what="unreachable")
    status = got.state().sources["kubernetes"]
    assert status.last_ok >= last_ok and status.since >= status.last_ok


def test_a_stop_wakes_a_loop_backing_off_from_an_unreachable_server(tmp_path):
    from cockpit.sim.kube.valeo import write_kubeconfig

    with socket.socket() as sock:  # a port nobody listens on: refused at once
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = KubeSettings(
        namespace="production",
        app="valeo-erp",
        service="valeo-erp",
        kubeconfig=str(write_kubeconfig(tmp_path / "kc", url)),
    )
    got = Collected()
    source = KubeSource(settings, got, timing=Timing(retry=Backoff(first=60.0)))
    threads = [threading.Thread(target=loop, daemon=True) for loop in source.loops()]
    for thread in threads:
        thread.start()
    got.wait(lambda s: said(s) == "unreachable", what="unreachable")
    source.stop()
    for thread in threads:
        thread.join(2)  # each waits 48 s or more before it asks again
    assert not any(t.is_alive() for t in threads), "a backing-off loop outlived stop()"


# --- what the cluster says is shown, never obeyed, and never carries a credential --------

ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b\u202e"


def texts(value):
    """Every string in JSON-like data."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts(key)
            yield from texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts(item)


def hostile_pod(store) -> None:
    """A pod whose runtime reports escapes in its reason, on a node named with some."""
    meta = {"name": "valeo-erp-evil", "labels": {"app": "valeo-erp", "version": "green"}}
    spec = {"nodeName": f"node-{ESCAPES}", "containers": [{"name": "erp", "image": "erp"}]}
    store.create("pods", "production", {"metadata": meta, "spec": spec})
    pod = store.get("pods", "production", "valeo-erp-evil")
    waiting = {"waiting": {"reason": f"CrashLoop{ESCAPES}[bold red]", "message": "x"}}
    pod["status"] = {
        "phase": "Running",
        "containerStatuses": [{"name": "erp", "ready": False, "restartCount": 1, "state": waiting}],
    }
    store.update("pods", "production", "valeo-erp-evil", pod, subresource="status")


def test_escapes_and_tokens_from_the_api_reach_neither_events_nor_journal(
    cluster, kubeconfig, tmp_path
):
    from cockpit.audit.journal import Journal
    from cockpit.audit.trail import AuditTrail

    cluster.controller.stop()  # the pods stay as written: no kubelet rewrites their status
    hostile_pod(cluster.store)
    # an apiserver (or a proxy in front of it) that echoes the request's credentials
    cluster.server.user = f"oncall{ESCAPES} (Authorization: Bearer abc.def.ghi)"
    journal = Journal(tmp_path / "audit.jsonl")
    trail, got = AuditTrail(journal), Collected()

    def emit(event) -> None:
        got(event)
        trail.event(event)

    settings = KubeSettings(
        namespace="production", app="valeo-erp", service="valeo-erp", kubeconfig=str(kubeconfig)
    )
    source = KubeSource(settings, emit)
    threads = [threading.Thread(target=loop, daemon=True) for loop in source.loops()]
    for thread in threads:
        thread.start()
    try:
        got.wait(lambda s: "valeo-erp-evil" in s.kube.pods, what="the hostile pod listed")
        cluster.controller.deny("watch", "pods")
        cluster.controller.drop_watches()
        got.wait(lambda s: said(s) == "forbidden", what="403 reported")
    finally:
        source.stop()
        for thread in threads:
            thread.join(10)
        journal.close()

    state = got.state()
    pod = state.kube.pods["valeo-erp-evil"]
    assert pod.reason == "CrashLoop␛]0;owned␇␛[2J<U+009B><U+202E>[bold red]"
    assert pod.node == "node-␛]0;owned␇␛[2J<U+009B><U+202E>"
    # what the 403 said, as reported then (the source may retry and say more before it stops)
    forbidden = [e for e in got.events if isinstance(e, ev.SourceStatus) and e.state == "forbidden"]
    detail = forbidden[-1].detail
    # the watch's 403, or the re-list's after the dropped watch if that came first
    assert detail.startswith(("403 watch pods", "403 list pods"))
    assert "Authorization: Bearer ***" in detail
    assert "oncall␛]0;owned␇" in detail
    seen = "".join(texts([e.to_data() for e in got.events]))
    assert "valeo-erp-evil" in seen and "Bearer ***" in seen
    assert not any(c in seen for c in "\x1b\x07\x9b\u202e") and "abc.def.ghi" not in seen
    written = (tmp_path / "audit.jsonl").read_bytes()
    assert b"valeo-erp-evil" in written and b"Bearer ***" in written
    for raw in (b"\x1b", b"\\u001b", b"\xc2\x9b", b"\\u009b", "\u202e".encode(), b"abc.def.ghi"):
        assert raw not in written
