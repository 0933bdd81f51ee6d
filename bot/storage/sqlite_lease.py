"""`FileLease`: the SQLite counterpart of `AdvisoryLease`, an flock beside the database file."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from pathlib import Path

_NAME = re.compile(r"[A-Za-z0-9_-]+")


class FileLease:
    """An exclusive `flock` on `<db file>.<name>.lock`: one holder among all the processes
    on this machine; the kernel drops it when the holder exits or crashes."""

    def __init__(self, path: str | Path, name: str) -> None:
        if not _NAME.fullmatch(name):
            raise ValueError("a lease name is letters, digits, '_' and '-'")
        self.name = name
        # An in-memory database is seen by this process only: nobody to share it with.
        self._memory = str(path) == ":memory:"
        self.lock_path = Path(f"{path}.{name}.lock")
        self._fd: int | None = None

    def try_hold(self) -> bool:
        """True while this process holds the lease; tries (without waiting) when it does not."""
        if self._memory or self._fd is not None:
            return True
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # BlockingIOError: another holder
            os.close(fd)
            return False
        self._fd = fd
        return True

    @property
    def held(self) -> bool:
        """Whether this object holds the lease now."""
        return self._memory or self._fd is not None

    def release(self) -> None:
        """Give the lease up; the lock file stays (removing it would race a new holder)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
