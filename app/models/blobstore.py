"""The folder of encrypted blobs beside the store: attachments one file each, named by id; received packets in
one pack file per transaction that received them (``BlobBatch``)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from sqlalchemy.orm import Session

from app.crypto.blobcipher import (
    PlaintextDigest,
    create_private,
    encrypted_parts,
    read_blob,
    temporary_beside,
    write_blob,
)
from app.files import fsync_directory, write_failure

BLOBS = "blobs"  # the key of ``Session.info`` under which a store's sessions carry its blob folder
PACK_SUFFIX = ".pack"
_T = TypeVar("_T")


def blobs_of(session: Session) -> BlobStore:
    """The blob folder of the store whose session this is (``Store.read``/``Store.write`` put it there)."""
    blobs = session.info.get(BLOBS)
    if not isinstance(blobs, BlobStore):
        raise LookupError("this session was not opened by a Store: it has no blob folder")
    return blobs


@dataclass(frozen=True)
class BlobPlace:
    """Where a blob is: its own file (named by ``blob_id``), or ``length`` bytes at ``offset`` of a pack file."""

    blob_id: uuid.UUID
    pack_id: uuid.UUID | None = None
    offset: int = 0
    length: int = 0

    @classmethod
    def of(
        cls, blob_id: str | None, pack_id: str | None = None, offset: int | None = None, length: int | None = None
    ) -> BlobPlace | None:
        """The place named by a row's columns; None when the row holds its bytes inline."""
        if blob_id is None:
            return None
        return cls(uuid.UUID(blob_id), None if pack_id is None else uuid.UUID(pack_id), offset or 0, length or 0)


def held_bytes(
    session: Session,
    data: bytes | None,
    blob_id: str | None,
    pack_id: str | None = None,
    pack_offset: int | None = None,
    pack_length: int | None = None,
) -> bytes:
    """A row's bytes: its column's, or those of the blob it names (in its own file or in a pack)."""
    place = BlobPlace.of(blob_id, pack_id, pack_offset, pack_length)
    if place is None:
        return b"" if data is None else bytes(data)
    return b"".join(blobs_of(session).read(place))


class BlobStore:
    """Writes and reads blobs under ``directory`` with keys derived from the master key."""

    def __init__(self, directory: Path, master_key: bytes) -> None:
        self.directory = directory
        self._master_key = master_key

    def __repr__(self) -> str:
        return f"BlobStore({str(self.directory)!r})"

    def path_of(self, blob_id: uuid.UUID, suffix: str = ".blob") -> Path:
        # Two-character fan-out keeps folders small on file systems that slow down with many entries.
        return self.directory / blob_id.hex[:2] / f"{blob_id}{suffix}"

    def put(self, blob_id: uuid.UUID, source: BinaryIO | bytes) -> PlaintextDigest:
        """Encrypt ``source`` (a stream or bytes) into a new blob, atomically; returns its plaintext's size and hash."""
        return write_blob(self.path_of(blob_id), self._master_key, blob_id, source)

    def keep(self, blob_id: uuid.UUID, data: bytes) -> BlobPlace:
        """Encrypt ``data`` into a new blob, durably, and say where it is (here: its own file)."""
        self.put(blob_id, data)
        return BlobPlace(blob_id)

    def chunks(self, blob_id: uuid.UUID) -> Iterator[bytes]:
        """The authenticated plaintext of a blob in its own file, chunk by chunk."""
        return read_blob(self.path_of(blob_id), self._master_key, blob_id)

    def read(self, place: BlobPlace) -> Iterator[bytes]:
        """The authenticated plaintext of the blob at ``place``, chunk by chunk."""
        if place.pack_id is None:
            return self.chunks(place.blob_id)
        path = self.path_of(place.pack_id, PACK_SUFFIX)
        return read_blob(path, self._master_key, place.blob_id, (place.offset, place.length))

    def discard(self, blob_id: uuid.UUID) -> None:
        """Remove a blob whose database row was never committed."""
        with contextlib.suppress(FileNotFoundError):
            self.path_of(blob_id).unlink()

    def discard_pack(self, pack_id: uuid.UUID) -> None:
        """Remove a pack whose transaction did not commit (no row names it)."""
        with contextlib.suppress(FileNotFoundError):
            self.path_of(pack_id, PACK_SUFFIX).unlink()


class BlobBatch(BlobStore):
    """The blobs of one transaction's received packets, in one pack file made durable by ``sync`` before the commit.

    A new file costs ≈ 0.4 ms of kernel CPU on this ext4 (inode allocation) and its own fsync, more than encrypting
    a 130 KB packet; the packets received in one transaction therefore go into one file. Each blob in it keeps the
    format of a blob of its own (its id in its header, its own key and records), so a blob read at another blob's
    place, or cut short, fails authentication. The caller must call ``sync`` before committing rows that name these
    places (a crash before leaves only an unnamed temporary file), or ``abandon`` when the transaction rolls back.
    """

    def __init__(self, blobs: BlobStore) -> None:
        super().__init__(blobs.directory, blobs._master_key)
        self._pack: tuple[uuid.UUID, Path, BinaryIO] | None = None
        self._size = 0

    def keep(self, blob_id: uuid.UUID, data: bytes) -> BlobPlace:
        parts = encrypted_parts(self._master_key, blob_id, data)
        length = sum(len(part) for part in parts)
        if self._pack is None:
            pack_id = uuid.uuid4()
            tmp = temporary_beside(self.path_of(pack_id, PACK_SUFFIX))
            self._pack = pack_id, tmp, _typed(lambda: os.fdopen(create_private(tmp), "wb"), pack_id)
        pack_id, _tmp, sink = self._pack
        offset = self._size
        _typed(lambda: sink.writelines(parts), pack_id)
        self._size += length
        return BlobPlace(blob_id, pack_id, offset, length)

    def sync(self) -> uuid.UUID | None:
        """Make the pack durable under its name: flush, fsync, rename, fsync of the folder; its id (None: no pack)."""
        if self._pack is None:
            return None
        pack_id, tmp, sink = self._pack
        self._pack = None
        path = self.path_of(pack_id, PACK_SUFFIX)

        def finish() -> None:
            with sink:
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(tmp, path)

        _typed(finish, pack_id, tmp)
        fsync_directory(path.parent)
        return pack_id

    def abandon(self) -> None:
        """Remove the pack of a transaction that rolled back (nothing names it)."""
        if self._pack is not None:
            _pack_id, tmp, sink = self._pack
            self._pack = None
            with contextlib.suppress(OSError):
                sink.close()
            with contextlib.suppress(OSError):
                tmp.unlink()


def _typed(action: Callable[[], _T], pack_id: uuid.UUID, cleanup: Path | None = None) -> _T:
    """``action``'s result; its ``OSError`` typed as every write's (the caller's transaction rolls back)."""
    try:
        return action()
    except OSError as exc:
        if cleanup is not None:
            with contextlib.suppress(OSError):
                cleanup.unlink()
        raise write_failure(exc, f"pack {pack_id}") from None
