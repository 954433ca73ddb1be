"""Forms that answer an earlier record of the same case: 书面回复 and 跟踪监督 of a prosecutorial or judicial document
(seed §5, §6), 派员提前介入 on an invitation (seed §12). The earlier record is picked from the case's history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.events import EventKind
from app.domain.timezone import CST
from app.services import case_actions_criminal as criminal
from app.services import case_actions_transfer as transfer
from app.services.case_view import TimelineEntry
from app.ui.forms.fields import FieldSpec
from app.ui.forms.spec import FormSpec, named, with_choices, yes_no

_DOCUMENTS = frozenset({EventKind.DOCUMENT_ISSUED.value, EventKind.OPINION_ISSUED.value})


@dataclass(frozen=True)
class Reference:
    """The field of a form that names an earlier record, and the kinds of record it may name."""

    field: str
    kinds: frozenset[str]


DOCUMENT_REPLIED = FormSpec(
    "document.replied",
    "书面回复",
    (
        FieldSpec("document_id", "所回复的文书(&F)", "choice"),
        yes_no("written", "回复方式(&W)", "书面回复", "其他方式"),
        FieldSpec("summary", "整改情况(&S)", "long"),
    ),
    named(criminal.reply_to_document),
    note="实施意见第5、6条：收到检察建议书、检察意见书、纠正违法通知书或司法建议书后，书面回复整改情况。",
)

DOCUMENT_FOLLOWED_UP = FormSpec(
    "document.followed_up",
    "跟踪监督",
    (
        FieldSpec("document_id", "所跟踪的文书(&F)", "choice"),
        FieldSpec("result", "跟踪情况(&R)", "long"),
        yes_no("closed", "是否结束(&E)", "整改到位，结束跟踪", "继续跟踪"),
    ),
    named(criminal.follow_up_document),
    note="实施意见第5条：制发机关对整改情况跟踪监督。",
)

INTERVENTION_SENT = FormSpec(
    "intervention.sent",
    "派员提前介入",
    (
        FieldSpec("invitation_id", "所应邀请(&F)", "choice"),
        FieldSpec("officers", "派出人员（以顿号分隔）(&O)", "list"),
    ),
    named(transfer.send_intervention),
    note="实施意见第12条：受邀单位3日内派员提前介入。",
)

FOLLOWUPS: tuple[FormSpec, ...] = (DOCUMENT_REPLIED, DOCUMENT_FOLLOWED_UP, INTERVENTION_SENT)

REFERENCES: dict[str, Reference] = {
    DOCUMENT_REPLIED.key: Reference("document_id", _DOCUMENTS),
    DOCUMENT_FOLLOWED_UP.key: Reference("document_id", _DOCUMENTS),
    INTERVENTION_SENT.key: Reference("invitation_id", frozenset({EventKind.INTERVENTION_INVITED.value})),
}


def earlier_records(reference: Reference, timeline: Iterable[TimelineEntry]) -> tuple[tuple[str, str], ...]:
    """The picker's (event id, text) of the records in force the field may name, newest first."""
    entries = [e for e in timeline if e.in_force and e.kind in reference.kinds]
    entries.sort(key=lambda e: e.occurred_at, reverse=True)
    return tuple(
        (e.event_id, f"{e.occurred_at.astimezone(CST).strftime('%Y-%m-%d %H:%M')} {e.label}（{e.agency_code}）")
        for e in entries
    )


def with_earlier_records(form: FormSpec, timeline: Iterable[TimelineEntry]) -> FormSpec:
    """``form`` with its picker of earlier records filled from the case's timeline (unchanged if it has none)."""
    reference = REFERENCES.get(form.key)
    if reference is None:
        return form
    return with_choices(form, reference.field, earlier_records(reference, timeline))
