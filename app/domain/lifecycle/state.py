"""The state of a case: a pure function of its history (``fold``), storable as a snapshot.

A snapshot (``CaseState.to_dict``) lets the store keep the folded state beside the events, so the to-do list and the
assessment never refold 10,000 histories; ``SNAPSHOT_VERSION`` changes whenever the rules change what a history
folds to, and a snapshot of another version must be refolded.
"""

from __future__ import annotations

import datetime as dt
import enum
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from app.domain.deadlines.rules import DeadlineRuleId
from app.domain.events import DocumentType, PenaltyProcedure, Verdict
from app.domain.events.base import JSON, EventFormatError, decode_value, encode_value

SNAPSHOT_VERSION = 1


class CaseStage(enum.StrEnum):
    """Where the case stands on its main line (administrative → transfer → filing → supervision → trial)."""

    ADMINISTRATIVE = "administrative"
    TRANSFER_REPORTED = "transfer_reported"
    TRANSFER_APPROVED = "transfer_approved"
    TRANSFERRED = "transferred"
    ACCEPTED = "accepted"
    FILED = "filed"
    NOT_FILED = "not_filed"
    RECONSIDERING = "reconsidering"
    NOT_FILED_UPHELD = "not_filed_upheld"
    SUPERVISION_REQUESTED = "supervision_requested"
    EXPLANATION_REQUIRED = "explanation_required"
    EXPLANATION_GIVEN = "explanation_given"
    NOT_FILED_CONFIRMED = "not_filed_confirmed"
    FILING_NOTICED = "filing_noticed"
    WITHDRAWN = "withdrawn"
    PROSECUTION_REVIEW = "prosecution_review"
    INDICTED = "indicted"
    NOT_PROSECUTED = "not_prosecuted"
    JUDGED = "judged"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        """The stage as the operator reads it."""
        return STAGE_LABELS[self]


STAGE_LABELS: Mapping[CaseStage, str] = MappingProxyType({
    CaseStage.ADMINISTRATIVE: "行政处理中",
    CaseStage.TRANSFER_REPORTED: "移送报告待负责人审批",
    CaseStage.TRANSFER_APPROVED: "已批准移送，待移送",
    CaseStage.TRANSFERRED: "已移送，待公安机关签收",
    CaseStage.ACCEPTED: "公安机关已受理，待决定是否立案",
    CaseStage.FILED: "已立案",
    CaseStage.NOT_FILED: "不予立案",
    CaseStage.RECONSIDERING: "复议中",
    CaseStage.NOT_FILED_UPHELD: "复议维持不予立案",
    CaseStage.SUPERVISION_REQUESTED: "已建议人民检察院立案监督",
    CaseStage.EXPLANATION_REQUIRED: "已要求说明不立案理由",
    CaseStage.EXPLANATION_GIVEN: "公安机关已说明理由",
    CaseStage.NOT_FILED_CONFIRMED: "不立案理由成立",
    CaseStage.FILING_NOTICED: "已通知立案",
    CaseStage.WITHDRAWN: "已撤销案件",
    CaseStage.PROSECUTION_REVIEW: "审查起诉中",
    CaseStage.INDICTED: "已提起公诉",
    CaseStage.NOT_PROSECUTED: "不起诉",
    CaseStage.JUDGED: "已判决",
    CaseStage.RETURNED: "公安机关已移送行政执法机关处理",
})  # fmt: skip


class PenaltyStatus(enum.StrEnum):
    """The administrative penalty of the case."""

    NONE = "none"
    DECIDED = "decided"
    EFFECTIVE = "effective"


class ArrestStatus(enum.StrEnum):
    """The arrest track (刑诉法 Art.87, 91)."""

    NONE = "none"
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Obligation:
    """A period someone must act in, opened by one record and closed by another.

    Optional obligations are rights with a time limit (e.g. 提请复议); they lapse instead of becoming overdue.
    The ledger keeps closed obligations too: the assessment judges them, the to-do list shows the open ones.
    """

    obligation_id: str
    rule: DeadlineRuleId
    agency_code: str
    started_at: dt.datetime
    opened_by: str
    optional: bool = False
    subject: str = ""  # the record it concerns, e.g. the document's event id
    closed_at: dt.datetime | None = None
    closed_by: str | None = None
    fulfilled: bool = False

    @property
    def is_open(self) -> bool:
        """Whether no record has closed it yet."""
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A supervisory document issued in the case, with its reply and follow-up (seed §5, §6)."""

    document_id: str
    document_type: DocumentType
    issuer_code: str
    recipient_code: str
    issued_at: dt.datetime
    replied_at: dt.datetime | None = None
    followed_up: bool = False
    closed: bool = False


@dataclass(frozen=True)  # no slots: ``evolve`` copies the instance dict in one step (a fold copies ≈ 13 states)
class CaseState:
    """Everything the rules need to know about a case, derived from its events."""

    case_id: str
    agency_code: str  # the enforcement agency that owns the case
    case_number: str
    title: str
    offence_code: str
    party_name: str
    party_id: str
    opened_at: dt.datetime
    stage: CaseStage = CaseStage.ADMINISTRATIVE
    serious: bool = False
    penalty: PenaltyStatus = PenaltyStatus.NONE
    penalty_procedure: PenaltyProcedure | None = None
    penalty_decided_at: dt.datetime | None = None
    fine: Decimal | None = None
    measures: tuple[tuple[str, Decimal], ...] = ()
    transfer_suggested: bool = False
    police_code: str | None = None
    procuratorate_code: str | None = None
    transferred_at: dt.datetime | None = None
    filed_at: dt.datetime | None = None
    items_handed_over: bool = False
    arrest: ArrestStatus = ArrestStatus.NONE
    verdict: Verdict | None = None
    obligations: tuple[Obligation, ...] = ()
    documents: tuple[DocumentRecord, ...] = ()
    reports: tuple[str, ...] = ()  # event ids of reports to the supervision organ (seed §3)
    last_event_id: str = ""
    last_occurred_at: dt.datetime | None = None
    last_entered_at: dt.datetime | None = None

    @property
    def last_key(self) -> tuple[dt.datetime, dt.datetime, str] | None:
        """The ordering key of the last record applied."""
        if self.last_occurred_at is None or self.last_entered_at is None:
            return None
        return (self.last_occurred_at, self.last_entered_at, self.last_event_id)

    def evolve(self, **changes: Any) -> CaseState:
        """A copy with ``changes``; ``dataclasses.replace`` without its per-call introspection (folds are hot)."""
        unknown = changes.keys() - _STATE_FIELDS
        if unknown:
            raise TypeError(f"unknown CaseState fields {sorted(unknown)}")
        new = object.__new__(CaseState)
        values = new.__dict__  # the frozen dataclass refuses attribute assignment, not its instance dict
        values.update(self.__dict__)
        values.update(changes)
        return new

    def open_obligations(self) -> tuple[Obligation, ...]:
        """The periods still running (or overdue)."""
        return tuple(o for o in self.obligations if o.closed_at is None)

    def document(self, document_id: str) -> DocumentRecord | None:
        """The document issued by the record ``document_id``, if any."""
        return next((d for d in self.documents if d.document_id == document_id), None)

    def to_dict(self) -> JSON:
        """The snapshot form, JSON-able, tagged with ``SNAPSHOT_VERSION``."""
        body = {name: encode_value(getattr(self, name)) for name in _STATE_FIELD_ORDER}
        return {"version": SNAPSHOT_VERSION, "state": body}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseState:
        """Load a snapshot; a snapshot of another version is refused (refold the history instead)."""
        if not isinstance(data, Mapping) or data.get("version") != SNAPSHOT_VERSION:
            raise SnapshotOutdated("snapshot version mismatch")
        state: CaseState = decode_value(cls, data.get("state"), "state", _SNAPSHOT_HINTS)
        return state


class SnapshotOutdated(EventFormatError):
    """A stored snapshot was made by other rules; the case must be refolded from its events."""

    user_message = "案件状态快照已过期，需要根据案件记录重新计算。"


_SNAPSHOT_HINTS: Mapping[type, Mapping[str, Any]] = MappingProxyType(
    {cls: MappingProxyType(typing.get_type_hints(cls)) for cls in (CaseState, Obligation, DocumentRecord)}
)

_STATE_FIELD_ORDER = tuple(f.name for f in fields(CaseState))
_STATE_FIELDS = frozenset(_STATE_FIELD_ORDER)
