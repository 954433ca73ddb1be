"""Careful file writes: temp file, permissions, fsync, ``os.replace``, fsync of the directory."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from app.domain.errors import AppError


class DiskFull(AppError):
    user_message = "磁盘空间不足，数据未能保存。已保存的数据未受影响。"
    next_step = "请清理磁盘空间后重试。"


class FileWriteFailed(AppError):
    user_message = "文件未能写入，已保存的数据未受影响。"
    next_step = "请检查磁盘和文件夹权限后重试。"


def write_failure(exc: OSError, what: str) -> DiskFull | FileWriteFailed:
    """The typed error of a failed write of ``what``: a full disk, or any other failure with the system's reason."""
    if exc.errno == errno.ENOSPC:
        return DiskFull(f"no space left writing {what}")
    return FileWriteFailed(f"cannot write {what}: {exc.strerror}")


def fsync_directory(directory: Path) -> None:
    """Make a rename inside ``directory`` durable (a no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise write_failure(exc, path.name) from exc
    fsync_directory(path.parent)


def atomic_write_text(path: Path, text: str, *, mode: int = 0o600) -> None:
    """``atomic_write_bytes`` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)
