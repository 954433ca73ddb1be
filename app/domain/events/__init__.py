"""Every record kind of the platform, and decoding of a record from its JSON form.

The registry maps each stable ``kind`` string to its class; it is an immutable table built once at import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from app.domain.agencies import AgencyKind
from app.domain.events.administrative import (
    CaseOpened,
    InterventionInvited,
    InterventionSent,
    MisconductHandled,
    MisconductReported,
    PenaltyDecided,
    PenaltyEffective,
    PenaltyProcedure,
    TransferSuggested,
    party_identifier_kind,
)
from app.domain.events.affairs import (
    ConsultationAnswered,
    ConsultationAsked,
    ConsultationMarkedDifficult,
    InspectionConducted,
    InspectionNoticePublished,
    LinkageFiled,
    LinkageReported,
    LinkageType,
    MeetingConvened,
    MeetingHeld,
    MeetingType,
)
from app.domain.events.base import (
    JSON,
    Decoder,
    Event,
    EventFormatError,
    EventKind,
    decode_value,
    decoder_of,
    payload_hints,
)
from app.domain.events.criminal import (
    ArrestDecided,
    ArrestRequested,
    CaseWithdrawn,
    ExplanationAccepted,
    ExplanationGiven,
    ExplanationRequired,
    FilingNoticed,
    JudgmentEntered,
    ProsecutionDecided,
    ProsecutionRequested,
    Verdict,
)
from app.domain.events.documents import (
    DocumentFollowedUp,
    DocumentIssued,
    DocumentReplied,
    DocumentType,
    OpinionIssued,
    Retraction,
)
from app.domain.events.transfer import (
    CaseReturned,
    FilingDecision,
    HeadDecision,
    ReconsiderationDecided,
    ReconsiderationRequested,
    SeizedItemsHandedOver,
    SupervisionSuggested,
    SupervisionTarget,
    TransferForwarded,
    TransferMaterial,
    TransferReceipted,
    Transferred,
    TransferReported,
)
from app.domain.timezone import CST

_ALL: tuple[type[Event], ...] = (
    CaseOpened, PenaltyDecided, PenaltyEffective, TransferSuggested, MisconductReported, MisconductHandled,
    InterventionInvited, InterventionSent,
    TransferReported, HeadDecision, Transferred, TransferReceipted, TransferForwarded, FilingDecision,
    ReconsiderationRequested, ReconsiderationDecided, SupervisionSuggested, SeizedItemsHandedOver, CaseReturned,
    ExplanationRequired, ExplanationGiven, ExplanationAccepted, FilingNoticed, CaseWithdrawn,
    ArrestRequested, ArrestDecided, ProsecutionRequested, ProsecutionDecided, JudgmentEntered,
    DocumentIssued, OpinionIssued, DocumentReplied, DocumentFollowedUp, Retraction,
    ConsultationAsked, ConsultationMarkedDifficult, ConsultationAnswered, MeetingConvened, MeetingHeld,
    LinkageFiled, LinkageReported, InspectionConducted, InspectionNoticePublished,
)  # fmt: skip

EVENT_TYPES: Mapping[EventKind, type[Event]] = MappingProxyType({cls.kind: cls for cls in _ALL})
_HINTS: Mapping[EventKind, Mapping[str, Any]] = MappingProxyType({cls.kind: payload_hints(cls) for cls in _ALL})
_ENVELOPE_KEYS = frozenset(
    {"kind", "event_id", "case_id", "occurred_at", "entered_at", "operator_id", "agency_code", "agency_kind"}
    | {"supersedes", "payload"}
)

assert set(EVENT_TYPES) == set(EventKind), "every EventKind has exactly one class"


def recordable_kinds(agency_kind: AgencyKind) -> frozenset[EventKind]:
    """The record kinds an agency of this kind may ever enter (the state machine further limits when)."""
    return frozenset(kind for kind, cls in EVENT_TYPES.items() if agency_kind in cls.recorders)


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """Decode a record from its JSON form, refusing anything that is not exactly an event of a known kind."""
    if not isinstance(data, Mapping):
        raise EventFormatError("event is not an object", user_message="记录格式不正确：应为对象。")
    unknown = set(data) - _ENVELOPE_KEYS
    missing = _ENVELOPE_KEYS - set(data)
    if unknown or missing:
        names = "、".join(sorted(unknown or missing))
        raise EventFormatError(
            f"envelope keys unknown={sorted(unknown)} missing={sorted(missing)}",
            user_message=f"记录格式不正确：{'多余' if unknown else '缺少'}字段 {names}。",
        )
    kind = decode_value(EventKind, data["kind"], "kind")
    fields, decoders = _PAYLOAD_DECODERS[kind]
    payload = data["payload"]
    if not isinstance(payload, Mapping) or set(payload) != fields:
        raise EventFormatError(
            f"payload keys of {kind} do not match", user_message=f"记录“{EVENT_TYPES[kind].label}”的内容字段不符。"
        )
    values = {name: decode(payload[name], name) for name, decode in decoders}
    return EVENT_TYPES[kind](
        event_id=_TEXT(data["event_id"], "event_id"),
        case_id=_TEXT(data["case_id"], "case_id"),
        occurred_at=_TIME(data["occurred_at"], "occurred_at"),
        entered_at=_TIME(data["entered_at"], "entered_at"),
        operator_id=_TEXT(data["operator_id"], "operator_id"),
        agency_code=_TEXT(data["agency_code"], "agency_code"),
        agency_kind=_AGENCY_KIND(data["agency_kind"], "agency_kind"),
        supersedes=_OPTIONAL_TEXT(data["supersedes"], "supersedes"),
        **values,
    )


# Each kind's payload field names and decoders, and the envelope's, looked up once (a received packet decodes ≈ 4
# records of ≈ 15 fields each).
_PAYLOAD_DECODERS: Mapping[EventKind, tuple[frozenset[str], tuple[tuple[str, Decoder], ...]]] = MappingProxyType(
    {kind: (frozenset(hints), tuple((n, decoder_of(h)) for n, h in hints.items())) for kind, hints in _HINTS.items()}
)
_TEXT, _TIME, _AGENCY_KIND = decoder_of(str), decoder_of(dt.datetime), decoder_of(AgencyKind)
_OPTIONAL_TEXT = decoder_of(str | None)


__all__ = [
    "CST", "EVENT_TYPES", "JSON", "ArrestDecided", "ArrestRequested", "CaseOpened", "CaseReturned", "CaseWithdrawn",
    "ConsultationAnswered", "ConsultationAsked", "ConsultationMarkedDifficult", "DocumentFollowedUp",
    "DocumentIssued", "DocumentReplied", "DocumentType", "Event", "EventFormatError", "EventKind",
    "ExplanationAccepted", "ExplanationGiven", "ExplanationRequired", "FilingDecision", "FilingNoticed",
    "HeadDecision", "InspectionConducted", "InspectionNoticePublished", "InterventionInvited", "InterventionSent",
    "JudgmentEntered", "LinkageFiled", "LinkageReported", "LinkageType", "MeetingConvened", "MeetingHeld",
    "MeetingType", "MisconductHandled", "MisconductReported", "OpinionIssued", "PenaltyDecided", "PenaltyEffective",
    "PenaltyProcedure", "ProsecutionDecided", "ProsecutionRequested", "ReconsiderationDecided",
    "ReconsiderationRequested", "Retraction", "SeizedItemsHandedOver", "SupervisionSuggested", "SupervisionTarget",
    "TransferForwarded", "TransferMaterial", "TransferReceipted", "TransferReported", "TransferSuggested",
    "Transferred", "Verdict", "event_from_dict", "party_identifier_kind", "recordable_kinds",
]  # fmt: skip
