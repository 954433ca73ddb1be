"""One process at a time per store: an OS advisory lock on a file beside it, released by the OS if the process dies."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app.models.errors import StoreBusy


class StoreLock:
    """An exclusive, non-blocking lock on ``<store>.lock``; a second terminal process gets ``StoreBusy``."""

    def __init__(self, fd: int, path: Path) -> None:
        self._fd: int | None = fd
        self.path = path

    @classmethod
    def acquire(cls, store_path: Path) -> StoreLock:
        path = store_path.with_name(store_path.name + ".lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            raise StoreBusy(f"{store_path.name} is locked by another process") from None
        return cls(fd, path)

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the descriptor releases the lock


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
