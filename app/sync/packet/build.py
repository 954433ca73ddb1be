"""Building a packet: the operator's statement, its attachments, and the operator's CMS signature over the manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.crypto.keys import Signer
from app.files import atomic_write_bytes
from app.sync.packet import cms
from app.sync.packet.archive import MANIFEST_NAME, SIGNATURE_NAME, attachment_entry_name, write_archive
from app.sync.packet.manifest import BEIJING, AttachmentRef, Manifest, Operator, freeze_json, parse_manifest
from app.sync.packet.trust import holder_of

PACKET_SUFFIX = ".ljp"


@dataclass(frozen=True)
class Attachment:
    """A file to attach: the name the operator sees, its media type and its bytes."""

    name: str
    media_type: str
    data: bytes


@dataclass(frozen=True)
class BuiltPacket:
    """A signed packet ready for the outbox: its bytes and what identifies it."""

    manifest: Manifest
    manifest_sha256: str
    data: bytes

    @property
    def packet_id(self) -> uuid.UUID:
        return self.manifest.packet_id

    @property
    def file_name(self) -> str:
        return f"{self.manifest.packet_id}{PACKET_SUFFIX}"

    def write(self, directory: Path) -> Path:
        """Write ``<id>.ljp`` into ``directory`` atomically and return its path."""
        path = Path(directory) / self.file_name
        atomic_write_bytes(path, self.data, mode=0o644)
        return path


def build_packet(
    signer: Signer,
    *,
    kind: str,
    case_id: str,
    recipients: Sequence[str],
    payload: Mapping[str, Any],
    attachments: Sequence[Attachment] = (),
    responds_to: Sequence[uuid.UUID] = (),
    supersedes: uuid.UUID | None = None,
    packet_id: uuid.UUID | None = None,
    created_at: dt.datetime | None = None,
) -> BuiltPacket:
    """Sign a new packet with ``signer``; sender agency and operator come from the signer's certificate."""
    holder = holder_of(signer.certificate)
    created = (created_at or dt.datetime.now(BEIJING)).astimezone(BEIJING)
    created = created.replace(microsecond=created.microsecond // 1000 * 1000)  # the manifest keeps milliseconds
    blobs = {hashlib.sha256(a.data).hexdigest(): a.data for a in attachments}
    manifest = Manifest(
        packet_id=packet_id or uuid.uuid4(),
        kind=kind,
        case_id=case_id,
        sender_agency=holder.agency_code,
        operator=Operator(id=holder.operator_id, name=holder.name),
        recipients=tuple(recipients),
        created_at=created,
        payload=freeze_json(dict(payload)),
        attachments=tuple(
            AttachmentRef(
                name=a.name, media_type=a.media_type, size=len(a.data), sha256=hashlib.sha256(a.data).hexdigest()
            )
            for a in attachments
        ),
        responds_to=tuple(responds_to),
        supersedes=supersedes,
    )
    manifest_bytes = manifest.to_json()
    parse_manifest(manifest_bytes)  # never sign what a verifier would refuse (bad codes, names, empty recipients)
    signature = cms.sign(manifest_bytes, signer)
    entries = {MANIFEST_NAME: manifest_bytes, SIGNATURE_NAME: signature}
    entries.update({attachment_entry_name(sha): data for sha, data in blobs.items()})
    return BuiltPacket(manifest, hashlib.sha256(manifest_bytes).hexdigest(), write_archive(entries))
