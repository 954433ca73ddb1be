"""The folder of encrypted attachment blobs beside the store, one file per blob, named by its id."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from app.crypto.blobcipher import PlaintextDigest, read_blob, write_blob


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
