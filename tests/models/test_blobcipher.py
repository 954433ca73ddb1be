"""Encrypted blobs: round trips, and every kind of damage is an error, never wrong data; memory stays bounded."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
import uuid
from pathlib import Path

import pytest

from app.crypto.blobcipher import (
    HEADER,
    TAG_SIZE,
    BlobDamaged,
    BlobFormatUnknown,
    BlobUnreadable,
    decrypt_stream,
    encrypt_bytes,
    encrypt_stream,
    read_blob,
    write_blob,
)
from app.files import FileWriteFailed
from tests.models.conftest import random_key

CHUNK = 1024
RECORD = CHUNK + TAG_SIZE
BLOB_ID = uuid.UUID("6f1c0a4e-3b9d-4f7a-9a51-2c8e7d0b5a11")


def _seal(key: bytes, plaintext: bytes, blob_id: uuid.UUID = BLOB_ID) -> bytes:
    sink = io.BytesIO()
    digest = encrypt_stream(key, blob_id, io.BytesIO(plaintext), sink, chunk_size=CHUNK)
    assert digest.size == len(plaintext) and digest.sha256 == hashlib.sha256(plaintext).hexdigest()
    return sink.getvalue()


def _open(key: bytes, blob: bytes, blob_id: uuid.UUID = BLOB_ID) -> bytes:
    return b"".join(decrypt_stream(key, blob_id, io.BytesIO(blob)))


def _records(blob: bytes) -> tuple[bytes, list[bytes]]:
    body = blob[HEADER.size :]
    return blob[: HEADER.size], [body[i : i + RECORD] for i in range(0, len(body), RECORD)]


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 5 * CHUNK + 17])
def test_round_trip(size: int) -> None:
    key = random_key()
    plaintext = os.urandom(size)
    blob = _seal(key, plaintext)
    assert len(blob) == HEADER.size + max(1, -(-size // CHUNK)) * TAG_SIZE + size
    assert _open(key, blob) == plaintext


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 5 * CHUNK + 17])
def test_bytes_in_memory_encrypt_to_the_layout_of_the_stream(size: int) -> None:
    key = random_key()
    plaintext = os.urandom(size)
    blob, digest = encrypt_bytes(key, BLOB_ID, plaintext, chunk_size=CHUNK)
    assert digest.size == size and digest.sha256 == hashlib.sha256(plaintext).hexdigest()
    streamed = _seal(key, plaintext)
    assert len(blob) == len(streamed)
    assert _records(blob)[0][:-16] == _records(streamed)[0][:-16]  # same header but for the random salt
    assert _open(key, blob) == plaintext
    header, records = _records(blob)
    if len(records) > 1:  # the same record order and final flag: a dropped last record is refused
        with pytest.raises(BlobDamaged):
            _open(key, header + b"".join(records[:-1]))


def test_write_blob_takes_bytes_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    key = random_key()
    path = tmp_path / "not-yet-made" / "blob"
    plaintext = os.urandom(3 * CHUNK + 5)
    written = write_blob(path, key, BLOB_ID, plaintext, chunk_size=CHUNK)
    assert written.size == len(plaintext) and b"".join(read_blob(path, key, BLOB_ID)) == plaintext
    assert [p.name for p in path.parent.iterdir()] == ["blob"] and path.stat().st_mode & 0o077 == 0


def test_the_same_plaintext_encrypts_differently_each_time() -> None:
    key = random_key()
    assert _seal(key, b"x" * 3000) != _seal(key, b"x" * 3000)


@pytest.mark.parametrize("position", [0, 7, 12, 20, HEADER.size - 1, HEADER.size, HEADER.size + RECORD + 5, -1])
def test_a_flipped_bit_anywhere_is_refused(position: int) -> None:
    key = random_key()
    blob = bytearray(_seal(key, os.urandom(3 * CHUNK + 100)))
    blob[position] ^= 0x04
    with pytest.raises(BlobUnreadable):
        _open(key, bytes(blob))


@pytest.mark.parametrize("cut", [0, 10, HEADER.size, HEADER.size + 5, HEADER.size + RECORD, HEADER.size + 2 * RECORD])
def test_a_truncated_blob_is_refused(cut: int) -> None:
    key = random_key()
    blob = _seal(key, os.urandom(3 * CHUNK + 100))
    with pytest.raises(BlobDamaged):
        _open(key, blob[:cut])


def test_a_blob_cut_at_a_record_boundary_yields_only_authentic_chunks_then_fails() -> None:
    key = random_key()
    plaintext = os.urandom(3 * CHUNK + 100)
    blob = _seal(key, plaintext)
    received: list[bytes] = []
    with pytest.raises(BlobDamaged):
        for chunk in decrypt_stream(key, BLOB_ID, io.BytesIO(blob[: HEADER.size + 2 * RECORD])):
            received.append(chunk)
    assert b"".join(received) == plaintext[: len(b"".join(received))]
    assert len(received) < 2


def test_reordered_records_are_refused() -> None:
    key = random_key()
    header, records = _records(_seal(key, os.urandom(4 * CHUNK)))
    records[1], records[2] = records[2], records[1]
    with pytest.raises(BlobDamaged):
        _open(key, header + b"".join(records))


def test_an_appended_record_is_refused() -> None:
    key = random_key()
    header, records = _records(_seal(key, os.urandom(3 * CHUNK + 5)))
    for extra in (records[0], records[-1], os.urandom(RECORD), os.urandom(TAG_SIZE)):
        with pytest.raises(BlobDamaged):
            _open(key, header + b"".join(records) + extra)


def test_a_record_from_another_blob_is_refused() -> None:
    key = random_key()
    header, records = _records(_seal(key, os.urandom(3 * CHUNK)))
    _, others = _records(_seal(key, os.urandom(3 * CHUNK)))
    records[1] = others[1]
    with pytest.raises(BlobDamaged):
        _open(key, header + b"".join(records))


def test_a_wrong_key_or_another_blob_id_is_refused() -> None:
    key = random_key()
    blob = _seal(key, b"evidence" * 500)
    with pytest.raises(BlobDamaged):
        _open(random_key(), blob)
    with pytest.raises(BlobDamaged):
        _open(key, blob, uuid.uuid4())


def test_an_unknown_format_is_named() -> None:
    key = random_key()
    blob = bytearray(_seal(key, b"x"))
    blob[6] = 99  # version
    with pytest.raises(BlobFormatUnknown):
        _open(key, bytes(blob))
    with pytest.raises(BlobFormatUnknown):
        _open(key, b"%PDF-1.7" + bytes(100))


def test_write_blob_is_atomic_and_private(tmp_path: Path) -> None:
    key = random_key()
    path = tmp_path / "ab" / "blob"
    write_blob(path, key, BLOB_ID, io.BytesIO(b"first"))

    class Exploding(io.RawIOBase):
        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            raise OSError("the scanner was unplugged")

    with pytest.raises(FileWriteFailed):
        write_blob(path, key, BLOB_ID, Exploding())  # type: ignore[arg-type]
    assert b"".join(read_blob(path, key, BLOB_ID)) == b"first"
    assert [p.name for p in path.parent.iterdir()] == ["blob"]
    assert path.stat().st_mode & 0o077 == 0
    with pytest.raises(BlobDamaged):
        list(read_blob(tmp_path / "missing", key, BLOB_ID))


class PatternStream(io.RawIOBase):
    """``size`` bytes generated on demand, never held whole."""

    def __init__(self, size: int) -> None:
        self._block = os.urandom(1 << 20)
        self._left = size
        self._position = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self._left if n < 0 else min(n, self._left)
        out = bytearray()
        while len(out) < n:
            offset = (self._position + len(out)) % len(self._block)
            out += self._block[offset : offset + n - len(out)]
        self._left -= n
        self._position += n
        return bytes(out)


@pytest.mark.slow
def test_a_large_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    size = 256 * 1024 * 1024 + 12345
    key = random_key()
    path = tmp_path / "large.blob"
    source = PatternStream(size)
    tracemalloc.start()
    try:
        written = write_blob(path, key, BLOB_ID, source)  # type: ignore[arg-type]
        digest = hashlib.sha256()
        total = 0
        for chunk in read_blob(path, key, BLOB_ID):
            digest.update(chunk)
            total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written.size == total == size
    assert digest.hexdigest() == written.sha256
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes"
