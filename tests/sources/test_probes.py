"""HTTP probes against a local ERP stand-in: healthy, failing, slow, malformed, TLS."""

import http.server
import ssl
import subprocess
import threading
import time

import httpx
import pytest

from cockpit.model.checklist import HttpCheck
from cockpit.sources.probes import Probe, ProbeSettings, ProbeSource, probe

METRICS = b"# HELP up ok\n# TYPE up gauge\nup 1\n"


class Handler(http.server.BaseHTTPRequestHandler):
    readyz = 200

    def do_GET(self):
        if self.path == "/slow":
            time.sleep(1.5)
        if self.path == "/api/stream/workflow":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(b"event: ping\ndata: {}\n\n")
            self.wfile.flush()
            time.sleep(1)
            return
        if self.path == "/silent-stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.flush()
            time.sleep(2)
            return
        status, body = {
            "/healthz": (200, b"ok"),
            "/readyz": (Handler.readyz, b"not ready" if Handler.readyz != 200 else b"ok"),
            "/metrics": (200, METRICS),
            "/garbage-metrics": (200, b"up{ 1 oops\n"),
            "/slow": (200, b"late"),
        }.get(self.path, (404, b"no"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def erp():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    Handler.readyz = 200


@pytest.fixture
def tls_erp(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def check(path, **extra):
    return HttpCheck.model_validate({"kind": "http", "url": "${base_url}" + path, **extra})


def ask(base, path, **extra):
    with httpx.Client() as client:
        return probe(client, check(path, **extra), base + path)


def test_healthy_endpoints_pass_with_what_was_seen(erp):
    status, detail = ask(erp, "/healthz")
    assert status == "pass" and detail.startswith("200 in ")
    assert ask(erp, "/metrics", body="prometheus")[0] == "pass"
    assert ask(erp, "/api/stream/workflow", body="sse", timeout="3s")[0] == "pass"


def test_failures_say_why(erp):
    Handler.readyz = 503
    assert ask(erp, "/readyz") == ("fail", "503 Service Unavailable (expected status == 200)")
    status, detail = ask(erp, "/garbage-metrics", body="prometheus")
    assert status == "fail" and "not Prometheus format" in detail
    assert ask(erp, "/slow", timeout="0.3s") == ("fail", "timeout after 0.3 s")
    assert ask(erp, "/silent-stream", body="sse", timeout="0.5s")[0] == "fail"
    assert ask("http://127.0.0.1:9", "/healthz")[1].startswith("cannot connect")


def test_tls_is_verified(tls_erp):
    assert ask(tls_erp, "/healthz") == ("fail", "TLS: certificate verify failed")


def test_the_source_checks_items_and_says_what_it_cannot_probe(erp):
    events = []
    probes = (
        Probe("go-live", "healthz", check("/healthz")),
        Probe(
            "go-live",
            "staging",
            HttpCheck.model_validate({"kind": "http", "url": "${staging_url}/healthz"}),
        ),
    )
    source = ProbeSource(ProbeSettings(probes=probes, values={"base_url": erp}), events.append)
    with httpx.Client() as client:
        source.round(client)
    results = {e.item: (e.status, e.detail) for e in events if e.kind == "check"}
    assert results["healthz"][0] == "pass"
    assert results["staging"] == (
        "unknown",
        "no value for the placeholder in ${staging_url}/healthz",
    )
    assert events[-1].kind == "source.status" and events[-1].state == "ok"
