"""Verifying a packet: all of it or nothing. Only a ``VerifiedPacket`` may be applied, stored or relayed.

Checks, in order (the first failure is the reason given): the archive (limits counted while streaming, safe names,
canonical bytes), the manifest (canonical JSON, schema), the CMS signature over it, the signer's chain to the trust
anchors and the CRL, the signer's agency and identity against the manifest's sender, every attachment's presence,
size and SHA-256, the sender's right to send this kind and the recipients' existence (agency directory), and last
whether the packet id was seen before (replay, or an id reused for other content).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cryptography import x509

from app.sync.packet import cms
from app.sync.packet.archive import (
    ATTACHMENT_PREFIX,
    MANIFEST_NAME,
    SIGNATURE_NAME,
    ArchiveLimits,
    attachment_entry_name,
    content_offsets,
    read_archive,
)
from app.sync.packet.errors import (
    ArchiveMissingEntry,
    ArchiveUnexpectedEntry,
    AttachmentMismatch,
    KindNotPermitted,
    PacketIdReused,
    PacketReplayed,
    SignerAgencyMismatch,
    SignerOperatorMismatch,
    UnknownAgency,
)
from app.sync.packet.kinds import AgencyDirectory, may_send
from app.sync.packet.manifest import Manifest, parse_manifest
from app.sync.packet.trust import CertificateHolder, CertificateValidator

# Returns the manifest SHA-256 (hex) of a packet already known under this id, or None if the id is new.
KnownLookup = Callable[[uuid.UUID], str | None]
SendPermission = Callable[[str, str], bool]


@dataclass(frozen=True)
class VerifiedPacket:
    """A packet that passed every check, with what the checks established."""

    manifest: Manifest
    manifest_bytes: bytes
    manifest_sha256: str
    packet_sha256: str
    signer: CertificateHolder
    signer_certificate: x509.Certificate
    signing_time: dt.datetime
    attachments: Mapping[str, bytes]
    data: bytes
    warnings: tuple[str, ...] = ()
    # Where each attachment (by SHA-256) starts in ``data``: a received attachment is read from its packet.
    attachment_offsets: Mapping[str, int] = field(default_factory=dict)

    @property
    def packet_id(self) -> uuid.UUID:
        return self.manifest.packet_id


def _attachment_offsets(entries: Mapping[str, bytes]) -> dict[str, int]:
    offsets = content_offsets(entries)
    return {name[len(ATTACHMENT_PREFIX) :]: at for name, at in offsets.items() if name.startswith(ATTACHMENT_PREFIX)}


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class PacketVerifier:
    """Verifies packets against one trust configuration. Reuse one instance per run: it caches validated chains.

    ``directory`` None skips the sender-permission and recipient checks with a warning (a bare ``packet verify``
    without a directory); the platform and the sync engine always pass one.
    """

    validator: CertificateValidator
    directory: AgencyDirectory | None = None
    may_send: SendPermission = field(default=may_send)
    limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    clock: Callable[[], dt.datetime] = field(default=_utc_now)

    def verify(self, data: bytes, *, known: KnownLookup | None = None, at: dt.datetime | None = None) -> VerifiedPacket:
        """The verified packet in ``data``, or a ``PacketRejected`` subclass naming the first fault.

        ``at`` is the time the signer's certificate must be valid and unrevoked: the platform receipt's received-at
        when the caller has one (a packet stays valid after its signer's later revocation), otherwise now.
        """
        entries = read_archive(data, self.limits)
        manifest_bytes = entries[MANIFEST_NAME]
        manifest = parse_manifest(manifest_bytes)
        signature = cms.verify(entries[SIGNATURE_NAME], manifest_bytes)
        signer_cert = signature.signer_certificate
        chain = self.validator.validate(signer_cert, list(signature.certificates[1:]), at or self.clock())
        holder = chain.holder
        self._check_sender(manifest, holder)
        attachments = self._check_attachments(manifest, entries)
        warnings = list(chain.warnings) + self._check_authority(manifest)
        manifest_sha256 = signature.content_sha256.hex()
        if known is not None:
            previous = known(manifest.packet_id)
            if previous == manifest_sha256:
                raise PacketReplayed(f"packet {manifest.packet_id} already received")
            if previous is not None:
                raise PacketIdReused(f"packet id {manifest.packet_id} already used for other content")
        return VerifiedPacket(
            manifest=manifest,
            manifest_bytes=manifest_bytes,
            manifest_sha256=manifest_sha256,
            packet_sha256=hashlib.sha256(data).hexdigest(),
            signer=holder,
            signer_certificate=signer_cert,
            signing_time=signature.signing_time,
            attachments=attachments,
            data=data,
            warnings=tuple(warnings),
            attachment_offsets=_attachment_offsets(entries),
        )

    def _check_sender(self, manifest: Manifest, holder: CertificateHolder) -> None:
        if holder.agency_code != manifest.sender_agency:
            raise SignerAgencyMismatch(
                f"signer agency {holder.agency_code} is not sender {manifest.sender_agency}",
                user_message=(
                    f"签名人所属单位（{holder.agency_name or holder.agency_code}）与数据包的发送单位"
                    f"（{manifest.sender_agency}）不一致。"
                ),
            )
        if holder.operator_id != manifest.operator.id or holder.name != manifest.operator.name:
            raise SignerOperatorMismatch("manifest operator differs from the signer certificate")

    def _check_attachments(self, manifest: Manifest, entries: Mapping[str, bytes]) -> dict[str, bytes]:
        listed = {a.sha256 for a in manifest.attachments}
        present = {name[len(ATTACHMENT_PREFIX) :] for name in entries if name.startswith(ATTACHMENT_PREFIX)}
        if missing := sorted(listed - present):
            raise ArchiveMissingEntry(
                f"attachment {missing[0]} missing", user_message=f"数据包缺少清单所列的附件（{missing[0][:12]}…）。"
            )
        if extra := sorted(present - listed):
            raise ArchiveUnexpectedEntry(
                f"attachment {extra[0]} not listed", user_message="数据包中含有清单未列出的附件。"
            )
        attachments: dict[str, bytes] = {}
        for ref in manifest.attachments:
            blob = entries[attachment_entry_name(ref.sha256)]
            if len(blob) != ref.size or hashlib.sha256(blob).hexdigest() != ref.sha256:
                raise AttachmentMismatch(
                    f"attachment {ref.sha256} differs from the manifest",
                    user_message=f"附件“{ref.name}”的内容或大小与清单不符，可能被篡改。",
                )
            attachments[ref.sha256] = blob
        return attachments

    def _check_authority(self, manifest: Manifest) -> list[str]:
        if self.directory is None:
            return ["未检查发送权限与接收单位：未提供成员单位名录。"]
        sender = self.directory.get(manifest.sender_agency)
        if sender is None:
            raise UnknownAgency(f"sender {manifest.sender_agency} not in directory")
        if not self.may_send(sender.kind, manifest.kind):
            raise KindNotPermitted(
                f"{sender.kind} may not send {manifest.kind}",
                user_message=f"发送单位“{sender.name}”无权发送“{manifest.kind}”类数据包。",
            )
        for code in manifest.recipients:
            if self.directory.get(code) is None:
                raise UnknownAgency(
                    f"recipient {code} not in directory", user_message=f"接收单位 {code} 不在成员单位名录中。"
                )
        return []
