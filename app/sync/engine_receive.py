"""Taking in one packet, from the platform or a removable drive: verify (or quarantine), keep, apply, checkpoint.

The receipt (when the platform sent one) is verified first and its received-at is the time the signer's certificate
must have been valid. A packet already held is a duplicate and changes nothing; a refused one goes to quarantine and
never reaches the store. Keeping, applying and moving the cursor happen in one transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import functools
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, replace

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models.audit import AuditKind, append_audit
from app.models.blobstore import BlobBatch
from app.models.store import Store
from app.sync.apply import Applier
from app.sync.apply_payload import PayloadInvalid, RecordConflict
from app.sync.engine_trust import Trust
from app.sync.inbox import (
    add_received,
    known_manifest,
    known_manifests,
    mark_applied,
    mark_deferred,
    pack_named,
    set_cursor,
    unapplied,
)
from app.sync.outbox import store_receipt
from app.sync.packet import PacketRejected, Receipt, VerifiedPacket, verify_receipt
from app.sync.packet.errors import PacketIdReused, PacketReplayed, ReceiptInvalid

Clock = Callable[[], dt.datetime]
REMOVABLE = "removable"  # the origin of a packet from a drive starts with it
log = logging.getLogger("lianjie.sync.receive")


class _ApplyEachAlone(Exception):
    """A batch applied without savepoints met a packet whose content is refused: apply it again, each alone."""


def _content_refusal(exc: PayloadInvalid | IntegrityError, packet: VerifiedPacket) -> PacketRejected:
    if isinstance(exc, PayloadInvalid):
        return exc
    # Its records collide with others held here: that packet alone is refused.
    return RecordConflict(f"packet {packet.packet_id} collides with held records")


class Received(enum.StrEnum):
    """What became of one incoming packet."""

    APPLIED = "applied"
    DEFERRED = "deferred"  # verified and kept; its case is not ready for it yet
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class Incoming:
    """A packet as it arrived: bytes, where from, and the platform's sequence and receipt when it has them."""

    data: bytes
    origin: str
    seq: int | None = None
    receipt: tuple[bytes, bytes] | None = None


@dataclass(frozen=True)
class Checked:
    """A batch after verification: the packets verified (with their receipts) and those refused, by position."""

    incomings: tuple[Incoming, ...]
    verified: tuple[tuple[int, VerifiedPacket, Receipt | None], ...]
    refused: tuple[tuple[int, PacketRejected], ...]


@dataclass(frozen=True)
class Keeping:
    """A batch being kept on the writer thread (``Receiver.keep_soon``)."""

    future: Future[list[Received]]
    each_alone: Callable[[], list[Received]]

    def result(self) -> list[Received]:
        """The batch's outcomes once its transaction committed; a refused content is applied again, each alone."""
        try:
            return self.future.result()
        except _ApplyEachAlone:
            return self.each_alone()

    def wait(self) -> None:
        """Until the transaction ended, whatever its outcome (an error is left for ``result``)."""
        wait([self.future])


@dataclass
class Receiver:
    """Receives packets into one store under one ``Trust``."""

    store: Store
    trust: Trust
    applier: Applier
    operator: str
    clock: Clock
    # Told of each refused packet as it goes to quarantine (an import shows the operator why, file by file).
    on_refused: Callable[[Incoming, PacketRejected], None] | None = None

    def receive(self, incoming: Incoming, *, cursor: int | None = None) -> Received:
        """Verify, keep and apply one packet; ``cursor`` is checkpointed in the same transaction."""
        try:
            receipt = self._receipt(incoming)
            packet = self.trust.verifier.verify(
                incoming.data, known=self._known, at=receipt.received_at if receipt else None
            )
        except PacketReplayed:
            self.checkpoint(cursor)
            return Received.DUPLICATE
        except PacketRejected as rejection:
            self._quarantine(incoming, rejection, cursor)
            return Received.QUARANTINED
        try:
            return self.store.write(lambda s: self._keep_and_apply(s, packet, incoming, receipt, cursor))
        except PayloadInvalid as rejection:
            self._quarantine(incoming, rejection, cursor)
            return Received.QUARANTINED
        except IntegrityError:
            self._quarantine(incoming, RecordConflict(f"packet {packet.packet_id} collides with held records"), cursor)
            return Received.QUARANTINED

    def receive_batch(self, incomings: Sequence[Incoming], *, cursor: int | None = None) -> list[Received]:
        """``receive`` for a batch in order, with one transaction (and one fsync) for all of it."""
        return self.keep(self.check(incomings), cursor=cursor)

    def check(self, incomings: Sequence[Incoming]) -> Checked:
        """Verify each packet of a batch alone, exactly as ``receive`` does, outside any transaction and the store."""
        verified: list[tuple[int, VerifiedPacket, Receipt | None]] = []
        refused: list[tuple[int, PacketRejected]] = []
        for index, incoming in enumerate(incomings):
            try:
                receipt = self._receipt(incoming)
                packet = self.trust.verifier.verify(incoming.data, at=receipt.received_at if receipt else None)
            except PacketRejected as rejection:
                refused.append((index, rejection))
                continue
            verified.append((index, packet, receipt))
        return Checked(tuple(incomings), tuple(verified), tuple(refused))

    def keep(self, checked: Checked, *, cursor: int | None = None) -> list[Received]:
        """Keep and apply a checked batch in one transaction with the refusals' audit records and ``cursor``."""
        return self.keep_soon(checked, cursor=cursor).result()

    def keep_soon(self, checked: Checked, *, cursor: int | None = None) -> Keeping:
        """``keep`` on the writer thread, returning once the transaction's own work is done (or failed).

        What remains then is making the batch's pack and the commit durable (the database encrypts its pages, two
        fsyncs), which holds no interpreter lock: the caller verifies the next batch meanwhile. Transactions run one
        after another in the order submitted.

        A packet whose content is refused must be rolled back alone; a savepoint per packet would do that but costs
        about a quarter of the apply (SQLite journals every page each savepoint first touches), and refusals are
        rare. So the batch is applied without savepoints first; if a packet's content is refused, that transaction
        is rolled back whole and the batch applied again (by ``Keeping.result``) with each packet in its own
        savepoint, the refused one rolled back and quarantined."""
        worked = threading.Event()
        future = self._submit_keep(checked, cursor, worked.set, isolated=False)
        future.add_done_callback(lambda _: worked.set())
        worked.wait()
        return Keeping(future, lambda: self._submit_keep(checked, cursor, None, isolated=True).result())

    def _submit_keep(
        self, checked: Checked, cursor: int | None, worked: Callable[[], None] | None, *, isolated: bool
    ) -> Future[list[Received]]:
        """The transaction keeping ``checked``; if it fails after its pack was made durable (at the commit: disk
        full, I/O error), the pack is removed unless a committed row names it after all."""
        synced: list[uuid.UUID] = []
        future = self.store.submit(lambda s: self._keep_checked(s, checked, cursor, worked, synced, isolated=isolated))

        def drop_unnamed_pack(done: Future[list[Received]]) -> None:
            if done.exception() is None:
                return
            for pack_id in synced:
                with contextlib.suppress(Exception):  # best effort: an unnamed pack is only wasted space
                    if not self.store.read(functools.partial(pack_named, pack_id=pack_id)):
                        self.applier.blobs.discard_pack(pack_id)

        future.add_done_callback(drop_unnamed_pack)
        return future

    def _keep_checked(
        self,
        session: Session,
        checked: Checked,
        cursor: int | None,
        worked: Callable[[], None] | None,
        synced: list[uuid.UUID],
        *,
        isolated: bool,
    ) -> list[Received]:
        blobs = BlobBatch(self.applier.blobs)
        try:
            outcomes = self._keep_all(session, checked, cursor, replace(self.applier, blobs=blobs), isolated=isolated)
            if worked is not None:
                worked()
            if (pack_id := blobs.sync()) is not None:  # the pack these rows name is durable before the commit
                synced.append(pack_id)
        except BaseException:
            blobs.abandon()  # the transaction rolls back: nothing names the pack
            raise
        return outcomes

    def _keep_all(
        self, session: Session, checked: Checked, cursor: int | None, applier: Applier, *, isolated: bool
    ) -> list[Received]:
        outcomes: list[Received | None] = [None] * len(checked.incomings)
        refusals = list(checked.refused)
        fresh = self._not_yet_held(session, checked.verified, outcomes, refusals)
        for index, packet, receipt in fresh:
            savepoint = session.begin_nested() if isolated else None
            try:
                incoming = checked.incomings[index]
                outcomes[index] = self._keep_and_apply(session, packet, incoming, receipt, None, applier)
            except (PayloadInvalid, IntegrityError) as exc:
                if savepoint is None:
                    raise _ApplyEachAlone from exc  # rolls this transaction back: the batch is applied again
                savepoint.rollback()
                refusals.append((index, _content_refusal(exc, packet)))
            else:
                if savepoint is not None:
                    savepoint.commit()
        for index, refusal in sorted(refusals, key=lambda pair: pair[0]):
            self._record_quarantine(session, checked.incomings[index], refusal)
            outcomes[index] = Received.QUARANTINED
        if cursor is not None:
            set_cursor(session, cursor)
        return [outcome or Received.DUPLICATE for outcome in outcomes]

    def _not_yet_held(
        self,
        session: Session,
        verified: Sequence[tuple[int, VerifiedPacket, Receipt | None]],
        outcomes: list[Received | None],
        refused: list[tuple[int, PacketRejected]],
    ) -> list[tuple[int, VerifiedPacket, Receipt | None]]:
        """The replay check of ``PacketVerifier.verify`` for a whole batch, in its transaction: one lookup each,
        and repeats within the batch."""
        held = known_manifests(session, (str(p.packet_id) for _, p, _ in verified))
        fresh = []
        for index, packet, receipt in verified:
            previous = held.get(str(packet.packet_id))
            if previous == packet.manifest_sha256:
                outcomes[index] = Received.DUPLICATE
            elif previous is not None:
                refused.append((index, PacketIdReused(f"packet id {packet.packet_id} already used for other content")))
            else:
                held[str(packet.packet_id)] = packet.manifest_sha256
                fresh.append((index, packet, receipt))
        return fresh

    def retry_deferred(self) -> int:
        """Apply packets that had to wait, until no more can be; returns how many were applied."""
        total = 0
        while True:
            progress = 0
            for _packet_id, data in self.store.read(unapplied):
                try:
                    packet = self.trust.verifier.verify(data)
                    applied = self.store.write(lambda s, p=packet: self._apply(s, p))  # type: ignore[misc]
                except PacketRejected:
                    continue  # verified on arrival; a later CRL may refuse it now: it stays unapplied
                progress += int(applied)
            total += progress
            if not progress:
                return total

    def _known(self, packet_id: object) -> str | None:
        return self.store.read(lambda s: known_manifest(s, packet_id))  # type: ignore[arg-type]

    def _receipt(self, incoming: Incoming) -> Receipt | None:
        if incoming.receipt is None:
            return None
        receipt_json, signature = incoming.receipt
        # Which packet it is about is checked against the verified packet when kept (``_keep_and_apply``).
        try:
            return verify_receipt(
                receipt_json, signature, self.trust.verifier.validator, platform_agency=self.trust.office_code
            )
        except ReceiptInvalid:
            if not incoming.origin.startswith(REMOVABLE):
                raise  # the platform's own answer: the packet is quarantined with it
            # Beside a packet on a drive, a receipt is only a help: the packet is verified as of now, without it.
            log.warning("receipt beside %s is not valid; the packet is verified as of now", incoming.origin)
            return None

    def _keep_and_apply(
        self,
        session: Session,
        packet: VerifiedPacket,
        incoming: Incoming,
        receipt: Receipt | None,
        cursor: int | None,
        applier: Applier | None = None,
    ) -> Received:
        now = self.clock()
        if receipt is not None:
            if receipt.packet_id != packet.packet_id or receipt.manifest_sha256 != packet.manifest_sha256:
                raise PayloadInvalid(
                    "receipt is about another packet", user_message="平台回执与所附数据包不符，数据包已拒收并隔离。"
                )
            assert incoming.receipt is not None
            store_receipt(session, receipt, *incoming.receipt)
        applier = applier or self.applier
        outcome = applier.apply(session, packet)
        add_received(
            session, packet, origin=incoming.origin.split(":")[0], seq=incoming.seq, now=now, blobs=applier.blobs,
            applied=outcome.applied, apply_error=outcome.deferred,
        )  # fmt: skip
        if cursor is not None:
            set_cursor(session, cursor)
        return Received.APPLIED if outcome.applied else Received.DEFERRED

    def _apply(self, session: Session, packet: VerifiedPacket) -> bool:
        outcome = self.applier.apply(session, packet)
        if outcome.applied:
            mark_applied(session, str(packet.packet_id), self.clock())
        else:
            mark_deferred(session, str(packet.packet_id), outcome.deferred)
        return outcome.applied

    def checkpoint(self, cursor: int | None) -> None:
        """Move the cursor past packets that needed nothing stored (duplicates, empty pages)."""
        if cursor is not None:
            self.store.write(lambda s: set_cursor(s, cursor))

    def _quarantine(self, incoming: Incoming, rejection: PacketRejected, cursor: int | None) -> None:
        def record(session: Session) -> None:
            self._record_quarantine(session, incoming, rejection)
            if cursor is not None:
                set_cursor(session, cursor)

        self.store.write(record)

    def _record_quarantine(self, session: Session, incoming: Incoming, rejection: PacketRejected) -> None:
        """Keep a refused packet in quarantine and audit it (in the caller's transaction)."""
        kept = self.trust.quarantine.keep(incoming.data, rejection, origin=incoming.origin)
        append_audit(
            session, AuditKind.PACKET_RECEIVED, operator=self.operator, terminal=self.applier.terminal,
            subject=f"quarantine:{kept.path.name}",
            details={"refused": rejection.code, "origin": incoming.origin, "seq": incoming.seq},
        )  # fmt: skip
        if self.on_refused is not None:
            self.on_refused(incoming, rejection)
