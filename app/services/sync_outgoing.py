"""The outbox hook: every record entered through a desk that carries it becomes a signed packet in the same transaction.

``PacketOutbox`` is the ``outgoing`` hook of a ``CaseDesk`` (``app.services.sync.sending_desk`` builds such a desk
for the logged-in operator). Inside the action's transaction it builds the packet (the record plus the agency's
earlier records of the case or affair, so a receiver that never saw it can rebuild it), has the operator sign it — a
token signature runs on the token thread while the writer waits — and queues it. If signing fails, the record is not
stored either.

Recipients (docs/sync.md): the agencies the case or affair concerns besides the sender (the domain's involvement,
plus any agency the record names); a case record that concerns no one else yet (entering a case, a penalty) goes to
the supervising procuratorate(s) and the office, which is how it is "entered on the platform" (seed §8). Affairs:
a consultation goes to the asked agency and back (§11), a meeting notice and its minutes to the invitees (§10), a
备案 to the procuratorate or 法制办 it is filed with and the report on it to the office (§14), an inspection to the
inspected members and its 通报 to every member agency (§18).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.crypto.keys import Signer
from app.domain.events import Event, EventKind, MeetingConvened
from app.models.attachments import attachment_chunks, list_attachments
from app.models.events import affair_events, case_events
from app.models.store import Store
from app.services.cases import Recorded, open_penalty_case
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


def packet_recipients(
    event: Event, involved: Iterable[str], supervisors: Iterable[str], *, members: Iterable[str] = (),
    office_code: str = "", to_all_members: bool = False,
) -> tuple[str, ...]:  # fmt: skip
    """Who receives the packet of ``event``: the agencies concerned, else the supervising agencies; a 通报 goes to
    every member (seed §18), and so does every record of a meeting of all members (``to_all_members``: convened with
    no participants named, seed §10); a report on a 备案 also goes to the office (seed §14)."""
    payload = event.payload()
    named = {str(payload[f]) for f in (*_ADDRESS_FIELDS, *_ADDRESS_FIELDS_DOCUMENTS) if payload.get(f)}
    recipients = set(involved) | named
    if event.kind is EventKind.INSPECTION_NOTICE_PUBLISHED or to_all_members:
        recipients |= set(members)
    elif event.kind is EventKind.LINKAGE_REPORTED:
        recipients |= {office_code} if office_code else set(supervisors)
    recipients -= {event.agency_code, ""}
    if not recipients:
        recipients = set(supervisors) - {event.agency_code}
    return tuple(sorted(recipients))


@dataclass(frozen=True)
class PacketOutbox:
    """The ``outgoing`` hook: sign the record's packet with the operator's signer and queue it.

    ``supervisors``: the procuratorate(s) and the office; ``members``: every agency of the directory (for a 通报);
    ``office_code``: the leading group office."""

    store: Store
    signer: Signer
    supervisors: tuple[str, ...]
    members: tuple[str, ...] = ()
    office_code: str = ""

    def __call__(self, session: Session, recorded: Recorded) -> None:
        event = recorded.event
        stream = affair_events if recorded.stream == "affair" else case_events
        earlier = [e for e in stream(session, event.case_id) if e.event_id != event.event_id]
        convened = next((e for e in (*earlier, event) if isinstance(e, MeetingConvened)), None)
        recipients = packet_recipients(
            event, recorded.recipients, self.supervisors, members=self.members, office_code=self.office_code,
            to_all_members=convened is not None and not convened.participants,
        )  # fmt: skip
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


__all__ = ["PACKET_NAMESPACE", "PacketOutbox", "open_penalty_case", "packet_id_for", "packet_recipients"]
