"""Group commit: one writer thread stores every upload that arrives while the previous commit is on disk.

A receipt is legal proof, so the platform answers only after the packet is durable (SQLite ``synchronous=FULL``,
PostgreSQL's default ``synchronous_commit``). Committing each upload alone made every upload wait for its own
fsync behind the write lock (~17 ms each, most of it waiting). Here verified uploads queue up; the writer takes
all that are waiting (bounded in count and bytes), stores them in one transaction with one commit, and only then
resolves each upload's future with its receipt. Durability per receipt is unchanged; the fsync is shared.

Uploads that fail alone stay alone: a conflict (409) is an answer for that packet, not a batch failure, and if
the batch's transaction fails on a race with another platform process (a unique-key collision on PostgreSQL),
the writer retries its uploads one by one through ``PacketStore.accept``, which settles the race per packet.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from app.sync.packet import SignedReceipt, VerifiedPacket
from server.store import BatchItem, PacketConflict, PacketStore, SignedReceiptBytes

log = logging.getLogger("lianjie.platform.writer")

# (packet, seq, received_at) -> the signed receipt; called inside the storing transaction, once the seq is known.
ReceiptSigner = Callable[[VerifiedPacket, int, dt.datetime], SignedReceipt]
StoreResult = tuple[SignedReceiptBytes, bool]


@dataclass
class _Upload:
    packet: VerifiedPacket
    received_at: dt.datetime
    future: Future[StoreResult] = field(default_factory=Future)


class GroupCommitWriter:
    """The platform's single database writer (STYLE.md: one writer); ``submit`` from any thread."""

    def __init__(
        self,
        store: PacketStore,
        sign: ReceiptSigner,
        *,
        max_batch: int = 128,
        max_batch_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self._store, self._sign = store, sign
        self._max_batch, self._max_batch_bytes = max_batch, max_batch_bytes
        # One entry per submission: a batch upload's packets stay together in one transaction.
        self._queue: queue.SimpleQueue[list[_Upload] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, packet: VerifiedPacket, received_at: dt.datetime) -> Future[StoreResult]:
        """Queue a verified packet; the future yields (receipt, created) once durable, or ``PacketConflict``."""
        return self.submit_many([packet], received_at)[0]

    def submit_many(self, packets: Sequence[VerifiedPacket], received_at: dt.datetime) -> list[Future[StoreResult]]:
        """Queue several verified packets to be stored in the same transaction; one future per packet, in order."""
        uploads = [_Upload(packet, received_at) for packet in packets]
        with self._lock:
            if self._closed:
                raise RuntimeError("the platform writer is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="platform-writer", daemon=True)
                self._thread.start()
            if uploads:
                self._queue.put(uploads)
        return [upload.future for upload in uploads]

    def close(self, timeout: float = 30.0) -> None:
        """Store what is queued, then stop the thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _take_batch(self, first: list[_Upload]) -> tuple[list[_Upload], bool]:
        """``first`` and whatever else is already waiting, within the bounds (a submission is never split, so the
        first one is taken whole even beyond them); True when told to stop."""
        batch, size = list(first), sum(len(u.packet.data) for u in first)
        while len(batch) < self._max_batch and size < self._max_batch_bytes:
            try:
                uploads = self._queue.get_nowait()
            except queue.Empty:
                break
            if uploads is None:
                return batch, True
            batch.extend(uploads)
            size += sum(len(u.packet.data) for u in uploads)
        return batch, False

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch, stopping = self._take_batch(first)
            self._store_batch(batch)

    def _store_batch(self, batch: list[_Upload]) -> None:
        items = [BatchItem(u.packet, u.received_at) for u in batch]
        try:
            outcomes = self._store.accept_batch(items, self._sign)
        except IntegrityError:
            # Another platform process stored one of these ids between our check and our insert: settle per packet.
            for upload in batch:
                self._store_one(upload)
            return
        except Exception as exc:  # the whole transaction failed: no receipt was promised, every upload learns it
            log.error("storing %d uploads failed: %s", len(batch), type(exc).__name__)
            for upload in batch:
                upload.future.set_exception(exc)
            return
        for upload, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, PacketConflict):
                upload.future.set_exception(outcome)
            else:
                upload.future.set_result(outcome)

    def _store_one(self, upload: _Upload) -> None:
        packet = upload.packet
        try:
            result = self._store.accept(packet, upload.received_at, lambda seq, at: self._sign(packet, seq, at))
        except Exception as exc:
            upload.future.set_exception(exc)
        else:
            upload.future.set_result(result)
