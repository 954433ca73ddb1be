"""What a case packet says: the record it carries and the sender's earlier records of the case.

``{"format": 1, "event": <Event.to_dict()>, "history": [<Event.to_dict()>, ...]}``. ``history`` holds the earlier
records of the case entered by the *sender's* agency, so a terminal that never saw the case (the police receiving a
transfer) rebuilds it from the packet alone. A receiver adopts only records of the signer's agency: another agency's
records reach it in that agency's own signed packets, never second-hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.events import Event, EventFormatError, event_from_dict
from app.sync.packet import PacketRejected, VerifiedPacket

PAYLOAD_FORMAT = 1
MAX_HISTORY = 500
_PAYLOAD_KEYS = frozenset({"format", "event", "history"})


class PayloadInvalid(PacketRejected):
    """A signed packet whose content is not a record this terminal can take (hostile or malformed)."""

    code = "payload-invalid"
    user_message = "数据包内容不是有效的案件记录，已拒收。"


class RecordConflict(PayloadInvalid):
    """A verified packet whose records collide with records held here under the same ids (another case's)."""

    code = "record-conflict"
    user_message = "数据包中的记录编号与本终端已有的其他记录冲突，已拒收。"


@dataclass(frozen=True)
class CasePayload:
    """The records of one packet: the one it carries and the sender's earlier ones."""

    event: Event
    history: tuple[Event, ...]

    @property
    def records(self) -> tuple[Event, ...]:
        """Every record of the packet, earlier ones first."""
        return (*self.history, self.event)


def case_payload(event: Event, earlier: Iterable[Event]) -> dict[str, Any]:
    """The payload of the packet carrying ``event``; ``earlier`` are the case's records stored before it."""
    history = [e.to_dict() for e in earlier if e.agency_code == event.agency_code and e.event_id != event.event_id]
    return {"format": PAYLOAD_FORMAT, "event": event.to_dict(), "history": history}


def read_case_payload(packet: VerifiedPacket) -> CasePayload:
    """The records of a verified packet, refused (``PayloadInvalid``) unless they are the signer's agency's own."""
    manifest = packet.manifest
    raw = manifest.payload  # read-only JSON (arrays as tuples), which the event decoder takes as it is
    if not isinstance(raw, Mapping) or raw.get("format") != PAYLOAD_FORMAT or set(raw) != _PAYLOAD_KEYS:
        raise PayloadInvalid("payload is not a case packet of format 1")
    history_raw = raw["history"]
    if not isinstance(history_raw, list | tuple) or len(history_raw) > MAX_HISTORY:
        raise PayloadInvalid("payload history is not a bounded list")
    try:
        event = event_from_dict(raw["event"])
        history = tuple(event_from_dict(item) for item in history_raw)
    except (EventFormatError, TypeError, ValueError) as exc:
        raise PayloadInvalid(f"payload record unreadable: {exc}") from None
    if str(event.kind) != manifest.kind or event.case_id != manifest.case_id:
        raise PayloadInvalid("payload record differs from the manifest's kind or case")
    if event.operator_id != packet.signer.operator_id:
        raise PayloadInvalid(
            "record operator is not the signer", user_message="数据包所载记录的录入人与签名人不一致，已拒收。"
        )
    for record in (*history, event):
        if record.agency_code != manifest.sender_agency or record.case_id != manifest.case_id:
            raise PayloadInvalid(
                f"record {record.event_id} is not the sender's record of this case",
                user_message="数据包中含有其他单位或其他案件的记录，已拒收。",
            )
    return CasePayload(event, history)
