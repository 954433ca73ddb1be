"""Blobs written for one transaction and flushed together before it commits (``BlobBatch``)."""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import pytest

from app.files import FileWriteFailed
from app.models.blobstore import BlobBatch, BlobStore


def test_a_batch_of_blobs_reads_back_after_one_flush(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs", os.urandom(32))
    batch = BlobBatch(blobs)
    contents = {uuid.uuid4(): os.urandom(70_000 + i) for i in range(12)}
    for blob_id, data in contents.items():
        assert batch.put(blob_id, io.BytesIO(data)).size == len(data)
    batch.sync()
    batch.sync()  # nothing left to flush: a no-op
    for blob_id, data in contents.items():
        assert b"".join(blobs.chunks(blob_id)) == data  # read through the plain store: same files, same keys
    assert not list((tmp_path / "blobs").rglob("*.tmp"))


def test_a_blob_that_cannot_be_flushed_is_a_typed_error(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs", os.urandom(32))
    batch = BlobBatch(blobs)
    blob_id = uuid.uuid4()
    batch.put(blob_id, io.BytesIO(b"scan of the transfer letter"))
    blobs.path_of(blob_id).unlink()  # gone before its flush: the transaction naming it must not commit
    with pytest.raises(FileWriteFailed):
        batch.sync()
