"""The sync engine: push the outbox, refresh the CRL and directory, pull the agency's inbox, apply, checkpoint.

``run_once`` is one full pass (``lianjie sync --once`` and the tests call it); ``start`` runs passes on a background
thread, every ``interval`` when all is well and after a growing, jittered delay when the platform is unreachable;
``wake`` asks for a pass now (after an operator action). The engine's ``status`` goes to the listener on every
change. No Qt here: the UI adapts the listener to a signal.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from app.domain.errors import AppError
from app.models.audit import AuditKind, append_audit
from app.models.errors import StoreClosed
from app.models.store import Store
from app.sync.apply import Applier
from app.sync.engine_backoff import EngineSettings, backoff_delay
from app.sync.engine_pull import Puller
from app.sync.engine_push import Pusher
from app.sync.engine_receive import Receiver
from app.sync.engine_trust import TrustSource
from app.sync.inbox import unapplied_count
from app.sync.office_files import OfficeFiles
from app.sync.outbox import pending_count
from app.sync.platform_client import SKEW_LIMIT, PlatformClient, PlatformUnreachable, TerminalRefused
from app.sync.state import StatusListener, SyncPhase, SyncReport, SyncStatus

Clock = Callable[[], dt.datetime]
log = logging.getLogger("lianjie.sync.engine")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class SyncEngine:
    """One terminal's sync with the platform. ``connect`` opens a client (the engine keeps it per thread)."""

    store: Store
    connect: Callable[[], PlatformClient]
    trust_source: TrustSource
    agency_code: str
    terminal: str
    operator: str
    settings: EngineSettings = field(default_factory=EngineSettings)
    listener: StatusListener | None = None
    clock: Clock = _utc_now
    rng: random.Random = field(default_factory=random.Random)
    _status: SyncStatus = field(default_factory=lambda: SyncStatus(SyncPhase.OFFLINE), init=False)
    _client: PlatformClient | None = field(default=None, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _wake: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _failures: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _clock_off: bool = field(default=False, init=False)  # the skew over 5 minutes is audited already

    @property
    def status(self) -> SyncStatus:
        """The latest observation."""
        return self._status

    def run_once(self) -> SyncReport:
        """One pass: refresh trust, push, pull and apply. Never raises for network trouble: it is in the status."""
        with self._lock:
            self._publish(SyncPhase.SYNCING)
            report = SyncReport()
            skew: dt.timedelta | None = None
            try:
                client = self._connection()
                skew = self._skew(client)
                self.trust_source.refresh(self.store, client)  # receipts and packets verify with the latest CRL
                # the office's calendars and rules: what is refused there is reported, and the pass goes on
                notices = OfficeFiles(self.trust_source, self.clock).refresh(self.store, client)
                pushed = Pusher(self.store, client, self.trust_source, self.clock, self.rng, self.settings).push()
                received = self._pull(client)
                counts = {**pushed, **received}
                report = _report(counts)
            except PlatformUnreachable as exc:
                self._failures += 1
                return self._finish(report, SyncPhase.OFFLINE, exc.for_operator(), backoff=True)
            except TerminalRefused as exc:
                self._drop_connection()
                reason = self._clock_first(exc.for_operator(), skew)
                return self._finish(report, SyncPhase.ERROR, reason, backoff=True, skew=skew)
            except AppError as exc:
                # A clock days off makes CRLs and certificates look expired: the clock is the thing to fix, first.
                self._failures += 1
                reason = self._clock_first(exc.for_operator(), skew)
                return self._finish(report, SyncPhase.ERROR, reason, backoff=True, skew=skew)
            self._failures = 0
            notice = "".join(notices)
            if abs(skew) > SKEW_LIMIT:
                return self._finish(report, SyncPhase.ERROR, self._clock_first(notice, skew), skew=skew)
            self._clock_off = False
            return self._finish(report, SyncPhase.UP_TO_DATE, notice, skew=skew)

    def _clock_first(self, reason: str, skew: dt.timedelta | None) -> str:
        """``reason``, after the clock's when it is more than 5 minutes off the platform's (audited)."""
        if skew is None or abs(skew) <= SKEW_LIMIT:
            return reason
        if not self._clock_off:  # audited once as the clock goes off, not at every pass (every 30 s)
            self._audit_skew(skew)
            self._clock_off = True
        minutes = abs(skew.total_seconds()) / 60
        clock = f"本机时钟与平台相差约 {minutes:.0f} 分钟（超过 5 分钟），请校准本机时间。"
        return f"{clock}{reason}" if reason else clock

    def start(self) -> None:
        """Run passes on a background thread until ``stop``."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="sync-engine", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Run a pass as soon as possible (an operator just queued a packet)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the current pass and stop the thread; close the connection."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._drop_connection()

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                self._wake.wait(self._pass_and_delay())
                self._wake.clear()
        except StoreClosed:  # the session ended (``stop`` waited in vain) and its store with it: nothing to sync into
            log.info("sync engine ends: its store was closed during a pass")

    def _pass_and_delay(self) -> float:
        """One pass, then how long to wait before the next."""
        try:
            report = self._guarded_pass()
        except StoreClosed:
            raise
        except Exception:  # even saying that the pass failed failed: the thread goes on, at the longest backoff
            log.exception("sync pass and its report failed")
            return self.settings.backoff_cap
        if report.status.phase in (SyncPhase.OFFLINE, SyncPhase.ERROR) and self._failures:
            return backoff_delay(self._failures, self.settings, self.rng)
        return self.settings.interval

    def _guarded_pass(self) -> SyncReport:
        try:
            return self.run_once()
        except StoreClosed:
            raise
        except Exception as exc:  # a defect must not end the thread: the status says so and the pass is retried
            log.exception("sync pass failed")
            self._failures += 1
            reason = f"同步出现内部错误（{type(exc).__name__}），将自动重试；如持续出现，请联系管理员并提供日志。"
            return self._finish(SyncReport(), SyncPhase.ERROR, reason, backoff=True)

    def _connection(self) -> PlatformClient:
        if self._client is None:
            self._client = self.connect()
        return self._client

    def _drop_connection(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _pull(self, client: PlatformClient) -> dict[str, int]:
        trust = self.trust_source.load(self.store)
        applier = Applier(self.agency_code, self.terminal, self.store.blobs, trust.sender_kinds())
        receiver = Receiver(self.store, trust, applier, self.operator, self.clock)
        return Puller(self.store, client, receiver, self.settings.page_size, stopping=self._stop.is_set).pull()

    def _skew(self, client: PlatformClient) -> dt.timedelta:
        """The platform's clock against the engine's ``clock`` (> 0: ours is behind), from one round trip's midpoint.

        Measured against ``self.clock`` rather than the system clock, so that what the engine stamps and what it
        checks are the same time (and a test can set this terminal's clock wrong)."""
        before = self.clock()
        reading = client.clock()
        after = self.clock()
        return reading.platform_time - (before + (after - before) / 2)

    def _audit_skew(self, skew: dt.timedelta) -> None:
        def record(session: Session) -> None:
            append_audit(
                session, AuditKind.CLOCK_SKEW, operator=self.operator, terminal=self.terminal,
                subject="sync:clock-skew", details={"skew_seconds": int(skew.total_seconds())},
            )  # fmt: skip

        self.store.write(record)

    def _finish(
        self, report: SyncReport, phase: SyncPhase, reason: str, *, backoff: bool = False,
        skew: dt.timedelta | None = None,
    ) -> SyncReport:  # fmt: skip
        now = self.clock()
        pending, waiting = self.store.read(lambda s: (pending_count(s), unapplied_count(s)))
        next_attempt = None
        if backoff:
            next_attempt = now + dt.timedelta(seconds=backoff_delay(max(1, self._failures), self.settings, self.rng))
        last = now if phase is SyncPhase.UP_TO_DATE else self._status.last_success
        status = SyncStatus(phase, reason, pending, waiting, last, skew, next_attempt)
        self._set(status)
        return replace(report, status=status)

    def _publish(self, phase: SyncPhase) -> None:
        self._set(
            SyncStatus(phase, "", self._status.pending_out, self._status.waiting_apply, self._status.last_success)
        )

    def _set(self, status: SyncStatus) -> None:
        self._status = status
        if self.listener is not None:
            self.listener(status)


def _report(counts: dict[str, int]) -> SyncReport:
    c = counts
    return SyncReport(
        pushed=c["pushed"], receipts=c["receipts"], failed=c["failed"], received=c["received"], applied=c["applied"],
        duplicates=c["duplicates"], quarantined=c["quarantined"], deferred=c["deferred"],
    )  # fmt: skip
