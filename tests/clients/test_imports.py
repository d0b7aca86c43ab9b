"""The clients' first imports happen one thread at a time, in fresh interpreters."""

import subprocess
import sys
import textwrap
import threading

from cockpit.clients import imports
from tests.helpers.poll import eventually

#: first import of each client, on the threads the sources run on; every module of the
#: client libraries must be imported while the shared import lock is held by that thread
CHECK = textwrap.dedent(
    """
    import sys, threading
    from cockpit.clients import imports
    from cockpit.clients.kube import KubeSettings, api_client
    from cockpit.sources.prometheus import PrometheusSettings, PrometheusSource
    from cockpit.sources.probes import ProbeSettings, ProbeSource

    CLIENTS = ("requests", "urllib3", "kubernetes", "prometheus_api_client", "httpx",
               "httpcore", "oauthlib", "requests_oauthlib")
    outside = []

    class Watch:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in CLIENTS and not imports._LOCK._is_owned():
                outside.append(name)
            return None

    sys.meta_path.insert(0, Watch())
    kube = KubeSettings(namespace="production", app="a", service="s", kubeconfig=sys.argv[1])
    prom = PrometheusSource(PrometheusSettings(url="http://127.0.0.1:9", queries={}), print)
    probes = ProbeSource(ProbeSettings(probes=()), print)
    probes.stop()  # its run() imports its client, then finds itself stopped
    jobs = [lambda: api_client(kube).close(), prom._client, probes.run]
    threads = [threading.Thread(target=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(sorted(set(outside))[:5] or "ok")
    """
)


def test_every_client_module_is_first_imported_under_the_shared_lock(kubeconfig):
    """Seen at start-up: "partially initialized module 'requests.utils'" killed a source,
    when a Kubernetes thread and the Prometheus thread imported `requests` at once."""
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(kubeconfig)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "ok", done.stdout


def test_preload_lets_one_thread_import_at_a_time(tmp_path, monkeypatch):
    (tmp_path / "slow_client.py").write_text(
        "import threading, time\n"
        "ACTIVE = getattr(threading, 'slow_client_active', 0) + 1\n"
        "threading.slow_client_active = ACTIVE\n"
        "time.sleep(0.2)\n"
        "threading.slow_client_active -= 1\n"
    )
    (tmp_path / "slow_other.py").write_text(
        "import threading\nSEEN = getattr(threading, 'slow_client_active', 0)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(threading, "slow_client_active", 0, raising=False)
    first = threading.Thread(target=imports.preload, args=("slow_client",))
    first.start()
    eventually(  # the first import is under way (it lasts 0.2 s)
        lambda: getattr(threading, "slow_client_active", 0),
        what="the first import under way",
        every=0.001,
    )
    imports.preload("slow_other")  # waits for the first thread's import to finish
    first.join()
    assert sys.modules["slow_other"].SEEN == 0
    for name in ("slow_client", "slow_other"):
        monkeypatch.delitem(sys.modules, name)
