"""The client libraries, imported one thread at a time.

Each source imports its client lazily, on its own thread, so that start-up stays fast.
Python's per-module import locks do not make a package's circular imports safe across
threads: with `requests` half imported by the Prometheus thread, a Kubernetes thread saw
"partially initialized module 'requests.adapters'" (or a deadlock error) and died. Every
first import of a client goes through `preload`; later ones are cache hits.
"""

from __future__ import annotations

import importlib
import sys
import threading

_LOCK = threading.RLock()


def preload(*modules: str) -> None:
    """Import `modules` (dotted names) unless already imported, serialised across threads."""
    if all(name in sys.modules for name in modules):
        return
    with _LOCK:
        for name in modules:
            importlib.import_module(name)


def settle(timeout: float) -> bool:
    """Wait (at most `timeout` s) for a first import in progress on another thread to end.
    The interpreter's exit cuts daemon threads off wherever they are: in the middle of a C
    extension's import (scipy.stats, seconds on a loaded machine) that is an abort."""
    if _LOCK.acquire(timeout=timeout):
        _LOCK.release()
        return True
    return False
