"""Pushing the outbox: upload each due packet (idempotent by packet id), verify the platform's receipt, keep it.

A packet the platform refuses for its content (422, 409) fails for good with the platform's reason; a platform error
(5xx) is retried later with backoff; an unreachable platform ends the pass with everything still queued, so a
packet cut off mid-upload is simply sent again and the platform answers with the one receipt it keeps.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.models.store import Store
from app.sync.engine_backoff import EngineSettings, backoff_delay
from app.sync.engine_trust import TrustSource
from app.sync.outbox import (
    DuePacket,
    due_packets,
    mark_failed,
    mark_receipted,
    mark_retry,
    mark_sent,
    store_receipt,
    unreceipted_sent,
)
from app.sync.packet import ChainValidator, PacketRejected, verify_receipt
from app.sync.packet.errors import ReceiptInvalid
from app.sync.platform_client import (
    PlatformClient,
    PlatformConflict,
    PlatformError,
    PlatformUnreachable,
    TerminalRefused,
)


@dataclass
class Pusher:
    """One push pass over the outbox."""

    store: Store
    client: PlatformClient
    trust_source: TrustSource
    clock: Callable[[], dt.datetime]
    rng: random.Random
    settings: EngineSettings

    def push(self) -> dict[str, int]:
        """Upload everything due; returns counts (pushed, receipts, failed)."""
        counts = {"pushed": 0, "receipts": 0, "failed": 0}
        validator = ChainValidator(self.trust_source.roots, self.trust_source.load_crls(self.store))
        for packet in self.store.read(unreceipted_sent):
            receipt = self.client.receipt(uuid.UUID(packet.packet_id))
            counts["receipts"] += self._keep_receipt(validator, packet, receipt)
        while due := self.store.read(lambda s: due_packets(s, self.clock(), self.settings.push_batch)):
            for packet in due:
                pushed, receipted = self._upload(validator, packet)
                counts["pushed" if pushed else "failed"] += 1
                counts["receipts"] += receipted
        return counts

    def _upload(self, validator: ChainValidator, packet: DuePacket) -> tuple[bool, int]:
        try:
            result = self.client.upload(uuid.UUID(packet.packet_id), packet.data)
        except (PlatformUnreachable, TerminalRefused):
            raise
        except (PacketRejected, PlatformConflict) as exc:
            reason = exc.for_operator()
            self.store.write(lambda s: mark_failed(s, packet.packet_id, reason))
            return False, 0
        except PlatformError as exc:
            delay = dt.timedelta(seconds=backoff_delay(packet.attempts + 1, self.settings, self.rng))
            reason = exc.for_operator()
            self.store.write(lambda s: mark_retry(s, packet.packet_id, reason, self.clock() + delay))
            return False, 0
        return True, self._keep_receipt(validator, packet, (result.receipt_json, result.receipt_signature))

    def _keep_receipt(self, validator: ChainValidator, packet: DuePacket, receipt: tuple[bytes, bytes]) -> int:
        receipt_json, signature = receipt
        try:
            verified = verify_receipt(
                receipt_json, signature, validator, platform_agency=self.trust_source.office_code,
                packet_id=uuid.UUID(packet.packet_id), manifest_sha256=packet.manifest_sha256,
            )  # fmt: skip
        except ReceiptInvalid as exc:
            reason = exc.for_operator()
            self.store.write(lambda s: mark_sent(s, packet.packet_id, self.clock(), reason))
            return 0

        def keep(session: Session) -> None:
            store_receipt(session, verified, receipt_json, signature)
            mark_receipted(session, packet.packet_id, self.clock())

        self.store.write(keep)
        return 1
