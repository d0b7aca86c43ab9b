"""The backup directory: which dumps are there, of which database, taken when, verified.

Shared by the PostgreSQL checks (backup age) and the backup action (retention, restore):
a dump is `<db>-<UTC time>.dump`, verified when a sha256sum-style `.sha256` beside it
(written by the backup only after `pg_restore --list` accepted the dump) names it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

STAMP = "%Y%m%dT%H%M%SZ"
NAME = re.compile(r"^(?P<database>[\w.-]+)-(?P<stamp>\d{8}T\d{6}Z)\.dump$")
SIDECAR = re.compile(r"^(?P<digest>[0-9a-f]{64}) [ *](?P<name>\S+)\n?$")
CHUNK = 256 * 1024


@dataclass(frozen=True)
class BackupFile:
    name: str
    path: str
    database: str
    taken_at: str  # RFC 3339 UTC, from the file name: when pg_dump was asked to start
    size_bytes: int
    sha256: str  # from the .sha256 beside it; "" when there is none
    verified: bool


def backup_name(database: str, at: datetime) -> str:
    safe = re.sub(r"[^\w.-]", "_", database)
    return f"{safe}-{at.astimezone(UTC).strftime(STAMP)}.dump"


def sha256_of(path: Path, between: Callable[[], None] | None = None) -> str:
    """The file's SHA-256; `between` runs before each chunk (a cancel check may raise)."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            if between is not None:
                between()
            digest.update(chunk)
    return digest.hexdigest()


def sidecar_digest(dump: Path) -> str:
    """The checksum the .sha256 beside `dump` records for it, or ""."""
    try:
        found = SIDECAR.match(dump.with_name(dump.name + ".sha256").read_text())
    except (OSError, UnicodeDecodeError):
        return ""
    return found.group("digest") if found and found.group("name") == dump.name else ""


def list_backups(directory: Path, check_sums: bool = False) -> list[BackupFile]:
    """The backups in `directory`, newest first. Verified means a .sha256 written by
    `run_backup` (which writes it only after `pg_restore --list` accepted the dump);
    with `check_sums` the file is also hashed and must match it."""
    found = []
    for path in directory.glob("*.dump"):
        name = NAME.match(path.name)
        if not name or not path.is_file():
            continue
        taken = datetime.strptime(name.group("stamp"), STAMP).replace(tzinfo=UTC)
        digest = sidecar_digest(path)
        verified = bool(digest) and (not check_sums or sha256_of(path) == digest)
        found.append(
            BackupFile(
                name=path.name,
                path=str(path),
                database=name.group("database"),
                taken_at=taken.isoformat(),
                size_bytes=path.stat().st_size,
                sha256=digest,
                verified=verified,
            )
        )
    return sorted(found, key=lambda b: (b.taken_at, b.name), reverse=True)
