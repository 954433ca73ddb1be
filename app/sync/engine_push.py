"""Pushing the outbox: upload the due packets in batches (idempotent by packet id), verify each receipt, keep it.

Packets go up to the engine's ``push_batch`` or ``batch_bytes`` per request (protocol 1.2's batch upload; the
client falls back to one request per packet against an older platform, and sends a lone packet by itself). A
packet above ``alone_bytes`` goes alone: batching saves a request's fixed costs (~3 ms of platform CPU), which only
small packets notice, and a large packet in a batch would hold back the small ones' receipts and, cut off, make
the whole batch go again.

Every packet keeps its own outcome, handled as a lone upload's would be: a packet the platform refuses for its
content (422, 409) fails for good with the platform's reason; a platform error (5xx) is retried later with backoff;
an unreachable platform ends the pass with everything not yet answered still queued, so a packet cut off mid-upload
is simply sent again and the platform answers with the one receipt it keeps. A batch the platform refuses as a
whole (nothing of it stored) is sent again one packet per request, so one bad packet cannot hold back the others.
The outcomes of a batch are written to the outbox in one transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.domain.errors import AppError
from app.models.store import Store
from app.sync.engine_backoff import EngineSettings, backoff_delay
from app.sync.engine_trust import TrustSource
from app.sync.outbox import (
    DuePacket,
    due_packets,
    mark_failed,
    mark_receipted,
    mark_requeued,
    mark_retry,
    mark_sent,
    store_receipt,
    unreceipted_sent,
)
from app.sync.packet import ChainValidator, PacketRejected, verify_receipt
from app.sync.packet.errors import ReceiptInvalid
from app.sync.platform_batch import runs
from app.sync.platform_client import (
    BatchRefused,
    PacketRefused,
    PlatformClient,
    PlatformConflict,
    PlatformError,
    PlatformFailed,
    PlatformNotFound,
    PlatformUnreachable,
    TerminalRefused,
    UploadOutcome,
    UploadRefusal,
)

PUSH_BATCH_BYTES = 8 * 1024 * 1024  # per request: large enough to share the fixed costs, small enough to retry
PUSH_ALONE_BYTES = 1024 * 1024  # a packet this large is sent by itself
_NOT_ON_PLATFORM = "平台上已没有该数据包（平台可能已从备份恢复），已重新排队发送。"


@dataclass
class Pusher:
    """One push pass over the outbox."""

    store: Store
    client: PlatformClient
    trust_source: TrustSource
    clock: Callable[[], dt.datetime]
    rng: random.Random
    settings: EngineSettings
    batch_bytes: int = PUSH_BATCH_BYTES
    alone_bytes: int = PUSH_ALONE_BYTES

    def push(self) -> dict[str, int]:
        """Upload everything due; returns counts (pushed, receipts, failed)."""
        counts = {"pushed": 0, "receipts": 0, "failed": 0}
        validator = self.trust_source.validator(self.trust_source.load_crls(self.store))
        for packet in self.store.read(unreceipted_sent):
            counts["receipts"] += self._recheck(validator, packet)
        while due := self.store.read(lambda s: due_packets(s, self.clock(), self.settings.push_batch)):
            groups = runs(
                due, lambda p: len(p.data), self.settings.push_batch, self.batch_bytes, alone_above=self.alone_bytes
            )
            for group in groups:
                for pushed, receipted in self._upload(validator, group):
                    counts["pushed" if pushed else "failed"] += 1
                    counts["receipts"] += receipted
        return counts

    def _upload(self, validator: ChainValidator, group: Sequence[DuePacket]) -> list[tuple[bool, int]]:
        """Send ``group``; per packet (taken by the platform, receipts kept). Raises only what ends the pass."""
        packets = [(uuid.UUID(p.packet_id), p.data) for p in group]
        try:
            outcomes: Sequence[UploadOutcome | AppError] = self.client.upload_batch(packets)
        except (PlatformUnreachable, TerminalRefused):
            raise
        except BatchRefused:
            outcomes = self._one_by_one(packets)
        except PlatformFailed as exc:  # 5xx for the whole request: one by one, so a packet that trips it is alone
            outcomes = [exc] if len(packets) == 1 else self._one_by_one(packets)
        except (PlatformError, PacketRejected) as exc:  # the request failed as a whole: each packet as a lone one
            outcomes = [exc] * len(group)
        results: list[tuple[bool, int]] = []
        changes: list[Callable[[Session], None]] = []  # written in one transaction for the whole group
        ends_pass: AppError | None = None
        for packet, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, UploadRefusal | AppError):
                error = outcome.error if isinstance(outcome, UploadRefusal) else outcome
                if isinstance(error, PlatformUnreachable | TerminalRefused):
                    ends_pass = ends_pass or error  # as a lone upload: the packet stays queued, the pass ends
                    continue
                changes.append(self._refused(packet, error))
                results.append((False, 0))
            else:
                change, receipted = self._receipt(validator, packet, (outcome.receipt_json, outcome.receipt_signature))
                changes.append(change)
                results.append((True, receipted))
        if changes:
            self.store.write(functools.partial(_apply_all, changes))
        if ends_pass is not None:
            raise ends_pass
        return results

    def _one_by_one(self, packets: Sequence[tuple[uuid.UUID, bytes]]) -> list[UploadOutcome | AppError]:
        """Each packet in its own request; an error is that packet's outcome. Once the platform is unreachable (or
        refuses this terminal) the rest are not tried: they get that error, and the answers already had are kept."""
        outcomes: list[UploadOutcome | AppError] = []
        for index, packet in enumerate(packets):
            try:
                outcomes.extend(self.client.upload_batch([packet]))
            except (PlatformUnreachable, TerminalRefused) as exc:
                return outcomes + [exc] * (len(packets) - index)
            except AppError as exc:
                outcomes.append(exc)
        return outcomes

    def _refused(self, packet: DuePacket, error: AppError) -> Callable[[Session], None]:
        """The outbox change for a packet the platform did not take: failed for good, or retried later."""
        reason = error.for_operator()
        if isinstance(error, PacketRejected | PlatformConflict | PacketRefused):
            return lambda s: mark_failed(s, packet.packet_id, reason)
        delay = dt.timedelta(seconds=backoff_delay(packet.attempts + 1, self.settings, self.rng))
        return lambda s: mark_retry(s, packet.packet_id, reason, self.clock() + delay)

    def _recheck(self, validator: ChainValidator, packet: DuePacket) -> int:
        """Fetch the receipt of a packet the platform took earlier. A platform that no longer has it (restored from a
        backup) gets it again: the packet is queued. Any other failure leaves it for the next pass, and the packets
        behind it go on; only an unreachable platform or a refused terminal ends the pass."""
        try:
            receipt = self.client.receipt(uuid.UUID(packet.packet_id))
        except (PlatformUnreachable, TerminalRefused):
            raise
        except PlatformNotFound:
            self.store.write(lambda s: mark_requeued(s, packet.packet_id, _NOT_ON_PLATFORM, self.clock()))
            return 0
        except (PlatformError, PacketRejected):  # 5xx, a receipt unreadable on the way: asked again next pass
            return 0
        change, receipted = self._receipt(validator, packet, receipt)
        self.store.write(change)
        return receipted

    def _receipt(
        self, validator: ChainValidator, packet: DuePacket, receipt: tuple[bytes, bytes]
    ) -> tuple[Callable[[Session], None], int]:
        """The outbox change for a packet the platform took: its verified receipt kept beside it (1), or the
        packet marked sent, its receipt to be fetched again (0)."""
        receipt_json, signature = receipt
        try:
            verified = verify_receipt(
                receipt_json, signature, validator, platform_agency=self.trust_source.office_code,
                packet_id=uuid.UUID(packet.packet_id), manifest_sha256=packet.manifest_sha256,
            )  # fmt: skip
        except ReceiptInvalid as exc:
            why = exc.user_message.rstrip("。")
            reason = f"平台已接收该数据包，但回执未通过校验（{why}），将在下次同步时重新获取。"
            return lambda s: mark_sent(s, packet.packet_id, self.clock(), reason), 0

        def keep(session: Session) -> None:
            store_receipt(session, verified, receipt_json, signature)
            mark_receipted(session, packet.packet_id, self.clock())

        return keep, 1


def _apply_all(changes: Sequence[Callable[[Session], None]], session: Session) -> None:
    for change in changes:
        change(session)
