"""咨询, 提前介入, 联席会议, 备案, 监督检查 as lists and histories for the pages (seed §10–§12, §14, §18)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.affairs import ConsultationState, InspectionState, LinkageFilingState, MeetingState
from app.domain.deadlines import DEFAULT_POLICY, DeadlinePolicy, DeadlineRuleId, WorkingCalendar
from app.domain.events import Event
from app.models.directory import list_agencies
from app.models.events import affair_events
from app.models.store import Store
from app.models.tables import AffairRow
from app.services.affairs import affair_state

AffairState = ConsultationState | MeetingState | LinkageFilingState | InspectionState
AFFAIR_TYPES = {"consultation": "案件咨询", "meeting": "联席会议", "linkage": "衔接备案", "inspection": "监督检查"}


@dataclass(frozen=True)
class HistoryLine:
    """One record of an affair: when, what, by whom."""

    occurred_at: dt.datetime
    entered_at: dt.datetime
    label: str
    agency: str
    operator_id: str
    text: str


@dataclass(frozen=True)
class AffairSummary:
    """One row of an affairs page, with the record's history for the detail."""

    affair_id: str
    affair_type: str
    title: str
    opener: str
    counterpart: str
    opened_at: dt.datetime
    closed: bool
    status: str
    due: dt.date | None
    due_note: str
    history: tuple[HistoryLine, ...]


_TEXT_FIELDS = ("question", "answer", "reasons", "agenda", "minutes", "summary", "findings", "document_number")


def _text(event: Event) -> str:
    return "；".join(str(getattr(event, f)) for f in _TEXT_FIELDS if getattr(event, f, ""))


def _status(
    state: AffairState, policy: DeadlinePolicy, calendar: WorkingCalendar
) -> tuple[str, str, dt.date | None, str]:
    """(title, status, due day, note) of an affair."""
    if isinstance(state, ConsultationState):
        if state.answered_at is not None:
            return "案件咨询", "已答复", None, ""
        if state.difficult:
            return "案件咨询", "疑难复杂，不受3个工作日限制", None, "已认定为疑难复杂案件（seed §11）"
        # seed §11: the consulted agency answers within 3 working days unless the case is difficult
        due = policy.rule(DeadlineRuleId.CONSULTATION_ANSWER).due(state.asked_at, calendar)
        return "案件咨询", "待答复", due.last_day, "3个工作日内答复（疑难复杂案件除外）"
    if isinstance(state, MeetingState):
        held = state.held_at is not None
        day = state.scheduled_for
        return f"{day:%Y-%m-%d} 联席会议", "已召开" if held else "待召开", None if held else day, "会议日期"
    if isinstance(state, LinkageFilingState):
        reported = state.reported_at is not None
        return "衔接备案", "已报送领导小组办公室" if reported else "已备案，待报送", None, ""
    notice = state.notice_number
    return "专项监督检查", f"已通报（{notice}）" if notice else "已检查，待通报", None, ""


def affair_summaries(
    store: Store, affair_type: str, calendar: WorkingCalendar, policy: DeadlinePolicy = DEFAULT_POLICY,
    limit: int = 300,
) -> tuple[AffairSummary, ...]:  # fmt: skip
    """The affairs of one type known here, newest first, each with its history."""

    def load(session: Session) -> list[tuple[AffairRow, tuple[Event, ...]]]:
        query = (
            select(AffairRow).where(AffairRow.affair_type == affair_type).order_by(AffairRow.opened_at.desc())
        ).limit(limit)
        return [(row, affair_events(session, row.affair_id)) for row in session.scalars(query)]

    loaded, entries = store.read(lambda s: (load(s), list_agencies(s)))
    names = {e.agency.code: e.agency.name for e in entries}
    found = []
    for row, events in loaded:
        title, status, due, note = _status(affair_state(store, row.affair_id), policy, calendar)
        history = tuple(
            HistoryLine(e.occurred_at, e.entered_at, e.label, names.get(e.agency_code, e.agency_code), e.operator_id,
                        _text(e))
            for e in events
        )  # fmt: skip
        first_text = history[0].text if history else ""
        found.append(
            AffairSummary(
                row.affair_id, row.affair_type, f"{title}：{first_text[:40]}" if first_text else title,
                names.get(row.opened_by, row.opened_by), names.get(row.counterpart, row.counterpart), row.opened_at,
                row.closed, status, due, note, history,
            )
        )  # fmt: skip
    return tuple(found)
