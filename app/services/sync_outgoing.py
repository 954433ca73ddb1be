"""The outbox hook: every case record entered here becomes a signed packet in the same transaction.

``SendingDesk`` is a ``CaseDesk`` that carries the hook; the case actions pass it to ``record_event`` through
``record`` below. Inside the transaction the hook builds the packet (the record plus the agency's earlier records of
the case, so a receiver that never saw the case can rebuild it), has the operator sign it — a token signature runs
on the token thread while the writer waits — and queues it. If signing fails, the record is not stored either.

Recipients (docs/sync.md): the agencies the case concerns besides the sender (the domain's involvement, plus the
police and procuratorate named by the case and any agency the record names); a record that concerns no one else yet
(entering a case, a penalty) goes to the supervising procuratorate(s) and the office, which is how it is "entered on
the platform" (seed §8).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.crypto.keys import Signer
from app.domain.events import CaseOpened, Event, EventKind
from app.models.attachments import attachment_chunks, list_attachments
from app.models.events import case_events
from app.models.store import Store
from app.services import cases
from app.services.cases import CaseDesk, OutgoingHook, Recorded
from app.services.changes import Changes
from app.sync.apply_payload import case_payload
from app.sync.outbox import queue_packet
from app.sync.packet import Attachment, build_packet

# A packet's id is derived from the record's: one record, one packet, whatever retries happen.
PACKET_NAMESPACE = uuid.UUID("6b1f0e8e-5c1e-4d55-9a43-2f7c1e0d7a11")
# Codes a record may name in its payload: whom it is addressed to.
_ADDRESS_FIELDS = ("police_code", "procuratorate_code", "to_police_code", "supervision_code", "invited_code")
_ADDRESS_FIELDS_DOCUMENTS = ("recipient_code",)
# Records whose packet carries the case's attachments (310号令 Art.6: the transfer materials go with the 移送书).
_CARRIES_ATTACHMENTS = frozenset({EventKind.TRANSFERRED, EventKind.TRANSFER_FORWARDED})


def packet_id_for(event_id: str) -> uuid.UUID:
    """The id of the packet that carries record ``event_id``."""
    return uuid.uuid5(PACKET_NAMESPACE, event_id)


def packet_recipients(event: Event, involved: Iterable[str], supervisors: Iterable[str]) -> tuple[str, ...]:
    """Who receives the packet of ``event``: the agencies concerned, else the supervising agencies."""
    payload = event.payload()
    named = {str(payload[f]) for f in (*_ADDRESS_FIELDS, *_ADDRESS_FIELDS_DOCUMENTS) if payload.get(f)}
    recipients = (set(involved) | named) - {event.agency_code}
    if not recipients:
        recipients = set(supervisors) - {event.agency_code}
    return tuple(sorted(recipients))


@dataclass(frozen=True)
class PacketOutbox:
    """The ``outgoing`` hook: sign the record's packet with the operator's signer and queue it."""

    store: Store
    signer: Signer
    supervisors: tuple[str, ...]

    def __call__(self, session: Session, recorded: Recorded) -> None:
        event = recorded.event
        earlier = [e for e in case_events(session, event.case_id) if e.event_id != event.event_id]
        recipients = packet_recipients(event, recorded.recipients, self.supervisors)
        packet = build_packet(
            self.signer, kind=str(event.kind), case_id=event.case_id, recipients=recipients,
            payload=case_payload(event, earlier), attachments=self._attachments(session, event),
            packet_id=packet_id_for(event.event_id),
        )  # fmt: skip
        queue_packet(session, packet, event_id=event.event_id, now=dt.datetime.now(dt.UTC))

    def _attachments(self, session: Session, event: Event) -> list[Attachment]:
        if event.kind not in _CARRIES_ATTACHMENTS:
            return []
        return [
            Attachment(a.name, a.media_type, b"".join(attachment_chunks(self.store, a.id)))
            for a in list_attachments(session, event.case_id)
        ]


@dataclass(frozen=True)
class SendingDesk(CaseDesk):
    """A desk whose records also go out: ``outgoing`` writes each one's packet to the outbox."""

    outgoing: OutgoingHook | None = field(default=None)


def hook_of(desk: CaseDesk) -> OutgoingHook | None:
    """The desk's outbox hook, if it sends."""
    return desk.outgoing if isinstance(desk, SendingDesk) else None


def record(
    desk: CaseDesk, cls: type[Event], case_id: str, *, occurred_at: dt.datetime | None = None,
    supersedes: str | None = None, **payload: Any,
) -> Changes:  # fmt: skip
    """``cases.record`` with the desk's outbox hook: what every case action calls."""
    return cases.record(
        desk, cls, case_id, occurred_at=occurred_at, supersedes=supersedes, outgoing=hook_of(desk), **payload
    )


def open_penalty_case(
    desk: CaseDesk, *, case_number: str, title: str, offence_code: str, party_name: str, party_id: str,
    serious: bool = False, occurred_at: dt.datetime | None = None, case_id: str | None = None,
) -> Changes:  # fmt: skip
    """``cases.open_penalty_case`` with the desk's outbox hook: the entry goes to the platform (seed §8)."""
    return record(
        desk, CaseOpened, case_id or str(uuid.uuid4()), occurred_at=occurred_at, case_number=case_number,
        title=title, offence_code=offence_code, party_name=party_name, party_id=party_id, serious=serious,
    )  # fmt: skip
