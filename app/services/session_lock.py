"""The idle and token-removal lock, without Qt: the UI's timer calls ``check()``; activity calls ``touch()``.

When it fires it calls ``on_lock(reason)`` once (the login service's ``OperatorSession.lock``), and stays locked
until ``reset()`` after a fresh login — which asks for the PIN again, because locking logged out of the token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

LockReason = Literal["idle", "token_removed", "manual"]

LOCK_MESSAGES: dict[LockReason, str] = {
    "idle": "长时间未操作，终端已锁定。请重新输入 PIN 码解锁。",
    "token_removed": "证书介质已被拔出，终端已锁定。请插回介质并重新输入 PIN 码。",
    "manual": "终端已锁定。请重新输入 PIN 码解锁。",
}


class SessionLock:
    """Locks after ``idle_minutes`` without activity, or as soon as ``token_present()`` turns false."""

    def __init__(
        self,
        *,
        idle_minutes: int,
        on_lock: Callable[[LockReason], None],
        token_present: Callable[[], bool] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if idle_minutes < 1:
            raise ValueError("idle_minutes must be at least 1")
        self._idle_seconds = idle_minutes * 60.0
        self._on_lock = on_lock
        self._token_present = token_present
        self._clock = clock
        self._last_activity = clock()
        self._locked_for: LockReason | None = None

    @property
    def locked(self) -> bool:
        return self._locked_for is not None

    @property
    def reason(self) -> LockReason | None:
        """Why the terminal is locked, or None while unlocked."""
        return self._locked_for

    def touch(self) -> None:
        """Operator activity (a key press, a click): restarts the idle countdown."""
        if not self.locked:
            self._last_activity = self._clock()

    def check(self) -> LockReason | None:
        """Lock now if the token is gone or the terminal sat idle too long; returns the reason when locked."""
        if self.locked:
            return self._locked_for
        if self._token_present is not None and not self._token_present():
            return self.lock("token_removed")
        if self._clock() - self._last_activity >= self._idle_seconds:
            return self.lock("idle")
        return None

    def lock(self, reason: LockReason = "manual") -> LockReason:
        """Lock at once (also the operator's own 锁定 button)."""
        if self._locked_for is None:
            self._locked_for = reason
            self._on_lock(reason)
        return self._locked_for

    def reset(self, token_present: Callable[[], bool] | None = None) -> None:
        """After a successful re-login: unlocked, countdown restarted, presence check for the (new) token."""
        self._token_present = token_present
        self._locked_for = None
        self._last_activity = self._clock()
