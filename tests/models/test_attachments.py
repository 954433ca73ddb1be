"""Attachments: stored encrypted beside the store, read back streamed and verified, exported only when whole."""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.crypto.blobcipher import BlobDamaged, BlobUnreadable
from app.models.attachments import (
    AttachmentNotFound,
    AttachmentRecord,
    add_attachment,
    attachment_chunks,
    export_attachment,
    get_attachment,
    list_attachments,
)
from app.models.audit import AuditKind, append_audit, list_audit
from app.models.cases import CaseRecord, add_case
from app.models.store import Store
from tests.models.conftest import new_case


@pytest.fixture
def case(store: Store) -> CaseRecord:
    return store.write(lambda s: add_case(s, new_case()))


def _blob_files(store: Store) -> list[Path]:
    return sorted(store.blobs.directory.rglob("*.blob"))


def test_an_attachment_round_trips(store: Store, case: CaseRecord, tmp_path: Path) -> None:
    content = os.urandom(300_000)

    def audit(session: Session, record: AttachmentRecord) -> None:
        append_audit(session, AuditKind.RECORD_CREATED, operator="o", terminal="t", subject=f"attachment:{record.id}")

    record = add_attachment(
        store, case.id, io.BytesIO(content), name="现场照片.jpg", media_type="image/jpeg", also=audit
    )
    assert (record.case_id, record.name, record.media_type, record.size) == (
        case.id,
        "现场照片.jpg",
        "image/jpeg",
        300_000,
    )
    assert store.read(lambda s: list_attachments(s, case.id)) == (record,)
    assert store.read(lambda s: get_attachment(s, record.id)) == record
    assert b"".join(attachment_chunks(store, record.id)) == content
    assert export_attachment(store, record.id, tmp_path / "out" / "photo.jpg") == record
    assert (tmp_path / "out" / "photo.jpg").read_bytes() == content
    assert [a.subject for a in store.read(list_audit)] == [f"attachment:{record.id}"]
    assert _blob_files(store) == [store.blobs.path_of(uuid.UUID(record.id))]


def test_an_empty_attachment_round_trips(store: Store, case: CaseRecord) -> None:
    record = add_attachment(store, case.id, io.BytesIO(b""), name="空.txt", media_type="text/plain")
    assert record.size == 0 and b"".join(attachment_chunks(store, record.id)) == b""


def test_a_failed_row_leaves_no_blob(store: Store) -> None:
    with pytest.raises(IntegrityError):  # no such case: the foreign key refuses the row
        add_attachment(store, str(uuid.uuid4()), io.BytesIO(b"x" * 1000), name="a", media_type="text/plain")
    assert _blob_files(store) == []
    assert store.read(lambda s: s.execute(text("SELECT count(*) FROM attachments")).scalar_one()) == 0


def test_a_damaged_blob_is_never_exported(store: Store, case: CaseRecord, tmp_path: Path) -> None:
    record = add_attachment(store, case.id, io.BytesIO(os.urandom(200_000)), name="a.pdf", media_type="application/pdf")
    path = store.blobs.path_of(uuid.UUID(record.id))
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x80
    path.write_bytes(bytes(data))
    destination = tmp_path / "export.pdf"
    with pytest.raises(BlobUnreadable):
        export_attachment(store, record.id, destination)
    assert list(tmp_path.iterdir()) == [tmp_path / "terminal"]  # neither the file nor a temporary is left


def test_a_blob_swapped_for_another_is_refused(store: Store, case: CaseRecord) -> None:
    first = add_attachment(store, case.id, io.BytesIO(b"a" * 5000), name="a", media_type="text/plain")
    second = add_attachment(store, case.id, io.BytesIO(b"b" * 5000), name="b", media_type="text/plain")
    store.blobs.path_of(uuid.UUID(second.id)).write_bytes(store.blobs.path_of(uuid.UUID(first.id)).read_bytes())
    with pytest.raises(BlobDamaged):
        list(attachment_chunks(store, second.id))


def test_a_row_that_disagrees_with_its_blob_yields_no_last_chunk(store: Store, case: CaseRecord) -> None:
    record = add_attachment(store, case.id, io.BytesIO(b"z" * 5000), name="a", media_type="text/plain")
    store.write(lambda s: s.execute(text("UPDATE attachments SET sha256 = :h"), {"h": "0" * 64}))
    received: list[bytes] = []
    with pytest.raises(BlobDamaged):
        received.extend(attachment_chunks(store, record.id))
    assert received == []


def test_a_missing_blob_or_row_is_reported(store: Store, case: CaseRecord) -> None:
    record = add_attachment(store, case.id, io.BytesIO(b"q"), name="a", media_type="text/plain")
    store.blobs.path_of(uuid.UUID(record.id)).unlink()
    with pytest.raises(BlobDamaged):
        list(attachment_chunks(store, record.id))
    with pytest.raises(AttachmentNotFound):
        list(attachment_chunks(store, str(uuid.uuid4())))
