"""Token removal locks the terminal: the lock controller polls the token on the op runner, never on the UI thread.

The SoftHSM tokens of tests/crypto are shared by label across the test session and the identity tests already
pull one out for real (tests/services/test_session_lock.py); here the token library behind the backend is a stand-in
whose presence the test flips, and what is checked is the UI's side: polling off the UI thread, the lock, the message.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

from app.config import TerminalConfig
from app.services.session_lock import LOCK_MESSAGES
from app.ui.backend import OperatorView
from app.ui.context import AppContext
from app.ui.lock import LockController, LockPage
from app.ui.ops import OpRunner
from app.ui.watchdog import UiStallWatchdog


class TokenSlot:
    """The backend's ``token_present`` as the lock controller sees it; records which thread asked."""

    def __init__(self) -> None:
        self.present = True
        self.asked_on: set[int] = set()

    def token_present(self, label: str) -> bool:
        self.asked_on.add(threading.get_ident())
        return self.present and label == "op-key"


def test_pulling_the_token_locks_with_its_own_message(qtbot, tmp_path: Path) -> None:
    errors: list[object] = []
    slot = TokenSlot()
    context = AppContext(
        TerminalConfig(data_dir=tmp_path),
        OpRunner(errors.append),
        UiStallWatchdog(),
        errors.append,
        backend=slot,  # type: ignore[arg-type]
        lock_check_ms=20,
        token_poll_ms=20,
    )
    controller = LockController(context)
    reasons: list[str] = []
    controller.locked.connect(reasons.append)
    controller.start(SimpleNamespace(token_label="op-key"))  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: len(slot.asked_on) > 0, timeout=2000)
    qtbot.wait(100)
    assert reasons == [] and not controller.is_locked
    slot.present = False  # the USB key leaves the machine
    qtbot.waitUntil(lambda: reasons == ["token_removed"], timeout=2000)
    assert threading.get_ident() not in slot.asked_on and errors == []
    qtbot.wait(100)
    assert reasons == ["token_removed"]  # once

    page = LockPage()
    qtbot.addWidget(page)
    operator = OperatorView(
        "张三", "OP0001", "银川市兴庆区市场监督管理局", "11640100MB00000012", "XQ-01", "USB Key", ()
    )
    page.show_locked("token_removed", operator)
    assert page.reason.text() == LOCK_MESSAGES["token_removed"]
    assert "插回介质" in page.reason.text()
    context.runner.wait_for_idle()
