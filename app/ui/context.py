"""The application context: built once in ``app.ui.app.run_gui`` and passed to every window and controller.

Holds what lives as long as the application: configuration, the op runner, the stall watchdog, the services
backend (loaded off the UI thread after the login window shows), and the knobs tests turn (lock clock, intervals).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.config import TerminalConfig
from app.domain.errors import AppError
from app.ui.ops import OpRunner
from app.ui.watchdog import UiStallWatchdog

if TYPE_CHECKING:
    from app.ui.backend import Backend
    from app.ui.sync_status import SyncStatusDriver


@dataclass
class AppContext:
    """Everything a window needs from the application. One per run; never global."""

    config: TerminalConfig
    runner: OpRunner
    watchdog: UiStallWatchdog
    report_error: Callable[[AppError], None]
    demo_pin: str | None = None
    backend: Backend | None = None
    # The idle lock: the clock SessionLock reads, and how often the UI checks it and polls the token.
    lock_clock: Callable[[], float] = field(default=time.monotonic)
    lock_check_ms: int = 5000
    token_poll_ms: int = 3000
    # Hooks the main window connects: open a case by id; preview a PDF (title, optional audit subject such as
    # "case:<id>"); the sync driver. ``open_form(kind, affair_id="")`` is connected by the main window: the affairs
    # pages' 新建 (no id) and 后续记录 (the selected affair); None: those buttons hide.
    open_case: Callable[[str], None] | None = None
    preview_document: Callable[..., object] | None = None
    open_form: Callable[..., object] | None = None
    sync: SyncStatusDriver | None = None

    def require_backend(self) -> Backend:
        if self.backend is None:
            raise RuntimeError("services not loaded yet")
        return self.backend
