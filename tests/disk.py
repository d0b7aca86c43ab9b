"""A full disk, for real: the file size limit makes this process's writes fail (EFBIG)."""

import contextlib
import resource
import signal


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
