"""A traffic move as published on the Service it moves: one truth for every cockpit.

The cockpit that cuts over or switches back writes the move into the Service's annotation
`cockpit.dev/move` in the same PATCH that moves the selector, and writes its outcome there
again (verified, failed, interrupted …). Every cockpit watches the Service, so one that did
not act judges the window by what the actor found, not only by the selector. The
annotation is text from the cluster: anyone with `patch` on the Service can write it, so it
is read here bounded, field by field, and what cannot be read is said with where it is,
never raised. Pure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from cockpit.model.untrusted import clean, one_line

ANNOTATION = "cockpit.dev/move"
#: an annotation longer than this is not a move the cockpit wrote (its own are ~400 bytes)
MAX_BYTES = 4096
#: each field is cut to this many characters (a detail is a sentence, not a log)
MAX_FIELD = 300
#: the patch ran, its endpoints are not verified yet (the actor's cockpit is verifying)
EXECUTING = "executing"
VERIFIED = "verified"  # a cutover's endpoints verified: its soak runs
SUCCEEDED = "succeeded"
INCONCLUSIVE = "inconclusive"
FAILED = "failed"
INTERRUPTED = "interrupted"  # cut off (a hang-up) at a safe point, traffic where it was moved
STATES = (EXECUTING, VERIFIED, SUCCEEDED, INCONCLUSIVE, FAILED, INTERRUPTED)
#: outcomes that leave the traffic where it was moved, not verified as healthy there
STRANDED = (FAILED, INTERRUPTED)
FIELDS = ("action", "id", "by", "holder", "state", "at", "updated", "label", "to", "detail")
#: what the operator calls each move
NAMES = {"cutover": "cutover", "rollback-selector": "switch back"}


@dataclass(frozen=True)
class Move:
    """The last move of a Service's selector, as its actor published it."""

    action: str  # cutover | rollback-selector
    id: str  # the action's id in its actor's journal
    by: str  # the operator who confirmed it
    holder: str  # the actor's window-lock identity ("" when it ran without a lock)
    state: str  # one of STATES
    at: str  # when the patch ran (RFC 3339)
    updated: str  # when `state` was written
    label: str  # the selector's label it moved
    to: str  # the value it moved the label to
    detail: str = ""  # why it failed, where it stopped

    @property
    def name(self) -> str:
        return NAMES.get(self.action, self.action)

    def to_annotation(self) -> str:
        """The annotation's value: compact JSON (kubectl shows it on one line)."""
        return json.dumps(asdict(self), separators=(",", ":"), ensure_ascii=False)


def _unreadable(why: str) -> dict[str, str]:
    return {"move_error": f"unreadable move annotation {ANNOTATION}: {why}"}


def read_annotation(annotations: Mapping[str, Any] | None) -> dict[str, Any]:
    """The Service's move, as the facts a KubeObserved keeps: {"move": {...}}, or
    {"move_error": "…"} saying where it cannot be read, or {} when there is none."""
    text = (annotations or {}).get(ANNOTATION)
    if text is None:
        return {}
    if not isinstance(text, str):
        return _unreadable("not a string")
    size = len(text.encode("utf-8", "replace"))
    if size > MAX_BYTES:
        return _unreadable(f"{size} bytes, more than {MAX_BYTES}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return _unreadable(f"line {error.lineno} column {error.colno}: {error.msg}")
    except RecursionError:
        return _unreadable("nested too deep")
    if not isinstance(data, dict):
        return _unreadable("not a JSON object")
    out: dict[str, str] = {}
    for name in FIELDS:
        value = data.get(name, "")
        if not isinstance(value, str):
            return _unreadable(f"{name} is not a string")
        out[name] = one_line(clean(value))[:MAX_FIELD]  # scrubbed whole before the cut
    if out["state"] not in STATES:
        return _unreadable(f"state is none of {', '.join(STATES)}")
    if out["action"] not in NAMES or not out["to"]:
        return _unreadable("not a cutover or switch back with a target")
    out["label"] = out["label"] or "version"
    return {"move": out}


def move_of(data: Mapping[str, Any] | None) -> Move | None:
    """A Move from the facts `read_annotation` kept (a journal's, so read leniently)."""
    if not isinstance(data, Mapping):
        return None
    values = {name: str(data.get(name) or "") for name in FIELDS}
    return Move(**values) if values["state"] and values["to"] else None
