"""Small aggregates outside a case: consultations (seed §11), joint meetings (§10), linkage filing (§14),
inspections and notices (§18). Each folds its own events, like a case; ``case_id`` is the aggregate id."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from app.domain.agencies import AgencyKind
from app.domain.deadlines.rules import DeadlineRuleId
from app.domain.events import (
    ConsultationAnswered,
    ConsultationAsked,
    ConsultationMarkedDifficult,
    Event,
    InspectionConducted,
    InspectionNoticePublished,
    LinkageFiled,
    LinkageReported,
    LinkageType,
    MeetingConvened,
    MeetingHeld,
    MeetingType,
)
from app.domain.lifecycle.guards import IllegalMove, refuse
from app.domain.lifecycle.machine import EmptyHistory, effective_history
from app.domain.lifecycle.state import Obligation

_ENFORCEMENT_SIDE = frozenset({AgencyKind.ENFORCEMENT})
_JUSTICE_SIDE = frozenset({AgencyKind.POLICE, AgencyKind.PROCURATORATE})


def _check_recorder(event: Event) -> None:
    if event.agency_kind not in type(event).recorders:
        raise refuse(event, f"{event.agency_kind.label}不能录入此项。")


@dataclass(frozen=True, slots=True)
class ConsultationState:
    """A consultation: asked, perhaps marked difficult, answered (seed §11)."""

    case_id: str
    asker_code: str
    consulted_code: str
    written: bool
    asked_at: dt.datetime
    obligations: tuple[Obligation, ...]
    difficult: bool = False
    answered_at: dt.datetime | None = None

    def open_obligations(self) -> tuple[Obligation, ...]:
        """The answer period, while it runs."""
        return tuple(o for o in self.obligations if o.closed_at is None)


def _close(state: ConsultationState, event: Event, fulfilled: bool) -> ConsultationState:
    ledger = tuple(
        dataclasses.replace(o, closed_at=event.occurred_at, closed_by=event.event_id, fulfilled=fulfilled)
        if o.closed_at is None
        else o
        for o in state.obligations
    )
    return dataclasses.replace(state, obligations=ledger)


def apply_consultation(state: ConsultationState | None, event: Event) -> ConsultationState:
    """One step of a consultation; refused with the reason in Chinese."""
    _check_recorder(event)
    if state is None:
        if not isinstance(event, ConsultationAsked):
            raise refuse(event, "尚无该咨询。")
        # seed §11: agencies ask police/procuratorate on thresholds and evidence, and are asked on professional matters
        sides = (_ENFORCEMENT_SIDE, _JUSTICE_SIDE)
        if not any(event.agency_kind in a and event.consulted_kind in b for a, b in (sides, sides[::-1])):
            raise refuse(event, "案件咨询在行政执法机关与公安机关、人民检察院之间进行（兴庆区实施意见第11条）。")
        answer = Obligation(
            f"{DeadlineRuleId.CONSULTATION_ANSWER}:{event.event_id}", DeadlineRuleId.CONSULTATION_ANSWER,
            event.consulted_code, event.occurred_at, event.event_id, subject=event.event_id,
        )  # fmt: skip
        return ConsultationState(
            event.case_id, event.agency_code, event.consulted_code, event.written, event.occurred_at, (answer,)
        )
    if event.agency_code != state.consulted_code:
        raise refuse(event, "只有接受咨询的机关可以录入。")
    if state.answered_at is not None:
        raise refuse(event, "该咨询已答复。")
    if isinstance(event, ConsultationMarkedDifficult):
        # seed §11: the 3-working-day answer does not bind difficult or complex cases
        return dataclasses.replace(_close(state, event, fulfilled=False), difficult=True)
    if isinstance(event, ConsultationAnswered):
        if state.written and not event.written:
            raise refuse(event, "书面咨询应当予以书面答复（兴庆区实施意见第11条）。")
        return dataclasses.replace(_close(state, event, fulfilled=True), answered_at=event.occurred_at)
    raise refuse(event, "该记录不属于案件咨询。")


@dataclass(frozen=True, slots=True)
class MeetingState:
    """A joint meeting: the notice, then the minutes (seed §10)."""

    case_id: str
    meeting_type: MeetingType
    scheduled_for: dt.date
    participants: tuple[str, ...]
    held_at: dt.datetime | None = None
    minutes: str = ""


def apply_meeting(state: MeetingState | None, event: Event) -> MeetingState:
    """One step of a joint meeting."""
    _check_recorder(event)
    if state is None:
        if not isinstance(event, MeetingConvened):
            raise refuse(event, "须先发出联席会议通知（兴庆区实施意见第10条）。")
        return MeetingState(event.case_id, event.meeting_type, event.scheduled_for, event.participants)
    if isinstance(event, MeetingHeld):
        if state.held_at is not None:
            raise refuse(event, "该会议已录入纪要。")
        if not event.minutes.strip():
            raise refuse(event, "应当录入会议纪要。")
        return dataclasses.replace(state, held_at=event.occurred_at, minutes=event.minutes)
    raise refuse(event, "该记录不属于联席会议。")


@dataclass(frozen=True, slots=True)
class LinkageFilingState:
    """A 备案 of linkage and its report to the office (seed §14)."""

    case_id: str
    linkage: LinkageType
    filer_code: str
    recipient_code: str
    related_case_id: str
    reported_at: dt.datetime | None = None


# seed §14: admin↔admin linkage is filed with 法制办, admin↔criminal linkage with the procuratorate
LINKAGE_RECIPIENT: Mapping[LinkageType, AgencyKind] = MappingProxyType(
    {LinkageType.ADMIN_ADMIN: AgencyKind.LEGAL_AFFAIRS, LinkageType.ADMIN_CRIMINAL: AgencyKind.PROCURATORATE}
)


def apply_linkage_filing(state: LinkageFilingState | None, event: Event) -> LinkageFilingState:
    """One step of a linkage filing."""
    _check_recorder(event)
    if state is None:
        if not isinstance(event, LinkageFiled):
            raise refuse(event, "尚无该备案。")
        expected = LINKAGE_RECIPIENT[event.linkage]
        if event.recipient_kind is not expected:
            raise refuse(event, f"该类案件衔接应当向{expected.label}备案（兴庆区实施意见第14条）。")
        if event.linkage is LinkageType.ADMIN_ADMIN and event.agency_kind is not AgencyKind.ENFORCEMENT:
            raise refuse(event, "行政执法机关之间的案件衔接由行政执法机关备案。")
        return LinkageFilingState(
            event.case_id, event.linkage, event.agency_code, event.recipient_code, event.related_case_id
        )
    if isinstance(event, LinkageReported):
        if event.agency_code != state.recipient_code:
            raise refuse(event, "只有受理备案的机关可以报送备案情况。")
        if state.reported_at is not None:
            raise refuse(event, "备案情况已报送。")
        return dataclasses.replace(state, reported_at=event.occurred_at)
    raise refuse(event, "该记录不属于案件衔接备案。")


@dataclass(frozen=True, slots=True)
class InspectionState:
    """A 专项监督检查 and its 通报 (seed §18)."""

    case_id: str
    inspected_codes: tuple[str, ...]
    conducted_at: dt.datetime
    notice_number: str | None = None


def apply_inspection(state: InspectionState | None, event: Event) -> InspectionState:
    """One step of an inspection."""
    _check_recorder(event)
    if state is None:
        if not isinstance(event, InspectionConducted):
            raise refuse(event, "须先录入专项监督检查。")
        if not event.inspected_codes:
            raise refuse(event, "应当写明被检查的成员单位。")
        return InspectionState(event.case_id, event.inspected_codes, event.occurred_at)
    if isinstance(event, InspectionNoticePublished):
        if state.notice_number is not None:
            raise refuse(event, "该检查已通报。")
        return dataclasses.replace(state, notice_number=event.document_number)
    raise refuse(event, "该记录不属于专项监督检查。")


def fold_consultation(events: Iterable[Event]) -> ConsultationState:
    """The state of a consultation from its records (corrections resolved as for a case)."""
    state: ConsultationState | None = None
    for event in effective_history(events):
        state = apply_consultation(state, event)
    if state is None:
        raise EmptyHistory("empty consultation")
    return state


__all__ = [
    "LINKAGE_RECIPIENT", "ConsultationState", "IllegalMove", "InspectionState", "LinkageFilingState", "MeetingState",
    "apply_consultation", "apply_inspection", "apply_linkage_filing", "apply_meeting", "fold_consultation",
]  # fmt: skip
