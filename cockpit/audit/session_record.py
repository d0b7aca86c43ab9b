"""The `session.start` record: who, where, on what terminal, and everything on screen.

The layout and the checklists themselves go into the journal, so a replay years later
shows what the operator saw, whatever the files say by then.
"""

from __future__ import annotations

import os
import pwd
import socket
from collections.abc import Mapping
from typing import Any

from cockpit import __version__
from cockpit.model import events as ev
from cockpit.model.session import Session


def login_user() -> str:
    """The OS account this process runs under, from its uid: four-eyes takes it for the
    person, so it is never read from LOGNAME or USER, which anyone may set to anything.
    A uid with no passwd entry (a container) is named by its number."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid-{uid}"


def session_start(
    session: Session,
    size: tuple[int, int],
    restored: list[ev.Event],
    environ: Mapping[str, str] = os.environ,
) -> dict[str, Any]:
    workspace = session.workspace
    return {
        "user": login_user(),
        "operator": session.operator,
        "host": socket.gethostname(),
        "ssh_client": environ.get("SSH_CLIENT", ""),
        "ssh_connection": environ.get("SSH_CONNECTION", ""),
        "term": environ.get("TERM", ""),
        "size": list(size),
        "kube_context": session.context,
        "kube_server": session.server,  # new: older journals lack it
        "lock_holder": session.holder,
        "namespace": session.namespace,
        "read_only": session.read_only,
        "window": session.window,
        "t0": session.t0.isoformat(),
        "timezone": str(session.tz) if session.tz else "",
        "note": session.note,  # the status bar's mark (DEMO …): a replay shows it too
        "version": __version__,
        "layout": workspace.layout.model_dump(mode="json"),
        "compact": session.compact.layout.model_dump(mode="json") if session.compact else None,
        "checklists": {
            name: runbook.model_dump(mode="json", by_alias=True)
            for name, runbook in workspace.runbooks.items()
        },
        "restored": [{"kind": e.kind, "data": e.to_data()} for e in restored],
        "approval": approval_policy(session),  # new: older journals lack it
    }


def approval_policy(session: Session) -> dict[str, Any] | None:
    """The four-eyes policy in force, as the report states it (None: no approval needed)."""
    policy = session.approval
    if policy is None:
        return None
    return {
        "required_for": list(policy.required_for),
        "expires": int(policy.expires.total_seconds()),
    }
