"""The packet manifest: what the operator signs. Its canonical JSON is ``manifest.json``."""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from app.domain.identifiers import is_valid_credit_code
from app.sync.packet.canonical import NotCanonicalJson, canonical_json, parse_canonical_json
from app.sync.packet.errors import ManifestInvalid, ManifestNotCanonical, UnsupportedFormat

FORMAT_VERSION = 1
BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_KIND = re.compile(r"[a-z][a-z0-9_.]{0,63}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTAINERS = (dict, list)
_KEYS = {
    "format",
    "packet_id",
    "kind",
    "case_id",
    "sender",
    "recipients",
    "created_at",
    "payload",
    "attachments",
    "responds_to",
}


@dataclass(frozen=True)
class AttachmentRef:
    """One attachment as the manifest lists it; the bytes live at ``attachments/<sha256>``."""

    name: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Operator:
    """The signing operator: certificate serialNumber (operator ID) and name (CN)."""

    id: str
    name: str


@dataclass(frozen=True)
class Manifest:
    """One signed statement by one operator of one agency about one case."""

    packet_id: uuid.UUID
    kind: str
    case_id: str
    sender_agency: str
    operator: Operator
    recipients: tuple[str, ...]
    created_at: dt.datetime
    payload: Mapping[str, Any]
    attachments: tuple[AttachmentRef, ...] = ()
    responds_to: tuple[uuid.UUID, ...] = ()
    supersedes: uuid.UUID | None = None
    format: int = field(default=FORMAT_VERSION)

    def to_json(self) -> bytes:
        """The canonical ``manifest.json`` bytes."""
        doc: dict[str, Any] = {
            "format": self.format,
            "packet_id": str(self.packet_id),
            "kind": self.kind,
            "case_id": self.case_id,
            "sender": {"agency": self.sender_agency, "operator": {"id": self.operator.id, "name": self.operator.name}},
            "recipients": list(self.recipients),
            "created_at": self.created_at.astimezone(BEIJING).isoformat(timespec="milliseconds"),
            "payload": _thaw(self.payload),
            "attachments": [
                {"name": a.name, "media_type": a.media_type, "size": a.size, "sha256": a.sha256}
                for a in self.attachments
            ],
            "responds_to": [str(r) for r in self.responds_to],
        }
        if self.supersedes is not None:
            doc["supersedes"] = str(self.supersedes)
        try:
            return canonical_json(doc)
        except NotCanonicalJson as exc:
            raise ManifestInvalid(str(exc), user_message=f"数据包内容无法规范化：{exc}") from None


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
    return value


def freeze_json(value: Any) -> Any:
    """A read-only copy of parsed JSON (mappings become read-only, lists tuples)."""
    # Most values are leaves (strings, numbers): they are tested here rather than in a call each.
    if isinstance(value, dict):
        return MappingProxyType({k: freeze_json(v) if isinstance(v, _CONTAINERS) else v for k, v in value.items()})
    if isinstance(value, list):
        return tuple([freeze_json(v) if isinstance(v, _CONTAINERS) else v for v in value])
    return value


def _fail(reason: str) -> ManifestInvalid:
    return ManifestInvalid(f"manifest: {reason}", user_message=f"数据包清单格式不正确：{reason}。")


def _uuid(value: Any, what: str) -> uuid.UUID:
    if not isinstance(value, str):
        raise _fail(f"{what} 不是字符串")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise _fail(f"{what} 不是 UUID") from None
    if str(parsed) != value:
        raise _fail(f"{what} 不是规范写法的 UUID")
    return parsed


# A platform has a few dozen agencies and every manifest names three or more; the check is a pure function of the
# string (≈ 5 µs each), so its answers are kept, a bounded number of them.
_is_credit_code = functools.lru_cache(maxsize=1024)(is_valid_credit_code)


def _code(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _is_credit_code(value) or value != value.strip().upper():
        raise _fail(f"{what} 不是有效的统一社会信用代码")
    return value


def _text(value: Any, what: str, limit: int = 256) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _fail(f"{what} 为空或过长")
    if _CONTROL.search(value):  # a NUL is refused by PostgreSQL's text columns; no name or number holds one
        raise _fail(f"{what} 含有控制字符")
    return value


def _attachment(raw: Any) -> AttachmentRef:
    if not isinstance(raw, dict) or set(raw) != {"name", "media_type", "size", "sha256"}:
        raise _fail("附件条目字段不正确")
    size, sha = raw["size"], raw["sha256"]
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise _fail("附件大小无效")
    if not isinstance(sha, str) or not _SHA256_HEX.fullmatch(sha):
        raise _fail("附件摘要不是64位小写十六进制")
    media = raw["media_type"]
    if not isinstance(media, str) or not _MEDIA_TYPE.fullmatch(media):
        raise _fail("附件类型（media_type）无效")
    name = _text(raw["name"], "附件名称")
    if "/" in name or "\\" in name or "\x00" in name:
        raise _fail("附件名称含有路径分隔符")
    return AttachmentRef(name=name, media_type=media, size=size, sha256=sha)


def parse_manifest(data: bytes) -> Manifest:
    """The manifest in ``data``, which must be canonical JSON of the supported format, or ``ManifestInvalid``."""
    try:
        raw = parse_canonical_json(data)
    except NotCanonicalJson as exc:
        raise ManifestNotCanonical(str(exc)) from None
    if not isinstance(raw, dict):
        raise _fail("不是 JSON 对象")
    if raw.get("format") != FORMAT_VERSION:
        raise UnsupportedFormat(f"manifest format {raw.get('format')!r}")
    keys = set(raw)
    if not keys >= _KEYS or keys - _KEYS - {"supersedes"}:
        raise _fail(f"字段不符：缺少 {sorted(_KEYS - keys)}，多余 {sorted(keys - _KEYS - {'supersedes'})}")
    kind = raw["kind"]
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        raise _fail("数据包类型无效")
    sender = raw["sender"]
    if not isinstance(sender, dict) or set(sender) != {"agency", "operator"}:
        raise _fail("发送方字段不正确")
    operator = sender["operator"]
    if not isinstance(operator, dict) or set(operator) != {"id", "name"}:
        raise _fail("操作员字段不正确")
    recipients = raw["recipients"]
    if not isinstance(recipients, list) or not recipients or len(set(recipients)) != len(recipients):
        raise _fail("接收单位为空或重复")
    created_at = raw["created_at"]
    try:
        created = dt.datetime.fromisoformat(created_at) if isinstance(created_at, str) else None
    except ValueError:
        created = None
    if created is None or created.utcoffset() != dt.timedelta(hours=8):
        raise _fail("created_at 不是北京时间（+08:00）的 ISO 时间")
    if not isinstance(raw["payload"], dict):
        raise _fail("payload 不是 JSON 对象")
    if not isinstance(raw["attachments"], list) or not isinstance(raw["responds_to"], list):
        raise _fail("attachments 或 responds_to 不是列表")
    return Manifest(
        packet_id=_uuid(raw["packet_id"], "packet_id"),
        kind=kind,
        case_id=_text(raw["case_id"], "case_id", 128),
        sender_agency=_code(sender["agency"], "发送单位代码"),
        operator=Operator(id=_text(operator["id"], "操作员编号", 64), name=_text(operator["name"], "操作员姓名", 64)),
        recipients=tuple(_code(r, "接收单位代码") for r in recipients),
        created_at=created,
        payload=freeze_json(raw["payload"]),
        attachments=tuple(_attachment(a) for a in raw["attachments"]),
        responds_to=tuple(_uuid(r, "responds_to") for r in raw["responds_to"]),
        supersedes=_uuid(raw["supersedes"], "supersedes") if "supersedes" in raw else None,
    )
