"""Applying a verified packet to this terminal's cases and affairs: a history is the ordered set of verified records.

Idempotent: records already held are skipped, so the same packet twice changes nothing. A packet about a case this
terminal never saw creates the case from the records it carries (the sender's history). The whole history, old and
new, is folded by the domain before anything is written, so an illegal history is refused as a whole: it is kept
unapplied with the domain's reason and tried again once the record it lacks has arrived. Records outside a case
(consultations, meetings, 备案, inspections) are added to their affair the same way (``app.sync.apply_affairs``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from app.domain.agencies import AgencyKind
from app.domain.errors import DomainError
from app.domain.events import Event, EventKind
from app.domain.lifecycle import CASE_KINDS, CaseHistory, CaseState
from app.domain.timezone import CST
from app.models.audit import AuditKind, append_audit
from app.models.blobstore import BlobStore
from app.models.cases import NewCase, add_case, case_list_state, get_case, save_case
from app.models.events import append_case_events, case_events
from app.models.prepared import Prepared
from app.models.snapshots import save_case_state
from app.models.tables import Attachment, table_of
from app.sync.apply_affairs import AFFAIR_KINDS, add_affair_records, held_affair
from app.sync.apply_payload import PayloadInvalid, read_case_payload
from app.sync.packet import VerifiedPacket

_ATTACHMENTS = table_of(Attachment)  # prepared statements, built once: they run for every packet applied
_HELD_ATTACHMENTS = Prepared(select(_ATTACHMENTS.c.sha256).where(_ATTACHMENTS.c.case_id == bindparam("case")))
_INSERT_ATTACHMENT = Prepared(insert(_ATTACHMENTS))


@dataclass(frozen=True)
class ApplyOutcome:
    """What applying one packet did: the records added (empty when it changed nothing) or why it must wait."""

    case_id: str
    added: tuple[str, ...] = ()
    deferred: str = ""

    @property
    def applied(self) -> bool:
        return not self.deferred


@dataclass(frozen=True)
class Applier:
    """Applies packets on one terminal: who it is (for the audit) and where received packets are kept."""

    agency_code: str
    terminal: str
    blobs: BlobStore
    sender_kinds: Mapping[str, AgencyKind]

    def apply(self, session: Session, packet: VerifiedPacket) -> ApplyOutcome:
        """Add the packet's records to its case in the caller's transaction; ``PayloadInvalid`` if hostile."""
        manifest = packet.manifest
        payload = read_case_payload(packet)
        kind = self.sender_kinds.get(manifest.sender_agency)
        if any(record.agency_kind != kind for record in payload.records):
            raise PayloadInvalid("record agency kind differs from the directory")
        event_kind = payload.event.kind
        retracts_affair = event_kind is EventKind.RETRACTION and held_affair(session, manifest.case_id)
        if event_kind in AFFAIR_KINDS or retracts_affair:
            return self._apply_affair(session, packet, payload.records)
        if event_kind not in CASE_KINDS and event_kind is not EventKind.RETRACTION:
            return ApplyOutcome(manifest.case_id, deferred="该类记录暂不由本终端自动处理。")
        stored = case_events(session, manifest.case_id)
        held = {e.event_id for e in stored}
        new = [r for r in payload.records if r.event_id not in held]
        if not new:
            return ApplyOutcome(manifest.case_id)
        try:
            history = CaseHistory.of((*stored, *new))
        except DomainError as exc:
            return ApplyOutcome(manifest.case_id, deferred=exc.user_message)
        seq = append_case_events(session, sorted(new, key=lambda e: e.sort_key))
        save_case_state(session, history.state, history.events, seq, fresh=not stored)
        self._case_row(session, history.state, now=packet.manifest.created_at)
        self._attachments(session, packet)
        self._audit(session, packet, "case", len(new))
        return ApplyOutcome(manifest.case_id, tuple(r.event_id for r in new))

    def _apply_affair(self, session: Session, packet: VerifiedPacket, records: tuple[Event, ...]) -> ApplyOutcome:
        """A consultation, meeting, 备案 or inspection record: added to its affair, which the domain folds."""
        affair_id = packet.manifest.case_id
        added = add_affair_records(session, affair_id, records)
        if isinstance(added, str):
            return ApplyOutcome(affair_id, deferred=added)
        if added:
            self._audit(session, packet, "affair", len(added))
        return ApplyOutcome(affair_id, added)

    def _audit(self, session: Session, packet: VerifiedPacket, stream: str, records: int) -> None:
        manifest = packet.manifest
        append_audit(
            session, AuditKind.PACKET_RECEIVED, operator=manifest.operator.id, terminal=self.terminal,
            subject=f"{stream}:{manifest.case_id}",
            details={"packet_id": str(packet.packet_id), "kind": manifest.kind, "sender": manifest.sender_agency,
                     "records": records},
        )  # fmt: skip

    def _case_row(self, session: Session, state: CaseState, *, now: dt.datetime) -> None:
        """The case list row of a received case (created from the packet's records the first time)."""
        listed = case_list_state(session, state.case_id)
        amount = 0 if state.fine is None else max(0, int(state.fine * 100))
        if listed is None:
            new = NewCase(
                agency_code=state.agency_code, case_number=state.case_number, title=state.title,
                party_name=state.party_name, party_id_number=state.party_id, case_type=state.offence_code,
                stage=state.stage.label, amount_fen=amount, occurred_on=state.opened_at.astimezone(CST).date(),
            )  # fmt: skip
            add_case(session, new, now=now, case_id=state.case_id)
        elif listed != (state.stage.label, amount) and (row := get_case(session, state.case_id)) is not None:
            save_case(session, replace(row, stage=state.stage.label, amount_fen=amount), now=now)

    def _attachments(self, session: Session, packet: VerifiedPacket) -> None:
        """Record the packet's attachments with the case (once per content per case), read from the packet itself.

        Every packet applied is kept in ``sync_inbox`` in the same transaction, whole and encrypted, so the row names
        the packet and where the content starts in it instead of encrypting a second copy."""
        case_id = packet.manifest.case_id
        held = {str(row[0]) for row in _HELD_ATTACHMENTS.run(session, {"case": case_id})}
        for ref in packet.manifest.attachments:
            if ref.sha256 in held:
                continue
            _INSERT_ATTACHMENT.run(
                session,
                {
                    "id": str(uuid.uuid5(packet.packet_id, ref.sha256)), "case_id": case_id, "name": ref.name,
                    "media_type": ref.media_type, "size": ref.size, "sha256": ref.sha256,
                    "created_at": dt.datetime.now(dt.UTC), "in_packet": str(packet.packet_id),
                    "packet_offset": packet.attachment_offsets[ref.sha256],
                },
            )  # fmt: skip
            held.add(ref.sha256)
