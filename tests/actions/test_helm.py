"""Helm history from release Secrets in the emulator, the rollback target and running helm.

Payloads are built here the way Helm's Secret driver stores them (JSON → gzip → base64, and
base64 again as Secret data), independently of the emulator's own encoder; helm itself is
stood in for by small scripts, since what is tested is the streaming, exit code and cancel.
"""

import base64
import gzip
import json
import shlex
import signal
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from kubernetes import client, config

from cockpit.actions.helm import (
    ReleaseDecodeError,
    Revision,
    RollbackError,
    decode_release_secret,
    helm_binary,
    history,
    rollback_argv,
    rollback_target,
    run_rollback,
)
from cockpit.clients.kube import ApiProblem, KubeSettings
from cockpit.sim.kube.valeo import start_valeo, write_kubeconfig

RELEASE = "valeo-erp-production"
NS = "production"


# --- Helm's storage format, built by hand ------------------------------------------------------


def release_record(name: str, revision: int, status: str, deployed: str, version: str) -> dict:
    """pkg/release.Release with Helm's JSON field names, as much as history needs."""
    return {
        "name": name,
        "namespace": NS,
        "version": revision,
        "info": {
            "first_deployed": "2026-01-05T10:00:00Z",
            "last_deployed": deployed,
            "deleted": "",
            "description": f"{status} at {version}",
            "status": status,
        },
        "chart": {
            "metadata": {"name": name, "version": f"1.{revision}.0", "appVersion": version},
            "templates": [],
            "values": {},
        },
        "config": {},
        "manifest": "",
        "hooks": [],
    }


def helm_encoded(record: dict, gzipped: bool = True) -> bytes:
    """Helm's encodeRelease (older Helm stored the JSON uncompressed)."""
    raw = json.dumps(record, separators=(",", ":")).encode()
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0) if gzipped else raw)


def release_secret(name: str, revision: int, status: str, encoded: bytes) -> dict:
    """The Secret the driver writes; its data is base64 of the already-base64 release."""
    return {
        "metadata": {
            "name": f"sh.helm.release.v1.{name}.v{revision}",
            "labels": {"owner": "helm", "name": name, "status": status, "version": str(revision)},
        },
        "type": "helm.sh/release.v1",
        "data": {"release": base64.b64encode(encoded).decode()},
    }


def settings(kubeconfig: Path) -> KubeSettings:
    return KubeSettings(NS, app="valeo-erp", service="valeo-erp", kubeconfig=str(kubeconfig))


@pytest.fixture
def api(kubeconfig):
    api = config.new_client_from_config(config_file=str(kubeconfig))
    yield api
    api.close()


@pytest.fixture
def ledger(api):
    """Release `ledger`: v1 stored uncompressed, v3 corrupt, v4 failed, v5 deployed."""
    rows = [
        (1, "superseded", "2026-12-01T08:00:00.123456789+01:00", "1.0", "plain"),
        (2, "superseded", "2026-12-02T08:00:00Z", "1.1", "gzip"),
        (3, "superseded", "2026-12-03T08:00:00Z", "1.2", "corrupt"),
        (4, "failed", "2026-12-04T08:00:00Z", "1.3", "gzip"),
        (5, "deployed", "2026-12-05T08:00:00Z", "1.4", "gzip"),
    ]
    core = client.CoreV1Api(api)
    for revision, status, deployed, version, form in rows:
        record = release_record("ledger", revision, status, deployed, version)
        if form == "corrupt":  # gzip magic, then not a deflate stream
            encoded = base64.b64encode(b"\x1f\x8b\x08\x00" + b"truncated by a bad restore")
        else:
            encoded = helm_encoded(record, gzipped=form == "gzip")
        body = release_secret("ledger", revision, status, encoded)
        if revision == 3:  # superseded when v4 was installed
            body["metadata"]["labels"]["modifiedAt"] = "1796371200"
        core.create_namespaced_secret(NS, body)
    # same name label, but not Helm's: the selector must leave it out
    core.create_namespaced_secret(
        NS, {"metadata": {"name": "ledger-db", "labels": {"name": "ledger"}}, "data": {}}
    )


# --- history ---------------------------------------------------------------------------------


def test_seeded_release_history(cluster, kubeconfig):
    revisions = history(settings(kubeconfig), RELEASE, NS)
    assert [
        (r.revision, r.status, r.chart, r.chart_version, r.app_version, r.updated, r.description)
        for r in revisions
    ] == [
        (3, "deployed", "valeo-erp", "3.0.0", "3.0.0",
         datetime(2026, 11, 21, 11, 30, 12, 441000, UTC), "Upgrade complete"),
        (2, "superseded", "valeo-erp", "2.9.0", "2.9.0",
         datetime(2026, 10, 19, 11, 30, 5, 907000, UTC), "Upgrade complete"),
        (1, "superseded", "valeo-erp", "2.8.0", "2.8.0",
         datetime(2026, 9, 14, 9, 12, 41, 318000, UTC), "Install complete"),
    ]  # fmt: skip
    assert {(r.release, r.namespace, r.error) for r in revisions} == {(RELEASE, NS, None)}
    assert [r.secret for r in revisions] == [
        f"sh.helm.release.v1.{RELEASE}.v{n}" for n in (3, 2, 1)
    ]


def test_history_decodes_helm_payloads_and_names_the_corrupt_one(cluster, api, ledger):
    revisions = history(api, "ledger", NS)
    assert [r.revision for r in revisions] == [5, 4, 3, 2, 1]
    by_number = {r.revision: r for r in revisions}
    plain = by_number[1]  # uncompressed JSON, nanosecond time in +01:00
    assert plain.error is None and plain.status == "superseded"
    assert (plain.chart_version, plain.app_version) == ("1.1.0", "1.0")
    assert plain.updated == datetime(2026, 12, 1, 7, 0, 0, 123456, UTC)
    assert plain.updated.utcoffset() == timedelta(hours=1)
    assert (by_number[4].status, by_number[4].description) == ("failed", "failed at 1.3")
    assert by_number[5].app_version == "1.4" and by_number[5].readable
    corrupt = by_number[3]
    assert not corrupt.readable
    assert "sh.helm.release.v1.ledger.v3" in corrupt.error and "gzip" in corrupt.error
    # what the labels still tell
    assert (corrupt.release, corrupt.namespace, corrupt.status) == ("ledger", NS, "superseded")
    assert corrupt.updated == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert all(r.readable for r in revisions if r.revision != 3)
    # the seeded release is untouched by ledger's Secrets, and the other way round
    assert [r.revision for r in history(api, RELEASE, NS)] == [3, 2, 1]


def test_history_of_unknown_release_is_empty(cluster, api):
    assert history(api, "nothing-here", NS) == []


def test_history_refuses_a_name_that_would_widen_the_selector(cluster, api):
    with pytest.raises(ValueError, match="not a Helm release name"):
        history(api, "ledger,name!=x", NS)


def test_history_reports_refused_credentials(tmp_path):
    sim = start_valeo(token="right-token", speed=20.0, bookmark_interval=0.2, seed_rng=7)
    try:
        path = write_kubeconfig(tmp_path / "kubeconfig", sim.url, token="wrong-token")
        with pytest.raises(ApiProblem) as raised:
            history(settings(path), RELEASE, NS)
        assert raised.value.state == "unauthorized"
    finally:
        sim.stop()


def secret_with(encoded_release: str | None, name: str = "sh.helm.release.v1.bad.v7") -> dict:
    data = {} if encoded_release is None else {"release": encoded_release}
    return {"metadata": {"name": name, "namespace": NS}, "data": data}


def twice(payload: bytes) -> str:
    return base64.b64encode(base64.b64encode(payload)).decode()


@pytest.mark.parametrize(
    ("encoded", "reason"),
    [
        (None, "no data.release"),
        ("%%%not-base64%%%", "data.release is not base64"),
        (base64.b64encode(b"plain text, no base64").decode(), "not Helm's base64"),
        (twice(b"\x1f\x8b\x08\x00garbage"), "gzip is corrupt"),
        (twice(gzip.compress(b'{"name": "bad"', mtime=0)), "not JSON"),
        (twice(b"{not json"), "not JSON"),
        (twice(b'["a list"]'), "not a JSON object"),
        (twice(b'{"name": "bad", "info": {}}'), "no revision number"),
        (twice(b'{"version": 7, "info": {"last_deployed": "yesterday"}}'), "not a time"),
    ],
)
def test_decode_errors_name_the_secret(encoded, reason):
    with pytest.raises(ReleaseDecodeError) as raised:
        decode_release_secret(secret_with(encoded))
    assert raised.value.secret == "sh.helm.release.v1.bad.v7"
    assert str(raised.value).startswith("Helm release secret sh.helm.release.v1.bad.v7: ")
    assert reason in raised.value.reason


def test_decode_plain_and_gzipped_alike():
    record = release_record("bad", 7, "deployed", "2026-12-24T18:00:00-05:00", "9.9")
    plain = decode_release_secret(secret_with(twice(json.dumps(record).encode())))
    zipped = decode_release_secret(secret_with(twice(gzip.compress(json.dumps(record).encode()))))
    assert plain == zipped
    assert plain.updated == datetime(2026, 12, 24, 18, tzinfo=timezone(timedelta(hours=-5)))
    assert (plain.revision, plain.app_version, plain.secret) == (
        7,
        "9.9",
        "sh.helm.release.v1.bad.v7",
    )


# --- rollback target -------------------------------------------------------------------------


def test_rollback_target_default_and_explicit(cluster, api):
    revisions = history(api, RELEASE, NS)
    assert rollback_target(revisions).revision == 2
    assert rollback_target(revisions, 1).revision == 1
    with pytest.raises(RollbackError, match="is the current revision"):
        rollback_target(revisions, 3)
    with pytest.raises(RollbackError, match=r"has no revision 9 \(revisions: 3, 2, 1\)"):
        rollback_target(revisions, 9)
    with pytest.raises(RollbackError, match="no earlier deployed or superseded revision"):
        rollback_target([r for r in revisions if r.revision == 1])


def test_rollback_target_skips_failed_and_unreadable(cluster, api, ledger):
    revisions = history(api, "ledger", NS)
    assert rollback_target(revisions).revision == 2  # not 4 (failed), not 3 (unreadable)
    assert rollback_target(revisions, 4).status == "failed"  # asked for explicitly
    with pytest.raises(RollbackError, match=r"revision 3 cannot be read: .*ledger\.v3"):
        rollback_target(revisions, 3)
    only_bad = [r for r in revisions if r.revision in (3, 4, 5)]
    with pytest.raises(RollbackError, match=r"earlier: 4 failed, 3 unreadable\)"):
        rollback_target(only_bad)
    with pytest.raises(RollbackError, match="no Helm release revisions"):
        rollback_target([])


def test_revision_is_frozen():
    revision = Revision(RELEASE, NS, 1, "deployed", "c", "1", "1", None, "", "s")
    with pytest.raises(AttributeError):
        revision.status = "failed"


# --- the command -----------------------------------------------------------------------------


def test_rollback_argv_exact():
    assert rollback_argv(RELEASE, NS, 2) == [
        "helm", "rollback", RELEASE, "2", "-n", NS, "--wait", "--timeout", "300s",
    ]  # fmt: skip
    assert rollback_argv(
        RELEASE, NS, 2, "valeo-sim", "/home/op/.kube/config", timedelta(minutes=10),
        helm="/usr/local/bin/helm",
    ) == [
        "/usr/local/bin/helm", "rollback", RELEASE, "2", "-n", NS, "--wait",
        "--timeout", "600s", "--kube-context", "valeo-sim", "--kubeconfig", "/home/op/.kube/config",
    ]  # fmt: skip


def test_rollback_argv_leaves_a_kubeconfig_list_to_helms_inherited_kubeconfig():
    """helm's --kubeconfig takes one file; a KUBECONFIG list reaches helm through its
    environment, and the context is named explicitly either way."""
    argv = rollback_argv(RELEASE, NS, 2, "valeo-sim", "/a/config:/b/config")
    assert "--kubeconfig" not in argv and argv[-2:] == ["--kube-context", "valeo-sim"]


@pytest.mark.parametrize(
    ("release", "namespace", "revision", "timeout"),
    [
        ("--post-renderer=/tmp/x", NS, 2, timedelta(minutes=5)),
        ("Valeo", NS, 2, timedelta(minutes=5)),
        ("a" * 54, NS, 2, timedelta(minutes=5)),
        (RELEASE, "-n", 2, timedelta(minutes=5)),
        (RELEASE, "prod uction", 2, timedelta(minutes=5)),
        (RELEASE, NS, 0, timedelta(minutes=5)),
        (RELEASE, NS, True, timedelta(minutes=5)),
        (RELEASE, NS, 2, timedelta(0)),
    ],
)
def test_rollback_argv_refuses_what_could_read_as_a_flag(release, namespace, revision, timeout):
    with pytest.raises(ValueError):
        rollback_argv(release, namespace, revision, timeout=timeout)


def test_helm_binary_found_on_path_or_none(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert helm_binary() is None
    fake = stand_in(tmp_path, "exit 0", name="helm")
    assert helm_binary() == str(fake)


def stand_in(directory: Path, body: str, name: str = "helm-stand-in") -> Path:
    script = directory / name
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return script


class Lines:
    """An output callback that records lines and can act on one as it arrives."""

    def __init__(self, on: str = "", then=None) -> None:
        self.lines: list[str] = []
        self.on, self.then = on, then
        self.thread: set[str] = set()

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        self.thread.add(threading.current_thread().name)
        if line == self.on:
            self.then()


def test_run_rollback_streams_lines_and_returns_exit_code(tmp_path):
    gate = tmp_path / "gate"
    script = stand_in(
        tmp_path,
        f"""
echo "rolling back $1 to $2"
i=0
while [ ! -e {shlex.quote(str(gate))} ]; do
  i=$((i+1)); [ $i -gt 200 ] && exit 99
  sleep 0.05
done
echo "Error: timed out waiting for the condition" >&2
echo after gate
exit 3""",
    )
    # the gate opens only when the first line has reached us: output is streamed
    lines = Lines(on=f"rolling back {RELEASE} to 2", then=gate.touch)
    result = run_rollback([str(script), RELEASE, "2"], threading.Event(), lines)
    assert result.exit_code == 3 and not result.cancelled
    assert result.stderr_tail == "Error: timed out waiting for the condition"
    assert lines.lines[0] == f"rolling back {RELEASE} to 2"
    assert sorted(lines.lines[1:]) == ["Error: timed out waiting for the condition", "after gate"]
    assert lines.thread == {threading.current_thread().name}


def test_run_rollback_passes_arguments_without_a_shell(tmp_path):
    script = stand_in(tmp_path, 'for a in "$@"; do printf "arg:%s\\n" "$a"; done')
    args = ["two words", "$(touch pwned)", "; rm -rf x", "*"]
    lines = Lines()
    result = run_rollback([str(script), *args], threading.Event(), lines)
    assert result.exit_code == 0 and result.stderr_tail == ""
    assert lines.lines == [f"arg:{a}" for a in args]
    assert not (tmp_path / "pwned").exists()


def test_run_rollback_keeps_the_tail_of_stderr(tmp_path):
    script = stand_in(
        tmp_path, 'i=1; while [ $i -le 25 ]; do echo "e$i" >&2; i=$((i+1)); done; exit 1'
    )
    result = run_rollback([str(script)], threading.Event(), Lines())
    assert result.exit_code == 1
    assert result.stderr_tail.splitlines() == [f"e{i}" for i in range(6, 26)]


def test_run_rollback_cancel_terminates_the_process_group(tmp_path):
    script = stand_in(tmp_path, "echo waiting\nsleep 30\necho never")
    cancel = threading.Event()
    lines = Lines(on="waiting", then=cancel.set)
    started = time.monotonic()
    result = run_rollback([str(script)], cancel, lines)
    assert time.monotonic() - started < 5  # sleep 30 died with its shell: pipes closed
    assert result.cancelled and result.exit_code == -signal.SIGTERM
    assert lines.lines == ["waiting"]


def test_run_rollback_cancel_kills_what_ignores_sigterm(tmp_path):
    script = stand_in(tmp_path, "trap '' TERM\necho waiting\nsleep 30\necho never")
    cancel = threading.Event()
    started = time.monotonic()
    result = run_rollback([str(script)], cancel, Lines(on="waiting", then=cancel.set), grace=0.3)
    assert time.monotonic() - started < 5
    assert result.cancelled and result.exit_code == -signal.SIGKILL


def test_run_rollback_missing_executable_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        run_rollback([str(tmp_path / "no-helm")], threading.Event(), Lines())
