"""`cockpit audit verify`: is the chain whole, and if not, where does it break?

Exit codes (DESIGN.md): 0 intact, 1 tampered (names the first bad record), 2 unreadable,
3 torn tail (a crash mid-write: intact up to the last complete record). A torn line in
the middle that the cockpit itself recovered from (a `journal.resume` record naming its
hash) is a crash, not tampering: reported, not failed.

A chain cannot see records cut from its end; the anchor a closing journal leaves beside
it (`PATH.anchor`: seq and digest of its last record) can. A journal shorter than its
anchor, or whose anchored record differs, is tampered with; one that goes on past it
(a later session, perhaps crashed) is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cockpit.audit.journal import read_anchor
from cockpit.audit.records import GENESIS, BadRecord, Record, decode, digest, mac_ok

INTACT, TAMPERED, UNREADABLE, TORN = 0, 1, 2, 3


@dataclass
class Verdict:
    code: int
    message: str
    records: int = 0
    bad_seq: int | None = None
    bad_line: int | None = None
    notes: list[str] = field(default_factory=list)


def _resumes(record: Record, torn: bytes) -> bool:
    info = record.data.get("torn") if record.kind == "journal.resume" else None
    return (
        isinstance(info, dict)
        and record.prev == digest(torn)
        and info.get("sha256") == digest(torn)
        and info.get("bytes") == len(torn)
    )


def verify(path: str | Path, key: bytes | None = None) -> Verdict:
    """The verdict `cockpit audit verify` prints; its `code` is the command's exit code."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, streamed line by line
    except OSError as exc:
        return Verdict(UNREADABLE, f"cannot read: {exc.strerror or exc}")
    with handle:
        try:
            anchor = read_anchor(path)
        except ValueError as exc:
            return Verdict(TAMPERED, f"TAMPERED: {exc}")
        except OSError as exc:
            return Verdict(UNREADABLE, f"cannot read its anchor: {exc.strerror or exc}")
        return _chain(handle, key, anchor)


def _chain(handle: BinaryIO, key: bytes | None, anchor: tuple[int, str] | None) -> Verdict:
    expected, prev, count, sealed_unchecked = 0, GENESIS, 0, False
    torn_line: tuple[int, bytes] | None = None
    notes: list[str] = []
    number = 0
    with handle:
        for number, raw in enumerate(handle, 1):
            if not raw.endswith(b"\n"):
                if count == 0 and torn_line is None:
                    return Verdict(UNREADABLE, "not a journal: no complete record")
                if anchor is not None and anchor[0] >= expected:
                    return _cut(anchor[0], expected, number, count)
                return Verdict(
                    TORN,
                    f"torn tail: {len(raw)} bytes after seq {expected - 1} (line {number}), "
                    f"a crash mid-write; records 0..{expected - 1} are intact",
                    records=count,
                    bad_line=number,
                    notes=notes,
                )
            line = raw[:-1]
            try:
                record = decode(line)
            except BadRecord as exc:
                if count == 0 and torn_line is None and number == 1:
                    return Verdict(UNREADABLE, f"not a journal: line 1 is {exc}")
                if torn_line is not None:
                    return _tampered(expected, torn_line[0], f"not a record ({exc})", count)
                torn_line = (number, line)
                continue
            if torn_line is not None:
                if not _resumes(record, torn_line[1]):
                    return _tampered(expected, torn_line[0], "not a record", count)
                notes.append(
                    f"crash recovered: torn record of {len(torn_line[1])} bytes at line "
                    f"{torn_line[0]}, resumed at seq {record.seq}"
                )
                prev, torn_line = record.prev, None
            if record.seq != expected:
                return _tampered(
                    record.seq, number, f"seq gap: expected {expected}, found {record.seq}", count
                )
            if record.prev != prev:
                return _tampered(
                    record.seq,
                    number,
                    f"hash mismatch: prev is not the hash of line {number - 1} "
                    "(that line, or this record, was changed)",
                    count,
                )
            if key is not None:
                if record.mac is None:
                    return _tampered(record.seq, number, "no MAC: record was not sealed", count)
                if not mac_ok(record, key):
                    return _tampered(record.seq, number, "bad HMAC", count)
            elif record.mac is not None:
                sealed_unchecked = True
            prev, expected, count = digest(line), expected + 1, count + 1
            if anchor is not None and record.seq == anchor[0] and prev != anchor[1]:
                why = "not the record the journal was closed with (its anchor)"
                return _tampered(record.seq, number, why, count)
    if torn_line is not None:
        return _tampered(expected, torn_line[0], "not a record", count)
    if count == 0:
        return Verdict(UNREADABLE, "empty: no records")
    if anchor is not None and anchor[0] >= expected:
        return _cut(anchor[0], expected, number + 1, count)
    if sealed_unchecked:
        notes.append("records are sealed with an HMAC; set COCKPIT_AUDIT_KEY to check it")
    seal = ", HMAC verified" if key is not None else ""
    return Verdict(
        INTACT, f"intact: {count} records, seq 0..{expected - 1}{seal}", count, notes=notes
    )


def _cut(closed_at: int, expected: int, line: int, count: int) -> Verdict:
    why = f"records cut from the end: closed at seq {closed_at}, it ends at seq {expected - 1}"
    return _tampered(expected, line, why, count)


def _tampered(seq: int, line: int, why: str, count: int) -> Verdict:
    return Verdict(TAMPERED, f"TAMPERED at seq {seq} (line {line}): {why}", count, seq, line)
