"""A full disk, for real: the file size limit makes this process's writes fail (EFBIG)."""

import contextlib
import resource
import signal

from cockpit.audit.journal import Journal


@contextlib.contextmanager
def file_size_limit(size: int):
    """Writes past `size` bytes fail (EFBIG) for this process, as on a full disk."""
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, old_limit[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)


class Disk:
    """`file_size_limit` as two steps a state machine takes apart: fill, later free."""

    def __init__(self) -> None:
        self.full = False

    def fill(self, size: int) -> None:
        """Writes past `size` bytes fail from now on (size ≥ 1: 0 would mean no limit)."""
        self._limits = resource.getrlimit(resource.RLIMIT_FSIZE)
        self._handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max(size, 1), self._limits[1]))
        self.full = True

    def fill_past(self, journal: Journal) -> None:
        """Nothing more fits beyond what `journal` holds on disk now (synced first, so no
        record waiting in its buffer is cut)."""
        journal.sync()
        self.fill(journal.path.stat().st_size)

    def free(self) -> None:
        if self.full:
            resource.setrlimit(resource.RLIMIT_FSIZE, self._limits)
            signal.signal(signal.SIGXFSZ, self._handler)
            self.full = False
