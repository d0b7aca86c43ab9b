"""Files the cockpit writes: atomically (temp file + rename) and with explicit modes."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: str | Path, data: bytes, mode: int = 0o600) -> None:
    """Readers see the old file or the new one, never half of it; a crash leaves no litter."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        fsync_dir(target.parent or Path("."))


def fsync_dir(directory: Path) -> None:
    """A rename or a new file in `directory` survives a power cut once this returns."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class UnsafeFile(OSError):
    """A path the cockpit will not write: a symlink, not a regular file, or not ours."""

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def open_private(path: str | Path, flags: int) -> int:
    """Open (creating 0600) a regular file of ours, never through a symlink; one that others
    could read is made 0600 again, so a journal or an export never leaks by its mode."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            why = "a symbolic link: never written through"
            raise UnsafeFile(exc.errno, why, str(path)) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile(errno.EINVAL, "not a regular file", str(path))
        if info.st_uid != os.geteuid():
            raise UnsafeFile(errno.EPERM, f"owned by uid {info.st_uid}, not by us", str(path))
        if stat.S_IMODE(info.st_mode) != 0o600:
            os.fchmod(fd, 0o600)
    except BaseException:
        os.close(fd)
        raise
    return fd
