"""The event envelope shared by every record on the platform, and its exact JSON codec.

A case (or a meeting, a consultation, an inspection) is an append-only sequence of events. An event is immutable;
a correction is a new event whose ``supersedes`` names the event it replaces (ARCHITECTURE.md "Packets").
Each event records when it happened (``occurred_at``), when it was entered (``entered_at``) and by whom
(operator and agency), so that the 3-working-day entry rule of seed §8 can be judged from the two times.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal
from typing import Any, ClassVar

from app.domain.agencies import AgencyKind
from app.domain.errors import DomainError
from app.domain.identifiers import validate_credit_code
from app.domain.timezone import CST

JSON = dict[str, Any]

_DECIMAL = re.compile(r"-?\d{1,15}(\.\d{1,6})?")
_MAX_TEXT = 20_000  # characters; a packet's payload text is bounded (hostile input from other terminals)


class EventFormatError(DomainError):
    """A record received or loaded does not have the form of a platform event."""

    user_message = "记录格式不正确。"


class EventKind(enum.StrEnum):
    """Stable names of every event kind; they appear in packets and in the store and never change."""

    # administrative case (seed §8; 310号令 Art.3, Art.11)
    CASE_OPENED = "case.opened"
    PENALTY_DECIDED = "penalty.decided"
    PENALTY_EFFECTIVE = "penalty.effective"
    TRANSFER_SUGGESTED = "transfer.suggested"
    MISCONDUCT_REPORTED = "misconduct.reported"
    MISCONDUCT_HANDLED = "misconduct.handled"
    INTERVENTION_INVITED = "intervention.invited"
    INTERVENTION_SENT = "intervention.sent"
    # transfer (310号令 Art.5–13)
    TRANSFER_REPORTED = "transfer.reported"
    HEAD_DECISION = "transfer.head_decision"
    TRANSFERRED = "transfer.sent"
    TRANSFER_RECEIPTED = "transfer.receipted"
    TRANSFER_FORWARDED = "transfer.forwarded"
    FILING_DECISION = "filing.decision"
    RECONSIDERATION_REQUESTED = "reconsideration.requested"
    RECONSIDERATION_DECIDED = "reconsideration.decided"
    SUPERVISION_SUGGESTED = "supervision.suggested"
    SEIZED_ITEMS_HANDED_OVER = "items.handed_over"
    CASE_RETURNED = "case.returned"
    # procuratorate supervision and criminal procedure (刑诉规则 2019 Art.559–564; 刑诉法 Art.91, 172, 177)
    EXPLANATION_REQUIRED = "supervision.explanation_required"
    EXPLANATION_GIVEN = "supervision.explanation_given"
    EXPLANATION_ACCEPTED = "supervision.explanation_accepted"
    FILING_NOTICED = "supervision.filing_noticed"
    CASE_WITHDRAWN = "case.withdrawn"
    ARREST_REQUESTED = "arrest.requested"
    ARREST_DECIDED = "arrest.decided"
    PROSECUTION_REQUESTED = "prosecution.requested"
    PROSECUTION_DECIDED = "prosecution.decided"
    JUDGMENT_ENTERED = "judgment.entered"
    # supervisory documents (seed §5, §6) and reverse linkage (刑诉法 Art.177 ¶3)
    DOCUMENT_ISSUED = "document.issued"
    OPINION_ISSUED = "document.non_prosecution_opinion"
    DOCUMENT_REPLIED = "document.replied"
    DOCUMENT_FOLLOWED_UP = "document.followed_up"
    # corrections
    RETRACTION = "record.retracted"
    # aggregates outside a case (seed §10, §11, §14, §18)
    CONSULTATION_ASKED = "consultation.asked"
    CONSULTATION_MARKED_DIFFICULT = "consultation.marked_difficult"
    CONSULTATION_ANSWERED = "consultation.answered"
    MEETING_CONVENED = "meeting.convened"
    MEETING_HELD = "meeting.held"
    LINKAGE_FILED = "linkage.filed"
    LINKAGE_REPORTED = "linkage.reported"
    INSPECTION_CONDUCTED = "inspection.conducted"
    INSPECTION_NOTICE_PUBLISHED = "inspection.notice_published"


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    """The envelope every record carries. Subclasses add the payload fields and declare who may record them."""

    kind: ClassVar[EventKind]
    label: ClassVar[str]  # the record's Chinese name, as the operator reads it
    recorders: ClassVar[frozenset[AgencyKind]]  # the agency kinds that may enter it

    event_id: str
    case_id: str
    occurred_at: dt.datetime
    entered_at: dt.datetime
    operator_id: str
    agency_code: str
    agency_kind: AgencyKind
    supersedes: str | None = None

    def __post_init__(self) -> None:
        for name in ("occurred_at", "entered_at"):
            value = getattr(self, name)
            if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
                raise EventFormatError(
                    f"{name} must be timezone-aware", user_message="记录的时间必须带时区（+08:00）。"
                )
            # canonical form: every time is kept in China Standard Time so that the JSON form is unique
            object.__setattr__(self, name, value.astimezone(CST))
        object.__setattr__(self, "agency_kind", AgencyKind(self.agency_kind))
        # ARCHITECTURE.md "Identities": an agency is known by its 统一社会信用代码
        object.__setattr__(self, "agency_code", validate_credit_code(self.agency_code))
        for name in ("event_id", "case_id", "operator_id"):
            if not getattr(self, name):
                raise EventFormatError(f"{name} is empty", user_message=f"记录缺少必填项：{name}。")
        if self.supersedes == self.event_id:
            raise EventFormatError("event supersedes itself", user_message="更正记录不能更正其自身。")

    @property
    def sort_key(self) -> tuple[dt.datetime, dt.datetime, str]:
        """The canonical order of a history: when it happened, then when it was entered, then the id."""
        return (self.occurred_at, self.entered_at, self.event_id)

    def payload(self) -> JSON:
        """The kind-specific fields, JSON-able."""
        return {f.name: encode_value(getattr(self, f.name)) for f in fields(self) if f.name not in ENVELOPE_FIELDS}

    def to_dict(self) -> JSON:
        """The JSON-able form; ``event_from_dict(e.to_dict()) == e`` and the dict round-trips exactly."""
        return {
            "kind": str(self.kind),
            "event_id": self.event_id,
            "case_id": self.case_id,
            "occurred_at": self.occurred_at.isoformat(),
            "entered_at": self.entered_at.isoformat(),
            "operator_id": self.operator_id,
            "agency_code": self.agency_code,
            "agency_kind": str(self.agency_kind),
            "supersedes": self.supersedes,
            "payload": self.payload(),
        }


ENVELOPE_FIELDS = frozenset(
    {"event_id", "case_id", "occurred_at", "entered_at", "operator_id", "agency_code", "agency_kind", "supersedes"}
)


def encode_value(value: object) -> Any:
    """Encode one field value to JSON: decimals and times as strings, enums by value, tuples as lists."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(CST).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [encode_value(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode_value(getattr(value, f.name)) for f in fields(value)}
    raise TypeError(f"cannot encode {type(value).__name__}")


def _fail(path: str, expected: str) -> EventFormatError:
    return EventFormatError(
        f"{path}: expected {expected}", user_message=f"记录字段“{path}”格式不正确：应为{expected}。"
    )


def decode_value(hint: Any, raw: object, path: str, nested: Mapping[type, Mapping[str, Any]] | None = None) -> Any:
    """Decode and check one JSON value against a field's type hint; hostile input is refused with the field named.

    ``nested`` gives the field hints of the dataclasses that may appear inside (snapshots of case states)."""
    if nested is not None and hint in nested:
        field_hints = nested[hint]
        if not isinstance(raw, Mapping) or set(raw) != set(field_hints):
            raise _fail(path, f"{hint.__name__} 对象")
        return hint(**{k: decode_value(h, raw[k], f"{path}.{k}", nested) for k, h in field_hints.items()})
    origin = typing.get_origin(hint)
    if origin is types.UnionType or origin is typing.Union:
        options = typing.get_args(hint)
        if raw is None and type(None) in options:
            return None
        (inner,) = [o for o in options if o is not type(None)]
        return decode_value(inner, raw, path, nested)
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(raw, list):
            raise _fail(path, "列表")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode_value(args[0], item, f"{path}[{i}]", nested) for i, item in enumerate(raw))
        if len(raw) != len(args):
            raise _fail(path, f"{len(args)}项列表")
        pairs = enumerate(zip(args, raw, strict=True))
        return tuple(decode_value(a, item, f"{path}[{i}]", nested) for i, (a, item) in pairs)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(raw)
        except ValueError:
            raise _fail(path, "、".join(str(m.value) for m in hint)) from None
    if hint is bool:
        if not isinstance(raw, bool):
            raise _fail(path, "true 或 false")
        return raw
    if hint is int:
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise _fail(path, "整数")
        return raw
    if hint is str:
        if not isinstance(raw, str) or len(raw) > _MAX_TEXT:
            raise _fail(path, "文字")
        return raw
    if hint is Decimal:
        if not isinstance(raw, str) or not _DECIMAL.fullmatch(raw):
            raise _fail(path, "十进制数字文本")
        return Decimal(raw)
    if hint is dt.datetime:
        if not isinstance(raw, str):
            raise _fail(path, "带时区的时间")
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise _fail(path, "带时区的时间") from None
        if value.tzinfo is None:
            raise _fail(path, "带时区的时间")
        return value
    if hint is dt.date:
        if not isinstance(raw, str):
            raise _fail(path, "日期")
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise _fail(path, "日期") from None
    raise TypeError(f"unsupported field type {hint!r}")


def payload_hints(cls: type[Event]) -> Mapping[str, Any]:
    """The payload fields of an event class and their resolved type hints."""
    hints = typing.get_type_hints(cls)
    return types.MappingProxyType({f.name: hints[f.name] for f in fields(cls) if f.name not in ENVELOPE_FIELDS})
