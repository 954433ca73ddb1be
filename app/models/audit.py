"""The append-only audit log: who did what, on which terminal, when; each row hash-chained to the one before.

``row_hash = sha256(prev_hash || canonical JSON of the row)``, where the row includes its sequence number, so an
edited, removed or reordered row breaks the chain at that point. The chain starts from a hash of the store id, so
rows copied from another store do not fit. The head (last sequence number and hash) is kept in ``meta`` and updated
in the same transaction, so that deleting the newest rows is also seen. Someone holding the master key can still
rewrite the whole chain and the head together; anchoring the head outside the store (in signed packets) closes that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from app.jsontext import sorted_json, sorted_json_bytes
from app.models.meta import AUDIT_HEAD, read_meta, store_id, write_meta
from app.models.prepared import Prepared
from app.models.tables import AuditEntry, table_of, utc_text

DetailValue = str | int | bool | None

# Details are for who/what/which record, never for secrets: refuse keys that name one.
_SECRET_WORDS = ("pin", "passw", "secret", "private", "master", "recovery", "credential", "token")


class AuditKind(StrEnum):
    LOGIN = "login"
    LOGOUT = "logout"
    UNLOCK = "unlock"
    UNLOCK_FAILED = "unlock_failed"
    RECORD_CREATED = "record_created"
    RECORD_CHANGED = "record_changed"
    RECORD_DELETED = "record_deleted"
    SIGNATURE = "signature"
    PACKET_SENT = "packet_sent"
    PACKET_RECEIVED = "packet_received"
    PRINT = "print"
    EXPORT = "export"
    OPERATOR_ENROLLED = "operator_enrolled"
    OPERATOR_REMOVED = "operator_removed"
    CLOCK_SKEW = "clock_skew"


KIND_LABELS: Mapping[AuditKind, str] = MappingProxyType(
    {
        AuditKind.LOGIN: "登录",
        AuditKind.LOGOUT: "退出登录",
        AuditKind.UNLOCK: "解锁",
        AuditKind.UNLOCK_FAILED: "解锁失败",
        AuditKind.RECORD_CREATED: "新建记录",
        AuditKind.RECORD_CHANGED: "修改记录",
        AuditKind.RECORD_DELETED: "删除记录",
        AuditKind.SIGNATURE: "签名",
        AuditKind.PACKET_SENT: "发送数据包",
        AuditKind.PACKET_RECEIVED: "接收数据包",
        AuditKind.PRINT: "打印",
        AuditKind.EXPORT: "导出",
        AuditKind.OPERATOR_ENROLLED: "登记操作员",
        AuditKind.OPERATOR_REMOVED: "移除操作员",
        AuditKind.CLOCK_SKEW: "时钟偏差",
    }
)


@dataclass(frozen=True)
class AuditRecord:
    """One audit row as stored."""

    seq: int
    occurred_at: dt.datetime
    kind: str
    operator: str
    terminal: str
    subject: str
    details: Mapping[str, DetailValue]
    row_hash: str


@dataclass(frozen=True)
class AuditVerdict:
    """The outcome of checking the chain. ``problem`` is one of: missing, relinked, altered, head."""

    rows_checked: int
    first_broken_seq: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        """The verdict in Chinese, naming the first broken row."""
        if self.intact:
            return f"审计日志完整：共 {self.rows_checked} 条记录，哈希链校验通过。"
        where = f"第 {self.first_broken_seq} 条记录"
        reasons = {
            "missing": f"{where}缺失（被删除）。",
            "relinked": f"{where}与前一条记录的哈希链接不符：前面的记录被删除、替换或调换了顺序。",
            "altered": f"{where}的内容被改动（哈希值不符）。",
            "head": f"{where}与链头记录不符：最新的记录被删除、替换，或有记录绕过本程序被添加。",
        }
        return "审计日志已被破坏：" + reasons.get(self.problem or "", f"{where}异常。")


def canonical_row(
    seq: int, occurred_at: str, kind: str, operator: str, terminal: str, subject: str, details: str
) -> bytes:
    """The bytes hashed for one row: canonical JSON (sorted keys, no spaces, UTF-8) of the stored column text."""
    row = {
        "seq": seq,
        "occurred_at": occurred_at,
        "kind": kind,
        "operator": operator,
        "terminal": terminal,
        "subject": subject,
        "details": details,
    }
    return sorted_json_bytes(row)


def chain_hash(prev_hash: str, canonical_row: bytes) -> str:
    """sha256(prev_hash || canonical row), hex."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_row).hexdigest()


def genesis_hash(store: str) -> str:
    """The ``prev_hash`` of the first row: binds the chain to this store."""
    return hashlib.sha256(b"lianjie/audit/v1\x00" + store.encode("utf-8")).hexdigest()


def _head(session: Session) -> tuple[int, str] | None:
    value = read_meta(session, AUDIT_HEAD)
    if value is None:
        return None
    seq, _, row_hash = value.partition(":")
    return int(seq), row_hash


def _details_text(details: Mapping[str, DetailValue] | None) -> str:
    values = dict(details or {})
    for key, value in values.items():
        if any(word in key.lower() for word in _SECRET_WORDS):
            raise ValueError(f"audit details must not carry secrets (key {key!r})")
        if not isinstance(value, str | int | bool | type(None)):
            raise TypeError(f"audit detail {key!r} must be text, a number, a flag or empty")
    return sorted_json(values)


_INSERT_ROW = Prepared(insert(table_of(AuditEntry)))  # built once: every audited action runs it


def append_audit(
    session: Session,
    kind: AuditKind,
    *,
    operator: str,
    terminal: str,
    subject: str = "",
    details: Mapping[str, DetailValue] | None = None,
    now: dt.datetime | None = None,
) -> AuditRecord:
    """Append one row in the caller's transaction, so it commits or rolls back with the change it records."""
    details_text = _details_text(details)
    head = _head(session)
    prev_seq, prev_hash = head if head is not None else (0, genesis_hash(store_id(session)))
    seq = prev_seq + 1
    occurred_at = now if now is not None else dt.datetime.now(dt.UTC)
    stamp = utc_text(occurred_at)
    row_hash = chain_hash(prev_hash, canonical_row(seq, stamp, kind.value, operator, terminal, subject, details_text))
    _INSERT_ROW.run(
        session,
        {
            "seq": seq, "occurred_at": occurred_at, "kind": kind.value, "operator": operator, "terminal": terminal,
            "subject": subject, "details": details_text, "prev_hash": prev_hash, "row_hash": row_hash,
        },
    )  # fmt: skip
    write_meta(session, AUDIT_HEAD, f"{seq}:{row_hash}")
    return AuditRecord(
        seq, occurred_at.astimezone(dt.UTC), kind.value, operator, terminal, subject, json.loads(details_text), row_hash
    )


def _raw_rows(session: Session) -> Iterator[tuple[int, str, str, str, str, str, str, str, str]]:
    # Raw column text, exactly as hashed: no type conversion between the disk and the check.
    result = session.execute(
        text(
            "SELECT seq, occurred_at, kind, operator, terminal, subject, details, prev_hash, row_hash "
            "FROM audit_log ORDER BY seq"
        )
    )
    for row in result.yield_per(1000):
        yield (int(row[0]), *(str(v) for v in row[1:]))  # type: ignore[misc]


def verify_audit_chain(session: Session) -> AuditVerdict:
    """Check every row and the head; the verdict names the first broken row."""
    expected_seq, expected_prev = 1, genesis_hash(store_id(session))
    checked = 0
    for seq, stamp, kind, operator, terminal, subject, details, prev_hash, row_hash in _raw_rows(session):
        if seq != expected_seq:
            return AuditVerdict(checked, expected_seq, "missing")
        if prev_hash != expected_prev:
            return AuditVerdict(checked, seq, "relinked")
        if chain_hash(prev_hash, canonical_row(seq, stamp, kind, operator, terminal, subject, details)) != row_hash:
            return AuditVerdict(checked, seq, "altered")
        checked += 1
        expected_seq, expected_prev = seq + 1, row_hash
    head = _head(session)
    last_seq = expected_seq - 1
    if head is None:
        return AuditVerdict(checked, 1, "head") if checked else AuditVerdict(checked)
    head_seq, head_hash = head
    if head_seq > last_seq:
        return AuditVerdict(checked, last_seq + 1, "head")  # the newest rows were deleted
    if head_seq < last_seq:
        return AuditVerdict(checked, head_seq + 1, "head")  # rows were added behind the program's back
    if head_hash != expected_prev:
        return AuditVerdict(checked, last_seq, "head")
    return AuditVerdict(checked)


def list_audit(session: Session, *, after: int = 0, limit: int = 100) -> tuple[AuditRecord, ...]:
    """Audit rows in order, from ``after`` (exclusive)."""
    query = select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(max(1, min(limit, 1000)))
    return tuple(
        AuditRecord(r.seq, r.occurred_at, r.kind, r.operator, r.terminal, r.subject, json.loads(r.details), r.row_hash)
        for r in session.scalars(query)
    )
