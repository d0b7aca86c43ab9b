"""Each thread's first import of the Kubernetes client goes through `preload`: a direct
one raced the other sources' (a herald said "KeyError: 'kubernetes'" at start-up)."""

import subprocess
import sys

import pytest

SPY = """
import sys
from cockpit.clients import imports

class Spy:
    def find_spec(self, name, path=None, target=None):
        if name == "kubernetes":
            print("held" if imports._LOCK._is_owned() else "direct", flush=True)
        return None

sys.meta_path.insert(0, Spy())
from cockpit.clients.kube import KubeSettings
settings = KubeSettings(namespace="p", app="a", service="s", kubeconfig="/nonexistent")
try:
    {call}
except Exception:
    pass
"""
CALLS = {
    "watch": "from cockpit.sources.kube import KubeSource\n"
    "    KubeSource(settings, print).request('pods')",
    "lock": "from cockpit.sources.lock import WindowLock\n"
    "    WindowLock(settings, 'me', print)._api()",
    "approvals": "from cockpit.sources.approvals import ApprovalWatch\n"
    "    ApprovalWatch(settings, print).request('configmaps')",
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_the_first_import_of_the_client_is_serialised(call):
    script = SPY.format(call=CALLS[call])
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.split() == ["held"], out.stdout + out.stderr
