"""Attachments: the file goes into an encrypted blob, its metadata into the ``attachments`` table.

The blob is written (atomically) before the row is committed: a crash in between leaves an orphan blob, never a
row without its content. Reading streams the blob and checks size and SHA-256 against the row before the last chunk.
A received attachment has no blob of its own: it is read from the received packet that carries it (r0007).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.crypto.blobcipher import BlobDamaged
from app.files import fsync_directory, write_failure
from app.models.blobstore import BlobPlace
from app.models.store import Store
from app.models.sync_tables import HELD_PACKET, InboxRow
from app.models.tables import Attachment


@dataclass(frozen=True)
class AttachmentRecord:
    """An attachment's metadata; its content is read with ``attachment_chunks``."""

    id: str
    case_id: str
    name: str
    media_type: str
    size: int
    sha256: str
    created_at: dt.datetime


class AttachmentNotFound(LookupError):
    """No attachment with that id."""


def _record(row: Attachment) -> AttachmentRecord:
    return AttachmentRecord(row.id, row.case_id, row.name, row.media_type, row.size, row.sha256, row.created_at)


def add_attachment(
    store: Store,
    case_id: str,
    source: BinaryIO,
    *,
    name: str,
    media_type: str,
    also: Callable[[Session, AttachmentRecord], None] | None = None,
) -> AttachmentRecord:
    """Encrypt ``source`` into a blob and record it for ``case_id``; ``also`` runs in the same transaction (audit)."""
    blob_id = uuid.uuid4()
    digest = store.blobs.put(blob_id, source)

    def record(session: Session) -> AttachmentRecord:
        row = Attachment(
            id=str(blob_id),
            case_id=case_id,
            name=name,
            media_type=media_type,
            size=digest.size,
            sha256=digest.sha256,
            created_at=dt.datetime.now(dt.UTC),
        )
        session.add(row)
        session.flush()
        result = _record(row)
        if also is not None:
            also(session, result)
        return result

    try:
        return store.write(record)
    except BaseException:
        store.blobs.discard(blob_id)
        raise


def get_attachment(session: Session, attachment_id: str) -> AttachmentRecord | None:
    """The attachment's metadata, or None."""
    row = session.get(Attachment, attachment_id)
    return None if row is None else _record(row)


def list_attachments(session: Session, case_id: str) -> tuple[AttachmentRecord, ...]:
    """A case's attachments, oldest first."""
    query = select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.created_at, Attachment.id)
    return tuple(_record(r) for r in session.scalars(query))


def attachment_chunks(store: Store, attachment_id: str) -> Iterator[bytes]:
    """The attachment's content, chunk by chunk; ``BlobUnreadable`` instead of any chunk that is not authentic.

    The last chunk is held back until size and SHA-256 match the row, so a complete iteration means the whole file.
    """
    located = store.read(lambda s: _located(s, attachment_id))
    if located is None:
        raise AttachmentNotFound(attachment_id)
    record, content = located
    digest = hashlib.sha256()
    size = 0
    pending: bytes | None = None
    for chunk in content(store):
        if pending is not None:
            yield pending
        digest.update(chunk)
        size += len(chunk)
        pending = chunk
    if size != record.size or digest.hexdigest() != record.sha256:
        raise BlobDamaged(f"attachment {attachment_id} does not match its recorded size and hash")
    if pending:
        yield pending


def _located(
    session: Session, attachment_id: str
) -> tuple[AttachmentRecord, Callable[[Store], Iterator[bytes]]] | None:
    """The attachment's record and how to read its content: its own blob, or its window of a received packet."""
    row = session.get(Attachment, attachment_id)
    if row is None:
        return None
    record = _record(row)
    if row.in_packet is None:
        return record, lambda store: store.blobs.chunks(uuid.UUID(record.id))
    held = session.execute(select(*HELD_PACKET).where(InboxRow.packet_id == row.in_packet)).one_or_none()
    if held is None:
        raise BlobDamaged(f"attachment {attachment_id}: its packet {row.in_packet} is not held")
    start = row.packet_offset or 0
    place = BlobPlace.of(*held[1:])
    if place is None:  # a packet kept inline (before r0006)
        inline = bytes(held[0] or b"")[start : start + record.size]
        return record, lambda _store: iter((inline,))
    return record, lambda store: _window(store.blobs.read(place), start, record.size)


def _window(chunks: Iterator[bytes], start: int, length: int) -> Iterator[bytes]:
    """The bytes ``start`` to ``start + length`` of a chunked stream, reading no further than needed."""
    end = start + length
    position = 0
    try:
        for chunk in chunks:
            low, high = max(start - position, 0), min(end - position, len(chunk))
            if low < high:
                yield chunk[low:high]
            position += len(chunk)
            if position >= end:
                return
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def export_attachment(store: Store, attachment_id: str, destination: Path) -> AttachmentRecord:
    """Write the decrypted attachment to ``destination``, which appears only once the whole file has verified."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as sink:
            for chunk in attachment_chunks(store, attachment_id):
                sink.write(chunk)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(tmp, destination)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise write_failure(exc, f"the export of attachment {attachment_id}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_directory(destination.parent)
    record = store.read(lambda s: get_attachment(s, attachment_id))
    if record is None:
        raise AttachmentNotFound(attachment_id)
    return record
