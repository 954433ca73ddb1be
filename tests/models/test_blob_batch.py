"""The blobs of one transaction in one pack file, made durable together before it commits (``BlobBatch``)."""

from __future__ import annotations

import dataclasses
import os
import uuid
from pathlib import Path

import pytest

from app.crypto.blobcipher import BlobDamaged
from app.files import FileWriteFailed
from app.models.blobstore import BlobBatch, BlobPlace, BlobStore


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_a_batch_of_blobs_is_one_pack_that_reads_back_after_one_flush(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs", os.urandom(32))
    batch = BlobBatch(blobs)
    contents = {uuid.uuid4(): os.urandom(70_000 + i) for i in range(12)} | {uuid.uuid4(): b""}
    places = {blob_id: batch.keep(blob_id, data) for blob_id, data in contents.items()}
    (pending,) = _files(tmp_path / "blobs")
    assert pending.endswith(".tmp")  # nothing under the pack's name before the flush
    batch.sync()
    batch.sync()  # nothing left to flush: a no-op
    (pack,) = _files(tmp_path / "blobs")
    assert {place.pack_id for place in places.values()} == {uuid.UUID(pack.removesuffix(".pack"))}
    for blob_id, data in contents.items():
        assert b"".join(blobs.read(places[blob_id])) == data  # read through the plain store: same keys


def test_a_blob_read_at_a_wrong_place_is_an_error_never_wrong_bytes(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs", os.urandom(32))
    batch = BlobBatch(blobs)
    first, second = (batch.keep(uuid.uuid4(), os.urandom(200_000)) for _ in range(2))
    batch.sync()
    wrong = [
        dataclasses.replace(first, length=first.length - 16),  # its last record cut off
        dataclasses.replace(first, length=first.length + second.length),  # runs on into the next blob
        dataclasses.replace(first, offset=second.offset, length=second.length),  # another blob's place
    ]
    for place in wrong:
        with pytest.raises(BlobDamaged):
            b"".join(blobs.read(place))


def test_a_pack_that_cannot_be_flushed_is_a_typed_error(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs", os.urandom(32))
    batch = BlobBatch(blobs)
    batch.keep(uuid.uuid4(), b"scan of the transfer letter")
    for leftover in (tmp_path / "blobs").rglob("*.tmp"):
        leftover.unlink()  # gone before its flush: the transaction naming it must not commit
    with pytest.raises(FileWriteFailed):
        batch.sync()
    assert _files(tmp_path / "blobs") == []


def test_an_abandoned_batch_leaves_nothing(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs", os.urandom(32))
    batch = BlobBatch(blobs)
    place = batch.keep(uuid.uuid4(), os.urandom(1000))
    batch.abandon()
    batch.abandon()  # twice: a no-op
    assert _files(tmp_path / "blobs") == []
    with pytest.raises(BlobDamaged, match="missing"):
        b"".join(blobs.read(place))


def test_a_place_of_its_own_file_and_an_inline_row(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs", os.urandom(32))
    blob_id = uuid.uuid4()
    assert blobs.keep(blob_id, b"alone") == BlobPlace(blob_id)  # outside a batch: a file of its own, durable
    assert b"".join(blobs.read(BlobPlace(blob_id))) == b"alone"
    assert BlobPlace.of(None) is None and BlobPlace.of(str(blob_id)) == BlobPlace(blob_id)
