"""What the case detail shows, read in one go on a worker: the timeline with its deadlines, materials, issued
documents, packets with their receipts, and the records this agency may enter now. Frozen views only."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import ConfigInvalid, TerminalConfig
from app.crypto.blobcipher import BlobUnreadable
from app.domain.agencies import AgencyKind
from app.domain.deadlines import DEFAULT_POLICY, DeadlinePolicy, WorkingCalendar
from app.domain.events import EventKind
from app.domain.lifecycle import CaseHistory, allowed_moves, effective_history
from app.models.attachments import AttachmentRecord, list_attachments
from app.models.blobstore import held_bytes
from app.models.directory import list_agencies
from app.models.store import Store
from app.models.sync_tables import HELD_PACKET, InboxRow, OutboxRow, ReceiptRow
from app.models.tables import IssuedDocumentRow
from app.services.case_queries import case_history, entry_statuses
from app.services.cases import CaseDesk
from app.services.login import OperatorSession
from app.services.sync import SyncSettings, sending_desk, sync_settings
from app.sync.packet.archive import MANIFEST_NAME
from app.sync.packet.manifest import parse_manifest

# The agency kind of this terminal is not in its certificate profile; deployments set it in config.toml.
AGENCY_KIND_SETTING = "agency_kind"
PACKET_STATE_LABELS = {"queued": "待发送", "sent": "已发送", "receipted": "已回执", "failed": "发送失败"}


@dataclass(frozen=True)
class DeadlineMark:
    """One period judged against a record: its name, last day, and whether it was met."""

    label: str
    due: dt.datetime
    met: bool
    provisional: bool = False


@dataclass(frozen=True)
class TimelineEntry:
    """A record of the case as the timeline shows it: what, who, when, and the deadlines it met or missed."""

    event_id: str
    kind: str
    label: str
    agency_code: str
    operator_id: str
    occurred_at: dt.datetime
    entered_at: dt.datetime
    in_force: bool
    marks: tuple[DeadlineMark, ...]
    agency_name: str = ""  # from the agency directory; "" when the agency is not in it
    operator_name: str = ""  # from the signed packets that carried the record; "" when none is here

    @property
    def missed(self) -> bool:
        return any(not m.met for m in self.marks)

    @property
    def who(self) -> str:
        """单位 / 操作员 in words, each falling back to its code or ID when its name is not known here."""
        return f"{self.agency_name or self.agency_code} / {self.operator_name or self.operator_id}"

    @property
    def who_codes(self) -> str:
        """The agency's 统一社会信用代码 and the operator's ID (the tooltip of ``who``)."""
        return f"{self.agency_code} / {self.operator_id}"


@dataclass(frozen=True)
class OpenPeriod:
    """A period still running (or already overdue) for some agency."""

    label: str
    agency_code: str
    due: dt.datetime
    overdue: bool
    agency_name: str = ""


@dataclass(frozen=True)
class IssuedDocumentView:
    number: str
    doc_type: str
    issued_at: dt.datetime


@dataclass(frozen=True)
class PacketView:
    """A packet this terminal queued for the case, and the platform's receipt if it came."""

    packet_id: str
    kind: str
    state: str
    state_label: str
    reason: str
    created_at: dt.datetime
    recipients: tuple[str, ...]
    receipted_at: dt.datetime | None


@dataclass(frozen=True)
class CaseView:
    case_id: str
    case_number: str
    title: str
    party_name: str
    party_id: str
    stage: str
    agency_code: str
    timeline: tuple[TimelineEntry, ...]
    open_periods: tuple[OpenPeriod, ...]
    materials: tuple[AttachmentRecord, ...]
    documents: tuple[IssuedDocumentView, ...]
    packets: tuple[PacketView, ...]
    allowed: tuple[EventKind, ...]


def terminal_agency_kind(config: TerminalConfig) -> AgencyKind:
    """The kind of agency this terminal serves (``agency_kind`` in config.toml; enforcement when unset)."""
    return AgencyKind(str(config.extra.get(AGENCY_KIND_SETTING, AgencyKind.ENFORCEMENT.value)))


def acting_desk(session: OperatorSession, config: TerminalConfig, agency_kind: AgencyKind) -> CaseDesk:
    """The logged-in operator's desk: every record entered through it is signed and queued in its transaction.

    Without a platform address the packets still queue (sent once one is set), addressed as usual when the office's
    code (``office_code``) is configured."""
    try:
        settings = sync_settings(config)
    except ConfigInvalid:
        settings = SyncSettings(config.platform_url, str(config.extra.get("office_code", "")))
    return sending_desk(session, config, settings, agency_kind=agency_kind)


def _documents(session: Session, case_id: str) -> tuple[IssuedDocumentView, ...]:
    rows = session.scalars(
        select(IssuedDocumentRow).where(IssuedDocumentRow.case_id == case_id).order_by(IssuedDocumentRow.issued_at)
    )
    return tuple(IssuedDocumentView(r.number, r.doc_type, r.issued_at) for r in rows)


def agency_names(session: Session) -> dict[str, str]:
    """统一社会信用代码 → agency name, from the directory the office publishes."""
    return {entry.agency.code: entry.agency.name for entry in list_agencies(session)}


# A manifest is a few kilobytes; anything larger in a stored packet is not read for a name.
_MANIFEST_LIMIT = 1 << 20


def _signer(data: bytes) -> tuple[str, str] | None:
    """(operator ID, name) of a stored packet's signer, from its manifest; None when it cannot be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if archive.getinfo(MANIFEST_NAME).file_size > _MANIFEST_LIMIT:
                return None
            manifest = parse_manifest(archive.read(MANIFEST_NAME))
    except Exception:  # a name is a courtesy; the ID still shows
        return None
    return manifest.operator.id, manifest.operator.name


def operator_names(session: Session, case_id: str) -> dict[str, str]:
    """Operator ID → name, as the signed packets of the case (sent from here or received) name their signers."""
    packets = list(session.scalars(select(OutboxRow.data).where(OutboxRow.case_id == case_id)))
    for held in session.execute(select(*HELD_PACKET).where(InboxRow.case_id == case_id)):
        try:
            packets.append(held_bytes(session, *held))  # since r0006 a received packet is a blob
        except BlobUnreadable:
            continue  # a name is a courtesy: a damaged blob is reported where the packet itself is used
    names: dict[str, str] = {}
    for data in packets:
        signer = _signer(data)
        if signer is not None and signer[1]:
            names.setdefault(*signer)
    return names


def case_packets(session: Session, case_id: str) -> tuple[PacketView, ...]:
    """The case's packets in the outbox, oldest first, each with its receipt time if receipted."""
    query = (
        select(OutboxRow, ReceiptRow.received_at)
        .outerjoin(ReceiptRow, ReceiptRow.packet_id == OutboxRow.packet_id)
        .where(OutboxRow.case_id == case_id)
        .order_by(OutboxRow.created_at)
    )
    return tuple(
        PacketView(
            row.packet_id,
            row.kind,
            row.state,
            PACKET_STATE_LABELS.get(row.state, row.state),
            row.reason,
            row.created_at,
            tuple(json.loads(row.recipients)),
            received,
        )
        for row, received in session.execute(query)
    )


def _timeline(
    history: CaseHistory, entry: dict[str, DeadlineMark], calendar: WorkingCalendar, policy: DeadlinePolicy,
    agencies: Mapping[str, str], operators: Mapping[str, str],
) -> tuple[TimelineEntry, ...]:  # fmt: skip
    in_force = {e.event_id for e in effective_history(history.events)}
    closed_by: dict[str, list[DeadlineMark]] = {}
    for obligation in history.state.obligations:
        if obligation.closed_by is None or obligation.closed_at is None:
            continue
        rule = policy.rule(obligation.rule)
        due = rule.due(obligation.started_at, calendar)
        mark = DeadlineMark(rule.label, due.at, not due.is_late(obligation.closed_at), due.provisional)
        closed_by.setdefault(obligation.closed_by, []).append(mark)
    entries = []
    for event in history.events:
        marks = [*closed_by.get(event.event_id, ()), *([entry[event.event_id]] if event.event_id in entry else [])]
        entries.append(
            TimelineEntry(
                event.event_id,
                str(event.kind),
                event.label,
                event.agency_code,
                event.operator_id,
                event.occurred_at,
                event.entered_at,
                event.event_id in in_force,
                tuple(marks),
                agencies.get(event.agency_code, ""),
                operators.get(event.operator_id, ""),
            )
        )
    return tuple(entries)


def case_view(
    store: Store, case_id: str, agency_kind: AgencyKind, *, now: dt.datetime,
    calendar: WorkingCalendar | None = None, policy: DeadlinePolicy = DEFAULT_POLICY,
    enrolled: Mapping[str, str] | None = None,
) -> CaseView:  # fmt: skip
    """Everything the case detail shows (worker thread); ``CaseNotFound`` when no record of it is here.

    Operators are named by ``enrolled`` (ID → name of this terminal's operators) and else by the signed packets."""
    calendar = calendar or WorkingCalendar()
    history = case_history(store, case_id)
    entry = {
        s.event_id: DeadlineMark(f"录入期限（{s.label}）", s.due.at, not s.late, s.due.provisional)
        for s in entry_statuses(store, case_id, calendar, policy)
    }
    state = history.state

    def load(session: Session) -> tuple[
        tuple[AttachmentRecord, ...], tuple[IssuedDocumentView, ...], tuple[PacketView, ...], dict[str, str],
        dict[str, str],
    ]:  # fmt: skip
        return (
            list_attachments(session, case_id), _documents(session, case_id), case_packets(session, case_id),
            agency_names(session), operator_names(session, case_id),
        )  # fmt: skip

    materials, documents, packets, agencies, operators = store.read(load)
    operators.update(enrolled or {})
    periods = []
    for obligation in state.open_obligations():
        rule = policy.rule(obligation.rule)
        due = rule.due(obligation.started_at, calendar)
        periods.append(
            OpenPeriod(
                rule.label, obligation.agency_code, due.at, due.is_late(now), agencies.get(obligation.agency_code, "")
            )
        )
    packets = tuple(
        PacketView(
            p.packet_id, p.kind, p.state, p.state_label, p.reason, p.created_at,
            tuple(agencies.get(c, c) for c in p.recipients), p.receipted_at,
        )
        for p in packets
    )  # fmt: skip
    allowed = tuple(sorted(allowed_moves(state, agency_kind), key=str))
    return CaseView(
        case_id, state.case_number, state.title, state.party_name, state.party_id, state.stage.label,
        state.agency_code, _timeline(history, entry, calendar, policy, agencies, operators), tuple(periods),
        materials, documents, packets, allowed,
    )  # fmt: skip
