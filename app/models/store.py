"""The terminal's encrypted store: one writer thread, readers in WAL mode, migrated to head when opened.

``store.write(fn)`` runs ``fn(session)`` in one transaction on the single writer thread (``store.submit(fn)`` without
waiting for it); ``store.read(fn)`` runs it in a read-only snapshot on the caller's thread. Sessions never leave
these calls: ``fn`` returns plain values.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.config import TerminalConfig
from app.files import fsync_directory
from app.models.blobstore import BLOBS, BlobStore
from app.models.engine import StoreSettings, make_engine, translate_error
from app.models.errors import StoreBusy, StoreClosed, StoreMissing, StoreTruncated
from app.models.lock import StoreLock
from app.models.migrate import upgrade
from app.models.tables import Base

T = TypeVar("T")


class Store:
    """An open store. Create it with ``open_store``; close it (or use ``with``) to release the file."""

    def __init__(self, path: Path, writer: Engine, readers: Engine, lock: StoreLock, blobs: BlobStore) -> None:
        self.path = path
        self.blobs = blobs
        self._writer = writer
        self._readers = readers
        self._lock = lock
        self._executor: ThreadPoolExecutor | None = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._writer_ident = self._executor.submit(threading.get_ident).result()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def write(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in one write transaction on the writer thread and return its (plain) result."""
        return self.submit(fn).result()

    def submit(self, fn: Callable[[Session], T]) -> Future[T]:
        """``write`` without waiting for it: the transaction runs on the writer thread after those submitted
        before it, and the future gives its result (or raises its error)."""
        executor = self._executor
        if executor is None:
            raise StoreClosed("write on a closed store")
        if threading.get_ident() == self._writer_ident:
            raise RuntimeError("store.write called from inside store.write: pass the session down instead")
        try:
            return executor.submit(self._run, self._writer, fn)
        except RuntimeError:  # ``close`` shut the executor down since it was read above
            raise StoreClosed("write on a closed store") from None

    def read(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in a read-only snapshot on the calling thread and return its (plain) result."""
        if self._executor is None:
            raise StoreClosed("read on a closed store")
        return self._run(self._readers, fn)

    def integrity_errors(self) -> list[str]:
        """SQLite's ``integrity_check`` findings; empty when the store is sound."""
        rows = self.read(lambda s: [str(r[0]) for r in s.execute(text("PRAGMA integrity_check"))])
        return [] if rows == ["ok"] else rows

    def close(self) -> None:
        """Finish pending writes, close every connection (checkpointing the WAL) and release the lock."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        executor.shutdown(wait=True)
        self._readers.dispose()
        self._writer.dispose()
        self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _run(self, engine: Engine, fn: Callable[[Session], T]) -> T:
        try:
            with Session(engine, expire_on_commit=False, info={BLOBS: self.blobs}) as session, session.begin():
                result = fn(session)
        except DBAPIError as exc:
            translated = translate_error(exc.orig, self.path)
            if translated is None:
                raise
            raise translated from None
        if isinstance(result, Base) or (
            isinstance(result, list | tuple) and any(isinstance(item, Base) for item in result)
        ):
            raise TypeError("a store call returned live ORM objects; return frozen dataclasses instead")
        return result


def _migrate(engine: Engine, path: Path) -> None:
    try:
        with engine.begin() as conn:
            upgrade(conn)
    except DBAPIError as exc:
        translated = translate_error(exc.orig, path)
        if translated is None:
            raise
        raise translated from None


def _create(path: Path, master_key: bytes, settings: StoreSettings) -> None:
    """Build a new store beside ``path`` and move it into place only once complete, so a crash leaves no half store."""
    building = path.with_name(path.name + ".creating")
    for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
        leftover.unlink(missing_ok=True)  # never committed data: the rename below never happened
    # SQLite gives the -wal and -shm files the mode of the database file: private to this account.
    os.close(os.open(building, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    engine = make_engine(building, master_key, settings, read_only=False)
    try:
        _migrate(engine, building)
    finally:
        engine.dispose()  # the last connection closes: the WAL is checkpointed into the file and removed
    fd = os.open(building, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(building, path)  # unlike os.replace, never overwrites an existing store
    except FileExistsError:
        raise StoreBusy(f"{path.name} appeared while being created") from None
    building.unlink()
    fsync_directory(path.parent)


def open_store(config: TerminalConfig, master_key: bytes, *, create: bool = False) -> Store:
    """Open the terminal's store with the raw 32-byte master key and migrate it to head.

    With ``create`` a missing store is created; an existing file is never recreated or overwritten, whatever fails.
    """
    path = config.store_path
    settings = StoreSettings.from_config(config)
    if create:
        config.data_dir.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise StoreMissing(f"{path} does not exist")
    lock = StoreLock.acquire(path)
    try:
        if not path.exists():
            _create(path, master_key, settings)
        elif path.stat().st_size == 0:
            raise StoreTruncated(f"{path.name} is empty")
        writer = make_engine(path, master_key, settings, read_only=False)
        try:
            _migrate(writer, path)
            readers = make_engine(path, master_key, settings, read_only=True)
        except BaseException:
            writer.dispose()
            raise
    except BaseException:
        lock.release()
        raise
    with contextlib.suppress(FileExistsError):
        config.blobs_dir.mkdir(mode=0o700)
    return Store(path, writer, readers, lock, BlobStore(config.blobs_dir, master_key))
