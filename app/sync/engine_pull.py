"""Pulling the agency's inbox: batches of packets downloaded ahead while the previous batch is verified and applied.

Protocol 1.1's batch download brings a page of inbox lines *with* their packets in one response; the next page is
fetched on a helper thread while this one is verified and applied, so the network wait and the platform's work
overlap the terminal's. A page is verified and applied in transactions of at most ``transaction_size`` packets, so
that an operator's action never waits long behind a pull; each part is verified (``Receiver.check``) while the part
before it is committed (``Receiver.keep_soon``). A 1.0 platform (404 on
the batch endpoint) is read the old way, a line and a download per packet. The cursor moves only in the
transaction that applied the packets before it, so a crash or a failure anywhere leaves it after the last applied
ones.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from app.models.store import Store
from app.sync.engine_receive import Incoming, Keeping, Received, Receiver
from app.sync.inbox import cursor
from app.sync.packet import PacketRejected
from app.sync.platform_client import InboxItem, PlatformClient, PlatformNotFound

PAGE_BYTES = 16 * 1024 * 1024  # per page; with the page in use and up to two fetched ahead, ≤ 48 MiB held
Page = tuple[tuple[tuple[InboxItem, bytes], ...], int, bool]  # (items with bytes, cursor after them, more)

_COUNTER = {
    Received.APPLIED: "applied",
    Received.DEFERRED: "deferred",
    Received.DUPLICATE: "duplicates",
    Received.QUARANTINED: "quarantined",
}


@dataclass
class Puller:
    """Drains one agency's inbox into the store through ``receiver``."""

    store: Store
    client: PlatformClient
    receiver: Receiver
    page_size: int = 64
    transaction_size: int = 32
    stopping: Callable[[], bool] = lambda: False  # looked at before each page: the engine is being stopped

    def pull(self) -> dict[str, int]:
        """Receive everything after the stored cursor; counts of received, applied, duplicates, ..."""
        counts = dict.fromkeys(("received", "applied", "duplicates", "quarantined", "deferred"), 0)
        after = self.store.read(cursor)
        keeping: Keeping | None = None  # the part before, its commit still being made durable
        try:
            for items, page_cursor, _more in self._pages(after):
                if self.stopping():  # the part in flight is still kept below; the cursor stands after it
                    break
                incomings = [
                    Incoming(data, "platform", item.seq, (item.receipt_json, item.receipt_signature))
                    for item, data in items
                ]
                # A page in transactions of at most ``transaction_size`` packets: the store has one writer, and an
                # operator's action waits behind a transaction (≈ 4–6 ms per applied transfer, so ≤ ≈ 0.2 s; each
                # commit and fsync costs ≈ 6 % of the pull more at 16). Each part checkpoints the cursor at its last
                # packet, the page's last part at the page's cursor. A part is verified while the part before is
                # committed (``Receiver.keep_soon``).
                for start in range(0, len(incomings), self.transaction_size):
                    part = incomings[start : start + self.transaction_size]
                    last = start + self.transaction_size >= len(incomings)
                    checked = self.receiver.check(part)
                    if keeping is not None:
                        _count(counts, keeping.result())
                    keeping = self.receiver.keep_soon(checked, cursor=page_cursor if last else part[-1].seq)
                if not incomings and page_cursor > after:
                    # The part in flight first: were it to fail after this checkpoint committed, the cursor would
                    # stand past packets never kept, and no pull would fetch them again.
                    if keeping is not None:
                        _count(counts, keeping.result())
                        keeping = None
                    self.receiver.checkpoint(page_cursor)
                after = max(after, page_cursor)
            if keeping is not None:
                _count(counts, keeping.result())
                keeping = None
        except BaseException:
            if keeping is not None:
                keeping.wait()  # the part submitted ends (committed or not) before the error goes up
            raise
        if not self.stopping():
            counts["applied"] += self.receiver.retry_deferred()
        return counts

    def _pages(self, after: int) -> Iterator[Page]:
        try:
            first = self._batch(after)
        except PlatformNotFound:
            yield from self._pages_one_by_one(after)
            return
        yield from _ahead(first, self._batch)

    def _batch(self, after: int) -> Page:
        batch = self.client.inbox_packets(after=after, limit=self.page_size, max_bytes=PAGE_BYTES)
        return batch.items, batch.cursor, batch.more

    def _pages_one_by_one(self, after: int) -> Iterator[Page]:
        """A 1.0 platform: the inbox lines, then each packet by itself."""
        while True:
            page = self.client.inbox(after=after, limit=self.page_size)
            items = []
            for item in page.items:
                try:
                    items.append((item, self.client.download(item.packet_id)))
                except PacketRejected:
                    continue
            yield tuple(items), page.cursor, page.more
            after = max(after, page.cursor)
            if not page.more:
                return


def _count(counts: dict[str, int], outcomes: list[Received]) -> None:
    for outcome in outcomes:
        counts["received"] += 1
        counts[_COUNTER[outcome]] += 1


def _ahead(first: Page, fetch: Callable[[int], Page]) -> Iterator[Page]:
    """Yield ``first`` and the pages after it, fetched on a helper thread while earlier ones are used (at most two
    ahead: one handed over, one waiting to be).

    An error of the helper's fetch is raised here, after the pages before it were used."""
    pages: queue.Queue[Page | BaseException | None] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def run(page: Page) -> None:
        try:
            while page[2] and not stop.is_set():
                page = fetch(page[1])
                pages.put(page)
        except BaseException as exc:  # handed to the consumer, which raises it
            pages.put(exc)
        finally:
            pages.put(None)

    helper = threading.Thread(target=run, args=(first,), name="sync-prefetch", daemon=True)
    helper.start()
    try:
        yield first
        while (page := pages.get()) is not None:
            if isinstance(page, BaseException):
                raise page
            yield page
    finally:
        stop.set()
        while helper.is_alive():  # unblock a helper waiting to hand over a page nobody will take
            try:
                pages.get(timeout=0.05)
            except queue.Empty:
                continue
        helper.join()
