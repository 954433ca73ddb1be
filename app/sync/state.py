"""The sync engine's state as the UI shows it: offline, syncing, up to date, or an error with its reason in Chinese.

A ``SyncStatus`` is an immutable snapshot; the engine hands each new one to its listener (the UI posts it to the
main thread). It is derived from the store and the last run, so nothing of it needs to survive a restart.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass


class SyncPhase(enum.StrEnum):
    """Where the engine stands."""

    OFFLINE = "offline"  # the platform cannot be reached; work continues locally, sending waits
    SYNCING = "syncing"
    UP_TO_DATE = "up_to_date"
    ERROR = "error"  # something needs a person: refused certificate, clock skew, untrusted platform

    @property
    def label(self) -> str:
        """What the status bar says."""
        return _LABELS[self]


_LABELS = {
    SyncPhase.OFFLINE: "离线",
    SyncPhase.SYNCING: "正在同步",
    SyncPhase.UP_TO_DATE: "已同步",
    SyncPhase.ERROR: "同步异常",
}


@dataclass(frozen=True)
class SyncStatus:
    """One observation of the engine; ``reason`` is the operator's sentence for OFFLINE and ERROR."""

    phase: SyncPhase
    reason: str = ""
    pending_out: int = 0
    waiting_apply: int = 0
    last_success: dt.datetime | None = None
    clock_skew: dt.timedelta | None = None
    next_attempt: dt.datetime | None = None

    @property
    def text(self) -> str:
        """The status line: label, then the reason if any."""
        return f"{self.phase.label}：{self.reason}" if self.reason else self.phase.label


StatusListener = Callable[[SyncStatus], None]


@dataclass(frozen=True)
class SyncReport:
    """What one run did (``lianjie sync --once`` prints it)."""

    pushed: int = 0
    receipts: int = 0
    failed: int = 0
    received: int = 0
    applied: int = 0
    duplicates: int = 0
    quarantined: int = 0
    deferred: int = 0
    status: SyncStatus = SyncStatus(SyncPhase.UP_TO_DATE)
