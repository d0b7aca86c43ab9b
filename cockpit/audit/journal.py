"""The journal writer: append-only, hash-chained, group-committed, fail-closed.

- Every record is `write()`n (O_APPEND) before `append` returns: once acknowledged, a
  record survives `kill -9` of the cockpit (it is in the kernel's page cache).
- A background thread `fdatasync`s at most every `sync_interval` seconds, so a long paste
  or key repeat never waits on the disk; `commit` syncs at once and is what a mutating
  action calls before it executes.
- A write that fails (disk full, I/O error, permissions) puts the journal in `failure`;
  records wait in memory and are retried on the next append or `retry()`; `commit`
  raises `JournalUnavailable` until the journal is writable again.
- `on_durable(listener)` tells a listener the highest seq that is on disk after each
  fdatasync: the progress store writes a tick only once the tick's record is durable, so
  no progress outlives its evidence (a full disk, then `kill -9`).
- A torn last line (crash mid-write) is kept, terminated, and followed by a
  `journal.resume` record that names it, so the chain goes on and verify can tell a
  crash from tampering.
- One writer per path: an exclusive `flock` on the file, held for the Journal's life (a
  second cockpit, or a restart while the old one still writes `session.end`, would
  interleave two chains). The file is opened with O_NOFOLLOW, ours, 0600.
- `close` anchors the last record (seq and digest) in a sibling `PATH.anchor`, atomically:
  a hash chain cannot see records cut from its end, the anchor can (verify checks it).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cockpit.audit.records import GENESIS, BadRecord, decode, digest, encode, timestamp
from cockpit.fsutil import open_private, write_atomic

TAIL_CHUNK = 1 << 16
LOCK_POLL = 0.05


class JournalUnavailable(RuntimeError):
    """The journal cannot record right now; nothing that needs a record may go ahead."""


class JournalDamaged(RuntimeError):
    """The journal's last complete line is not a record: appending would hide that."""


class JournalBusy(RuntimeError):
    """Another cockpit writes this journal: two writers would break its chain."""


def anchor_path(path: str | Path) -> Path:
    """Where `close` says how far the journal went: seq and digest of its last record."""
    path = Path(path)
    return path.with_name(path.name + ".anchor")


def read_anchor(path: str | Path) -> tuple[int, str] | None:
    """(seq, sha256) of the last record when the journal was last closed; None if never.
    Raises `ValueError` for an anchor that is not one (it is written atomically)."""
    try:
        raw = anchor_path(path).read_bytes()
    except FileNotFoundError:
        return None
    try:
        anchor = json.loads(raw)
        seq, sha = anchor["seq"], anchor["sha256"]
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{anchor_path(path).name} is not an anchor ({exc})") from None
    if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(sha, str):
        raise ValueError(f"{anchor_path(path).name} is not an anchor")
    return seq, sha


def _holder_pid(fd: int) -> int | None:
    """Who holds the flock on `fd`'s file, from /proc/locks (Linux); None if unknown."""
    info = os.fstat(fd)
    device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/locks").read_text().splitlines():
            fields = line.split()
            if "->" not in fields and fields[1] == "FLOCK" and device in fields:
                return int(fields[4])
    return None


def written_now(path: Path) -> bool:
    """Whether a cockpit holds `path`'s writer lock now (alive: the kernel drops a dead
    process's flock). Never ask it of the journal this process writes: its own lock counts."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # releases the shared lock, if taken
    return False


def _hold(path: Path, wait: float) -> int:
    """An fd on the journal holding its exclusive flock, waiting up to `wait` seconds."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = open_private(path, os.O_RDONLY | os.O_CREAT | os.O_NONBLOCK)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                pid = _holder_pid(fd)
                os.close(fd)
                who = f" (pid {pid})" if pid is not None else ""
                raise JournalBusy(f"{path}: another cockpit{who} is writing this journal") from None
            time.sleep(LOCK_POLL)
        except BaseException:
            os.close(fd)
            raise


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _tail(fd: int) -> tuple[bytes | None, bytes]:
    """(last complete line or None, torn bytes after it) without reading the whole file."""
    size = os.fstat(fd).st_size
    buffer, position = b"", size
    while position > 0:
        step = min(TAIL_CHUNK, position)
        position -= step
        buffer = os.pread(fd, step, position) + buffer
        last_newline = buffer.rfind(b"\n")
        if last_newline == -1:
            continue
        torn = buffer[last_newline + 1 :]
        start = buffer.rfind(b"\n", 0, last_newline)
        if start != -1 or position == 0:
            return buffer[start + 1 : last_newline], torn
    return None, buffer


class Journal:
    def __init__(
        self,
        path: str | Path,
        *,
        key: bytes | None = None,
        clock: Callable[[], datetime] = _utc_now,
        sync_interval: float = 0.2,
        wait: float = 0.0,
    ) -> None:
        """`wait`: how long to wait for another writer of `path` to close it
        (`JournalBusy` after that)."""
        self.path = Path(path)
        self.key = key
        self.clock = clock
        self.failure: OSError | None = None
        self.torn: dict[str, Any] | None = None  # the crash this journal recovered from
        self._lock = threading.Lock()
        self._pending: list[tuple[str, str, dict[str, Any]]] = []
        self._dirty = False
        self._closed = threading.Event()
        self._fd = -1
        self._seq, self._prev = 0, GENESIS
        self._listeners: list[Callable[[int], None]] = []
        self._durable_lock = threading.Lock()  # the syncer and `commit` both report
        self._holder = _hold(self.path, wait)
        try:
            self._open(first=True)
        except BaseException:
            os.close(self._holder)
            raise
        self._durable = self._seq - 1  # what the file held when opened counts as on disk
        self._syncer = threading.Thread(
            target=self._sync_loop, args=(sync_interval,), name="journal-sync", daemon=True
        )
        self._syncer.start()

    # --- opening and recovering ----------------------------------------------------------

    def _open(self, *, first: bool = False) -> None:
        fd = open_private(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            opened, held = os.fstat(fd), os.fstat(self._holder)
            if (opened.st_dev, opened.st_ino) != (held.st_dev, held.st_ino):
                raise OSError(f"{self.path}: replaced since it was opened (not the locked file)")
            last, torn = _tail(self._holder)  # the locked file itself, not the path again
            if last is not None:
                try:
                    record = decode(last)
                except BadRecord as exc:
                    raise JournalDamaged(f"{self.path}: last record is damaged ({exc})") from None
                self._seq, self._prev = record.seq + 1, digest(last)
            if first:
                self._check_anchor()
            self._fd = fd
            if torn:
                self._resume_after(torn)
        except BaseException:
            os.close(fd)
            self._fd = -1
            raise

    def _check_anchor(self) -> None:
        """Records cut from the end after the last close: chaining on would hide the cut."""
        try:
            anchor = read_anchor(self.path)
        except ValueError as exc:
            raise JournalDamaged(f"{self.path}: {exc}") from None
        if anchor is None:
            return
        seq, sha = anchor
        last = self._seq - 1
        if seq > last or (seq == last and sha != self._prev):
            raise JournalDamaged(
                f"{self.path}: closed at seq {seq}, but its last record is seq {last}: "
                "records were cut or changed since (cockpit audit verify tells)"
            )

    def _resume_after(self, torn: bytes) -> None:
        """Terminate the torn line and chain on from it, saying what happened."""
        os.write(self._fd, b"\n")
        self.torn = {"after_seq": self._seq - 1, "bytes": len(torn), "sha256": digest(torn)}
        self._prev = digest(torn)
        self._write(timestamp(self.clock()), "journal.resume", {"torn": self.torn})
        os.fdatasync(self._fd)

    # --- writing ---------------------------------------------------------------------------

    @property
    def next_seq(self) -> int:
        return self._seq + len(self._pending)

    def _write(self, ts: str, kind: str, data: dict[str, Any]) -> int:
        line = encode(self._seq, ts, kind, data, self._prev, self.key) + b"\n"
        written = os.write(self._fd, line)
        if written != len(line):
            raise OSError(28, f"short write ({written} of {len(line)} bytes)")
        self._prev = digest(line[:-1])
        self._seq += 1
        self._dirty = True
        return self._seq - 1

    def _fail(self, error: OSError) -> None:
        self.failure = error
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1

    def _drain(self) -> bool:
        """Write what waits; True when nothing waits any more. Call with the lock held."""
        try:
            if self._fd < 0:
                self._open()
            while self._pending:
                ts, kind, data = self._pending[0]
                self._write(ts, kind, data)
                self._pending.pop(0)
        except OSError as exc:
            self._fail(exc)
            return False
        self.failure = None
        return True

    @property
    def durable_seq(self) -> int:
        """The highest seq fdatasync'd so far (-1: none)."""
        return self._durable

    def on_durable(self, listener: Callable[[int], None]) -> None:
        """`listener(seq)` after every fdatasync, from the thread that synced (no lock held)."""
        with self._durable_lock:
            self._listeners.append(listener)
            listener(self._durable)

    def _synced(self, upto: int) -> None:
        with self._durable_lock:
            if upto > self._durable:
                self._durable = upto
                for listener in self._listeners:
                    listener(upto)

    def append(self, kind: str, data: dict[str, Any]) -> int:
        """Record now (or as soon as the journal is writable again); returns the seq."""
        with self._lock:
            seq, _ = self._enqueue(kind, data)
            return seq

    def commit(self, kind: str, data: dict[str, Any]) -> int:
        """Record and make durable before returning; raises if that is not possible (and
        then the record is not written later either: the caller went without it)."""
        with self._lock:
            seq, written = self._enqueue(kind, data)
            if not written:  # withdrawn: what was refused must not be recorded later
                self._pending.pop()
                raise JournalUnavailable(f"audit journal not writable: {self.failure}")
            try:
                os.fdatasync(self._fd)
                self._dirty = False
            except OSError as exc:
                self._fail(exc)
                raise JournalUnavailable(f"audit journal not durable: {exc}") from None
        self._synced(seq)
        return seq

    def _enqueue(self, kind: str, data: dict[str, Any]) -> tuple[int, bool]:
        """Queue one record and write what waits; (its seq, whether it is written). Locked."""
        if self._closed.is_set():
            raise JournalUnavailable(f"{self.path}: journal closed")
        seq = self.next_seq
        self._pending.append((timestamp(self.clock()), kind, data))
        return seq, self._drain()

    def retry(self) -> bool:
        """Try to write what waits (the app calls this on a timer while failed)."""
        with self._lock:
            return self._drain()

    # --- durability ------------------------------------------------------------------------

    def _sync_loop(self, interval: float) -> None:
        while not self._closed.wait(interval):
            self.sync()

    def sync(self) -> None:
        """fdatasync outside the lock: appends go on while the disk catches up."""
        with self._lock:
            if not self._dirty or self._fd < 0:
                return
            fd, self._dirty, upto = self._fd, False, self._seq - 1
        try:
            os.fdatasync(fd)
        except OSError as exc:
            with self._lock:
                if self._fd == fd:
                    self._fail(exc)
            return
        self._synced(upto)

    @property
    def closed(self) -> bool:
        """Nothing more can be recorded (the cockpit is quitting)."""
        return self._closed.is_set()

    def close(self) -> None:
        """Write what waits, sync, anchor the last record, then let the next writer in."""
        if self._closed.is_set():
            return
        self._closed.set()
        with self._lock:
            self._drain()
        self.sync()
        with self._lock:
            if self._fd >= 0:
                if self._seq > 0 and not self._dirty:
                    anchor = {"seq": self._seq - 1, "sha256": self._prev}
                    with contextlib.suppress(OSError):  # the journal itself is whole
                        write_atomic(anchor_path(self.path), json.dumps(anchor).encode())
                os.close(self._fd)
                self._fd = -1
            os.close(self._holder)  # releases the flock: after the anchor, never before
