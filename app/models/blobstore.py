"""The folder of encrypted attachment blobs beside the store, one file per blob, named by its id."""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from app.crypto.blobcipher import PlaintextDigest, read_blob, write_blob
from app.files import DiskFull, FileWriteFailed, fsync_directory

BLOBS = "blobs"  # the key of ``Session.info`` under which a store's sessions carry its blob folder


def blobs_of(session: Session) -> BlobStore:
    """The blob folder of the store whose session this is (``Store.read``/``Store.write`` put it there)."""
    blobs = session.info.get(BLOBS)
    if not isinstance(blobs, BlobStore):
        raise LookupError("this session was not opened by a Store: it has no blob folder")
    return blobs


def held_bytes(session: Session, data: bytes | None, blob_id: str | None) -> bytes:
    """A column's bytes, or those of the blob it names when they are kept in the blob folder instead."""
    if blob_id is None:
        return b"" if data is None else bytes(data)
    return b"".join(blobs_of(session).chunks(uuid.UUID(blob_id)))


class BlobStore:
    """Writes and reads blobs under ``directory`` with keys derived from the master key."""

    def __init__(self, directory: Path, master_key: bytes) -> None:
        self.directory = directory
        self._master_key = master_key

    def __repr__(self) -> str:
        return f"BlobStore({str(self.directory)!r})"

    def path_of(self, blob_id: uuid.UUID) -> Path:
        # Two-character fan-out keeps folders small on file systems that slow down with many entries.
        return self.directory / blob_id.hex[:2] / f"{blob_id}.blob"

    def put(self, blob_id: uuid.UUID, source: BinaryIO) -> PlaintextDigest:
        """Encrypt ``source`` into a new blob, atomically; returns the plaintext's size and SHA-256."""
        return write_blob(self.path_of(blob_id), self._master_key, blob_id, source)

    def chunks(self, blob_id: uuid.UUID) -> Iterator[bytes]:
        """The authenticated plaintext of a blob, chunk by chunk."""
        return read_blob(self.path_of(blob_id), self._master_key, blob_id)

    def discard(self, blob_id: uuid.UUID) -> None:
        """Remove a blob whose database row was never committed."""
        with contextlib.suppress(FileNotFoundError):
            self.path_of(blob_id).unlink()


class BlobBatch(BlobStore):
    """Blobs written for one transaction, made durable together by ``sync`` before that transaction commits.

    Each blob alone costs two fsyncs (file, folder: ≈ 2.7 ms of waiting here). A batch of received packets writes
    its blobs without them, then ``sync`` flushes every file and folder on a few threads at once, which the file
    system folds into far fewer journal commits. The caller must call ``sync`` before committing rows that name
    these blobs; until then a crash can lose a blob but never leaves a committed row without its blob.
    """

    SYNC_THREADS = 8

    def __init__(self, blobs: BlobStore) -> None:
        super().__init__(blobs.directory, blobs._master_key)
        self._written: list[Path] = []

    def put(self, blob_id: uuid.UUID, source: BinaryIO) -> PlaintextDigest:
        path = self.path_of(blob_id)
        digest = write_blob(path, self._master_key, blob_id, source, durable=False)
        self._written.append(path)
        return digest

    def sync(self) -> None:
        """Flush every blob written so far, then their folders (renames); raises ``OSError`` if a flush fails."""
        written, self._written = self._written, []
        if not written:
            return
        try:
            with ThreadPoolExecutor(min(self.SYNC_THREADS, len(written))) as pool:
                list(pool.map(_fsync_file, written))
                list(pool.map(fsync_directory, sorted({path.parent for path in written})))
        except OSError as exc:  # typed as ``write_blob`` types them: the caller's transaction rolls back
            if exc.errno == errno.ENOSPC:
                raise DiskFull(f"no space left flushing {len(written)} blobs") from None
            raise FileWriteFailed(f"cannot flush {len(written)} blobs: {exc.strerror}") from None


def _fsync_file(path: Path) -> None:
    # Writable: Windows flushes (FlushFileBuffers) only through a handle opened for writing.
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
