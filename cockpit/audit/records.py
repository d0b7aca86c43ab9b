"""The journal's record format, byte for byte (DESIGN.md, "Audit journal contract").

One JSON object per line: `seq`, `ts`, `kind`, `data`, `prev` (hex SHA-256 of the previous
line's bytes without its newline; 64 zeros for seq 0) and, when sealed with
`COCKPIT_AUDIT_KEY`, `mac`: HMAC-SHA256 over the same line without its `mac` member.
The MAC is checked against the exact bytes, so verifying never re-serialises anything.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cockpit.model.untrusted import escaped, scrub_tree

GENESIS = "0" * 64
_MAC_TAIL = re.compile(rb',"mac":"([0-9a-f]{64})"\}$')


def timestamp(moment: datetime) -> str:
    """RFC 3339, UTC, microseconds: `2026-11-21T10:42:05.123456Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def encode(
    seq: int, ts: str, kind: str, data: dict[str, Any], prev: str, key: bytes | None
) -> bytes:
    """The line (without newline) for one record, whoever made it: no credential is ever
    written (invariant I6), and what a terminal would act on is a JSON escape, so the text
    is kept exactly (a paste with its ESC) and `cat` shows it inert."""
    text = json.dumps(
        {"seq": seq, "ts": ts, "kind": kind, "data": scrub_tree(data), "prev": prev},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    body = escaped(text).encode()
    if key is None:
        return body
    mac = hmac.new(key, body, hashlib.sha256).hexdigest()
    return body[:-1] + f',"mac":"{mac}"}}'.encode()


@dataclass(frozen=True)
class Record:
    seq: int
    ts: str
    kind: str
    data: dict[str, Any]
    prev: str
    mac: str | None
    line: bytes

    @property
    def time(self) -> datetime:
        return datetime.fromisoformat(self.ts.replace("Z", "+00:00"))


class BadRecord(ValueError):
    """A line that is not a record of this format."""


def decode(line: bytes) -> Record:
    try:
        obj = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRecord(f"not JSON ({exc.__class__.__name__})") from None
    if not isinstance(obj, dict):
        raise BadRecord("not a JSON object")
    missing = [k for k in ("seq", "ts", "kind", "data", "prev") if k not in obj]
    if missing:
        raise BadRecord(f"missing {', '.join(missing)}")
    seq, ts, kind, data, prev = obj["seq"], obj["ts"], obj["kind"], obj["data"], obj["prev"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise BadRecord("seq is not a non-negative integer")
    if not isinstance(ts, str) or not isinstance(kind, str) or not isinstance(prev, str):
        raise BadRecord("ts, kind and prev must be strings")
    if not isinstance(data, dict):
        raise BadRecord("data is not an object")
    mac = obj.get("mac")
    return Record(seq, ts, kind, data, prev, mac if isinstance(mac, str) else None, line)


def mac_ok(record: Record, key: bytes) -> bool:
    found = _MAC_TAIL.search(record.line)
    if found is None:
        return False
    body = record.line[: found.start()] + b"}"
    expected = hmac.new(key, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, found.group(1).decode())
