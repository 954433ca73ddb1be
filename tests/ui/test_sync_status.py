"""The sync state in the status bar: with the platform unreachable it says 离线 and why; the UI thread never stalls."""

from __future__ import annotations

import dataclasses

import pytest

from app.sync.state import SyncPhase
from tests.crypto.conftest import OTHER_AGENCY_CODE
from tests.services.conftest import Terminal
from tests.ui.conftest import STALL_LIMIT_MS, KdfWindows, log_in, start_app, stop_app


@pytest.fixture
def unreachable(terminal: Terminal) -> Terminal:
    # Nothing listens on port 1 of loopback: every connection is refused.
    config = dataclasses.replace(
        terminal.config,
        platform_url="https://127.0.0.1:1",
        extra={**terminal.config.extra, "office_code": OTHER_AGENCY_CODE},
    )
    return dataclasses.replace(terminal, config=config)


def test_status_bar_says_offline_with_the_reason_when_the_platform_is_unreachable(
    qtbot, unreachable: Terminal, kdf: KdfWindows
) -> None:
    running = start_app(qtbot, unreachable, kdf)
    try:
        main = log_in(qtbot, running)
        driver = main.sync_status
        running.watchdog.reset()  # from here: the engine being built and running its passes
        qtbot.waitUntil(lambda: driver.status is not None and driver.status.phase is SyncPhase.OFFLINE, timeout=20_000)
        assert driver.status is not None and driver.status.reason
        assert driver.label.text() == f"● 离线：{driver.status.reason}"
        assert driver.engine is not None  # running on its own thread, retrying with backoff
        driver.sync_now()
        qtbot.wait(300)
        assert running.stall_ms < STALL_LIMIT_MS
        driver.pause()
        qtbot.waitUntil(lambda: driver.label.text() == "● 同步已暂停", timeout=30_000)
    finally:
        stop_app(qtbot, running.app)
