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
from collections.abc import Callable, Mapping
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
        return {name: encode_value(getattr(self, name)) for name in _payload_names(type(self))}

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
    encoder = _ENCODERS.get(type(value))
    if encoder is None:
        encoder = _ENCODERS[type(value)] = _encoder_for(type(value))
    return encoder(value)


# One encoder per value type and one decoder per type hint, built on first use: a record or a case state is encoded
# and decoded field by field for every packet received (the generic walk asked ``isinstance`` and ``get_origin``
# afresh for every value, ≈ 80 calls per transfer packet).
Encoder = Callable[[Any], Any]
Decoder = Callable[[object, str], Any]
_ENCODERS: dict[type, Encoder] = {}
_DECODERS: dict[tuple[Any, int], tuple[Decoder, object]] = {}


def _same(value: Any) -> Any:
    return value


def _encoder_for(cls: type) -> Encoder:
    if issubclass(cls, enum.Enum):
        return lambda value: value.value
    if issubclass(cls, bool | int | str) or cls is type(None):
        return _same
    if issubclass(cls, Decimal):
        return str
    if issubclass(cls, dt.datetime):
        return lambda value: value.astimezone(CST).isoformat()
    if issubclass(cls, dt.date):
        return lambda value: value.isoformat()
    if issubclass(cls, tuple):
        return lambda value: [encode_value(v) for v in value]
    if is_dataclass(cls):
        names = tuple(f.name for f in fields(cls))
        return lambda value: {name: encode_value(getattr(value, name)) for name in names}

    def refuse(value: Any) -> Any:
        raise TypeError(f"cannot encode {type(value).__name__}")

    return refuse


def _fail(path: str, expected: str) -> EventFormatError:
    return EventFormatError(
        f"{path}: expected {expected}", user_message=f"记录字段“{path}”格式不正确：应为{expected}。"
    )


def decode_value(hint: Any, raw: object, path: str, nested: Mapping[type, Mapping[str, Any]] | None = None) -> Any:
    """Decode and check one JSON value against a field's type hint; hostile input is refused with the field named.

    ``nested`` gives the field hints of the dataclasses that may appear inside (snapshots of case states). A JSON
    array may come as a list or, from a verified packet's read-only manifest, as a tuple."""
    return _decoder(hint, nested)(raw, path)


def decoder_of(hint: Any) -> Decoder:
    """The decoder of one field's type hint: ``decoder_of(hint)(raw, path)`` is ``decode_value(hint, raw, path)``."""
    return _decoder(hint, None)


def _decoder(hint: Any, nested: Mapping[type, Mapping[str, Any]] | None) -> Decoder:
    key = (hint, id(nested))
    found = _DECODERS.get(key)
    if found is None or found[1] is not nested:  # the entry holds ``nested``, so its id is not reused meanwhile
        found = _DECODERS[key] = (_build_decoder(hint, nested), nested)
    return found[0]


def _build_decoder(hint: Any, nested: Mapping[type, Mapping[str, Any]] | None) -> Decoder:
    if nested is not None and hint in nested:
        return _dataclass_decoder(hint, nested)
    origin = typing.get_origin(hint)
    if origin is types.UnionType or origin is typing.Union:
        options = typing.get_args(hint)
        optional = type(None) in options
        (inner,) = [o for o in options if o is not type(None)]

        def union(raw: object, path: str) -> Any:
            return None if raw is None and optional else _decoder(inner, nested)(raw, path)

        return union
    if origin is tuple:
        return _tuple_decoder(typing.get_args(hint), nested)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        expected = "、".join(str(m.value) for m in hint)

        def member(raw: object, path: str) -> Any:
            try:
                return hint(raw)
            except ValueError:
                raise _fail(path, expected) from None

        return member
    if hint in _PLAIN:
        return _PLAIN[hint]
    raise TypeError(f"unsupported field type {hint!r}")


def _dataclass_decoder(hint: Any, nested: Mapping[type, Mapping[str, Any]]) -> Decoder:
    field_hints = nested[hint]
    names = frozenset(field_hints)

    def dataclass_(raw: object, path: str) -> Any:
        if not isinstance(raw, Mapping) or set(raw) != names:
            raise _fail(path, f"{hint.__name__} 对象")
        return hint(**{k: _decoder(h, nested)(raw[k], f"{path}.{k}") for k, h in field_hints.items()})

    return dataclass_


def _tuple_decoder(args: tuple[Any, ...], nested: Mapping[type, Mapping[str, Any]] | None) -> Decoder:
    if len(args) == 2 and args[1] is Ellipsis:
        item = args[0]

        def many(raw: object, path: str) -> Any:
            if not isinstance(raw, list | tuple):
                raise _fail(path, "列表")
            decode = _decoder(item, nested)
            return tuple(decode(value, f"{path}[{i}]") for i, value in enumerate(raw))

        return many

    def fixed(raw: object, path: str) -> Any:
        if not isinstance(raw, list | tuple):
            raise _fail(path, "列表")
        if len(raw) != len(args):
            raise _fail(path, f"{len(args)}项列表")
        pairs = enumerate(zip(args, raw, strict=True))
        return tuple(_decoder(a, nested)(value, f"{path}[{i}]") for i, (a, value) in pairs)

    return fixed


def _bool(raw: object, path: str) -> bool:
    if not isinstance(raw, bool):
        raise _fail(path, "true 或 false")
    return raw


def _int(raw: object, path: str) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise _fail(path, "整数")
    return raw


def _str(raw: object, path: str) -> str:
    if not isinstance(raw, str) or len(raw) > _MAX_TEXT:
        raise _fail(path, "文字")
    return raw


def _decimal(raw: object, path: str) -> Decimal:
    if not isinstance(raw, str) or not _DECIMAL.fullmatch(raw):
        raise _fail(path, "十进制数字文本")
    return Decimal(raw)


def _datetime(raw: object, path: str) -> dt.datetime:
    if not isinstance(raw, str):
        raise _fail(path, "带时区的时间")
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise _fail(path, "带时区的时间") from None
    if value.tzinfo is None:
        raise _fail(path, "带时区的时间")
    return value


def _date(raw: object, path: str) -> dt.date:
    if not isinstance(raw, str):
        raise _fail(path, "日期")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise _fail(path, "日期") from None


_PLAIN: Mapping[Any, Decoder] = types.MappingProxyType(
    {bool: _bool, int: _int, str: _str, Decimal: _decimal, dt.datetime: _datetime, dt.date: _date}
)


_PAYLOAD_NAMES: dict[type, tuple[str, ...]] = {}


def _payload_names(cls: type[Event]) -> tuple[str, ...]:
    names = _PAYLOAD_NAMES.get(cls)
    if names is None:
        names = _PAYLOAD_NAMES[cls] = tuple(f.name for f in fields(cls) if f.name not in ENVELOPE_FIELDS)
    return names


def payload_hints(cls: type[Event]) -> Mapping[str, Any]:
    """The payload fields of an event class and their resolved type hints."""
    hints = typing.get_type_hints(cls)
    return types.MappingProxyType({f.name: hints[f.name] for f in fields(cls) if f.name not in ENVELOPE_FIELDS})
