"""The 3-working-day entry rule of seed §8: which records carry it, when they are due, whether they were late.

Lateness is always derived from ``occurred_at`` and the (first) ``entered_at``; it is never stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

from app.domain.agencies import AgencyKind
from app.domain.deadlines import DEFAULT_POLICY, DeadlinePolicy, DeadlineRuleId, Due, WorkingCalendar
from app.domain.events import Event, EventKind

_K = EventKind
# seed §8, record by record: who must enter what within 3 working days of the decision (or of receiving a judgment)
ENTRY_RECORDS: Mapping[AgencyKind, frozenset[EventKind]] = MappingProxyType({
    # 行政执法机关: penalty cases once effective; transfers; reconsideration requests; supervision suggestions
    AgencyKind.ENFORCEMENT: frozenset({
        _K.PENALTY_EFFECTIVE, _K.TRANSFERRED, _K.RECONSIDERATION_REQUESTED,
        _K.SUPERVISION_SUGGESTED,
    }),
    # 公安机关: filing and reconsideration decisions, decisions after supervision, arrest and prosecution requests
    AgencyKind.POLICE: frozenset({
        _K.FILING_DECISION, _K.RECONSIDERATION_DECIDED, _K.EXPLANATION_GIVEN, _K.ARREST_REQUESTED,
        _K.PROSECUTION_REQUESTED,
    }),
    # 人民检察院: transfer suggestions, filing supervision, arrest and prosecution decisions, judgments received
    AgencyKind.PROCURATORATE: frozenset({
        _K.TRANSFER_SUGGESTED, _K.EXPLANATION_REQUIRED, _K.EXPLANATION_ACCEPTED, _K.FILING_NOTICED,
        _K.ARREST_DECIDED, _K.PROSECUTION_DECIDED, _K.JUDGMENT_ENTERED,
    }),
})  # fmt: skip


def requires_entry(event: Event, *, simple_procedure: bool = False) -> bool:
    """Whether seed §8 sets a 3-working-day entry deadline for this record.

    ``simple_procedure``: the case's penalty was decided by 简易程序, which seed §8 leaves out."""
    if simple_procedure and event.kind is EventKind.PENALTY_EFFECTIVE:
        return False
    return event.kind in ENTRY_RECORDS.get(event.agency_kind, frozenset())


def entry_deadline(event: Event, calendar: WorkingCalendar, policy: DeadlinePolicy = DEFAULT_POLICY) -> Due | None:
    """When the record had to be on the platform: 3 working days after it happened (seed §8), or None."""
    if not requires_entry(event):
        return None
    return policy.due(DeadlineRuleId.ENTRY, event.occurred_at, calendar)


def entered_late(
    event: Event,
    calendar: WorkingCalendar,
    *,
    first_entered_at: dt.datetime | None = None,
    policy: DeadlinePolicy = DEFAULT_POLICY,
) -> bool | None:
    """True if entered after its deadline, False if in time, None if no entry rule applies.

    ``first_entered_at`` is the entry time of the record a correction replaces (``first_entry_times``)."""
    due = entry_deadline(event, calendar, policy)
    if due is None:
        return None
    return due.is_late(first_entered_at or event.entered_at)
