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

import contextlib
import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from app.sync.packet import SignedReceipt, VerifiedPacket
from server.store import BatchItem, PacketStore, SignedReceiptBytes

log = logging.getLogger("lianjie.platform.writer")

# (packet, seq, received_at) -> the signed receipt; called inside the storing transaction, once the seq is known.
ReceiptSigner = Callable[[VerifiedPacket, int, dt.datetime], SignedReceipt]
StoreResult = tuple[SignedReceiptBytes, bool]
# What became of one packet: stored (or already stored), a ``PacketConflict``, or the failure that kept it out.
StoreOutcome = StoreResult | Exception


@dataclass(frozen=True)
class _Submission:
    """Packets to store in one transaction, and what to tell once they are durable (one outcome per packet)."""

    packets: Sequence[VerifiedPacket]
    received_at: dt.datetime
    settle: Callable[[list[StoreOutcome]], None]

    @property
    def size(self) -> int:
        return sum(len(packet.data) for packet in self.packets)


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
        self._queue: queue.SimpleQueue[_Submission | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, packet: VerifiedPacket, received_at: dt.datetime) -> Future[StoreResult]:
        """Queue a verified packet; the future yields (receipt, created) once durable, or ``PacketConflict``."""
        future: Future[StoreResult] = Future()

        def settle(outcomes: list[StoreOutcome]) -> None:
            if isinstance(outcomes[0], Exception):
                future.set_exception(outcomes[0])
            else:
                future.set_result(outcomes[0])

        self._put(_Submission([packet], received_at, settle))
        return future

    def submit_many(self, packets: Sequence[VerifiedPacket], received_at: dt.datetime) -> Future[list[StoreOutcome]]:
        """Queue several verified packets to be stored in the same transaction; the one future yields an outcome per
        packet, in order, once all of them are durable (one wake-up of the waiting thread per submission, not per
        packet: the event loop woke 64 times for a 64-packet batch before)."""
        future: Future[list[StoreOutcome]] = Future()
        if packets:
            self._put(_Submission(packets, received_at, future.set_result))
        else:
            future.set_result([])
        return future

    def _put(self, submission: _Submission) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the platform writer is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="platform-writer", daemon=True)
                self._thread.start()
            self._queue.put(submission)

    def close(self, timeout: float = 30.0) -> None:
        """Store what is queued, then stop the thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _take_batch(self, first: _Submission) -> tuple[list[_Submission], bool]:
        """``first`` and whatever else is already waiting, within the bounds (a submission is never split, so the
        first one is taken whole even beyond them); True when told to stop."""
        batch, count, size = [first], len(first.packets), first.size
        while count < self._max_batch and size < self._max_batch_bytes:
            try:
                submission = self._queue.get_nowait()
            except queue.Empty:
                break
            if submission is None:
                return batch, True
            batch.append(submission)
            count, size = count + len(submission.packets), size + submission.size
        return batch, False

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch, stopping = self._take_batch(first)
            outcomes = self._store_batch(
                [BatchItem(packet, submission.received_at) for submission in batch for packet in submission.packets]
            )
            start = 0
            for submission in batch:
                end = start + len(submission.packets)
                with contextlib.suppress(InvalidStateError):  # its request was cancelled (shutdown): nobody to tell
                    submission.settle(outcomes[start:end])
                start = end

    def _store_batch(self, items: list[BatchItem]) -> list[StoreOutcome]:
        try:
            return list(self._store.accept_batch(items, self._sign))
        except IntegrityError:
            # Another platform process stored one of these ids between our check and our insert: settle per packet.
            return [self._store_one(item) for item in items]
        except Exception as exc:  # the whole transaction failed: no receipt was promised
            log.error("storing %d uploads failed: %s", len(items), type(exc).__name__)
            if len(items) == 1:
                return [exc]
            # One packet the database refuses must not fail the others of its commit (and again at every retry).
            return [self._store_one(item) for item in items]

    def _store_one(self, item: BatchItem) -> StoreOutcome:
        packet = item.packet
        try:
            return self._store.accept(packet, item.received_at, lambda seq, at: self._sign(packet, seq, at))
        except Exception as exc:
            return exc
