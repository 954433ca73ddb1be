"""Notices when the UI thread is blocked: a timer that should tick every ``interval_ms`` measures how late it is."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)


class UiStallWatchdog(QObject):
    """Logs every UI-thread stall longer than ``threshold_ms`` and remembers the longest (STYLE.md §2)."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = 50, threshold_ms: int = 200) -> None:
        super().__init__(parent)
        self._interval = interval_ms / 1000
        self._threshold = threshold_ms / 1000
        self._last = time.monotonic()
        self.longest_stall_ms = 0.0
        self.stalls: list[float] = []
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.monotonic()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def reset(self) -> None:
        self._last = time.monotonic()
        self.longest_stall_ms = 0.0
        self.stalls.clear()

    def _tick(self) -> None:
        now = time.monotonic()
        stall = now - self._last - self._interval
        self._last = now
        if stall > self._threshold:
            self.stalls.append(stall * 1000)
            log.warning("UI thread blocked for %.0f ms", stall * 1000)
        self.longest_stall_ms = max(self.longest_stall_ms, stall * 1000)
