"""Why a packet, a receipt or a published document was refused: one class per reason, each with a stable code.

The ``code`` travels over the wire (the platform's error bodies carry it), so the terminal can raise the same class
for a refusal that happened on the platform as for one found locally. Codes never change meaning.
"""

from __future__ import annotations

from app.domain.errors import AppError


class PacketRejected(AppError):
    """A packet failed verification; nothing of it may be applied."""

    code = "rejected"
    user_message = "数据包未通过校验，已拒收。"
    next_step = "该数据包已隔离保存，请联系系统管理员核查。"


# --- the archive -------------------------------------------------------------------------------------------------
class ArchiveMalformed(PacketRejected):
    code = "archive-malformed"
    user_message = "数据包文件已损坏或不是有效的数据包。"


class ArchiveNotCanonical(PacketRejected):
    code = "archive-not-canonical"
    user_message = "数据包文件的结构被改动过（与规范格式逐字节不符）。"


class ArchiveUnsafePath(PacketRejected):
    code = "archive-unsafe-path"
    user_message = "数据包中含有越出包目录的路径或链接，已拒收。"


class ArchiveUnexpectedEntry(PacketRejected):
    code = "archive-unexpected-entry"
    user_message = "数据包中含有不应存在的文件。"


class ArchiveMissingEntry(PacketRejected):
    code = "archive-missing-entry"
    user_message = "数据包缺少必需的文件。"


class ArchiveTooLarge(PacketRejected):
    code = "archive-too-large"
    user_message = "数据包超过允许的大小或文件数量上限（可能是压缩炸弹）。"


class ArchiveUnsupportedCompression(PacketRejected):
    code = "archive-compression"
    user_message = "数据包使用了不受支持的压缩或加密方式。"


# --- the manifest ------------------------------------------------------------------------------------------------
class ManifestTooLarge(PacketRejected):
    code = "manifest-too-large"
    user_message = "数据包清单（manifest.json）超过大小上限。"


class ManifestInvalid(PacketRejected):
    code = "manifest-invalid"
    user_message = "数据包清单（manifest.json）格式不正确。"


class ManifestNotCanonical(PacketRejected):
    code = "manifest-not-canonical"
    user_message = "数据包清单不是规范 JSON 格式（可能被改动过）。"


class UnsupportedFormat(PacketRejected):
    code = "unsupported-format"
    user_message = "数据包格式版本不受支持。"
    next_step = "请将终端程序升级到最新版本。"


# --- the signature and the signer --------------------------------------------------------------------------------
class SignatureInvalid(PacketRejected):
    code = "signature-invalid"
    user_message = "数据包签名无效：内容在签名后被改动，或签名已损坏。"


class SignerCertificateUntrusted(PacketRejected):
    code = "signer-untrusted"
    user_message = "签名证书不是由本平台信任的证书机构签发的。"


class SignerCertificateRevoked(PacketRejected):
    code = "signer-revoked"
    user_message = "签名证书已被吊销。"


class SignerCertificateExpired(PacketRejected):
    code = "signer-expired"
    user_message = "签名证书不在有效期内。"


class SignerProfileViolation(PacketRejected):
    code = "signer-profile"
    user_message = "签名证书不符合证书规范（单位代码、用途或操作员编号有误）。"


class SignerAgencyMismatch(PacketRejected):
    code = "signer-agency-mismatch"
    user_message = "签名人所属单位与数据包的发送单位不一致。"


class SignerOperatorMismatch(PacketRejected):
    code = "signer-operator-mismatch"
    user_message = "数据包中的操作员与签名证书的持有人不一致。"


class RevocationUnknown(PacketRejected):
    code = "revocation-unknown"
    user_message = "无法确认签名证书是否已被吊销（证书吊销列表缺失、无效或已过期）。"
    next_step = "请先同步最新的证书吊销列表后重试。"


# --- content and authority ---------------------------------------------------------------------------------------
class AttachmentMismatch(PacketRejected):
    code = "attachment-mismatch"
    user_message = "附件的内容、大小或摘要与清单不符。"


class KindNotPermitted(PacketRejected):
    code = "kind-not-permitted"
    user_message = "发送单位无权发送此类数据包。"


class UnknownAgency(PacketRejected):
    code = "unknown-agency"
    user_message = "数据包涉及的单位不在成员单位名录中。"
    next_step = "请先同步最新的成员单位名录后重试。"


class PacketReplayed(PacketRejected):
    code = "replayed"
    user_message = "该数据包此前已经收到过（重放），不再重复处理。"
    next_step = ""


class PacketIdReused(PacketRejected):
    code = "id-reused"
    user_message = "数据包编号已被另一份内容不同的数据包使用。"


# --- receipts and published documents ----------------------------------------------------------------------------
class ReceiptInvalid(PacketRejected):
    code = "receipt-invalid"
    user_message = "平台回执无效（签名、签发者或内容不符）。"


class PublishedDocumentInvalid(PacketRejected):
    code = "document-invalid"
    user_message = "平台发布的文件（吊销列表、节假日、成员单位名录或筛查规则）未通过校验，未予使用。"
    # Not a packet: nothing is quarantined; the terminal keeps the previous verified version.
    next_step = "已继续使用上一版本，请联系两法衔接办公室。"


def rejection_classes() -> dict[str, type[PacketRejected]]:
    """Every refusal class by its wire code, so a refusal reported by the platform maps back to its class."""
    found: dict[str, type[PacketRejected]] = {PacketRejected.code: PacketRejected}
    pending: list[type[PacketRejected]] = list(PacketRejected.__subclasses__())
    while pending:
        cls = pending.pop()
        found.setdefault(cls.code, cls)
        pending.extend(cls.__subclasses__())
    return found
