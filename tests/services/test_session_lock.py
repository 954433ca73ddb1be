"""The Qt-free session lock: idle time on an injected clock, token removal on a real SoftHSM token."""

from __future__ import annotations

import shutil

import pytest

from app.crypto.errors import TokenRemoved
from app.crypto.pkcs11_token import TokenLibrary
from app.services.session_lock import LOCK_MESSAGES, LockReason, SessionLock
from tests.crypto.conftest import USER_PIN, SoftHsm, token_certificate


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_idle_lock_after_configured_minutes_and_activity_postpones_it() -> None:
    clock = FakeClock()
    fired: list[LockReason] = []
    lock = SessionLock(idle_minutes=10, on_lock=fired.append, clock=clock)
    clock.now += 9 * 60
    assert lock.check() is None
    lock.touch()
    clock.now += 9 * 60
    assert lock.check() is None
    clock.now += 61
    assert lock.check() == "idle" and lock.locked
    assert lock.check() == "idle" and fired == ["idle"]  # fires once
    lock.touch()  # activity while locked does not unlock
    assert lock.locked
    lock.reset()
    assert not lock.locked and lock.check() is None
    assert "PIN" in LOCK_MESSAGES["idle"]


def test_token_removal_locks_and_the_signer_needs_a_new_login(
    softhsm: SoftHsm, ca, token_library: TokenLibrary, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    token_certificate(ca, token_library, "op-removable")
    signer = token_library.login("op-removable", lambda request: USER_PIN)
    reasons: list[LockReason] = []

    def on_lock(reason: LockReason) -> None:
        reasons.append(reason)
        signer.close()

    lock = SessionLock(idle_minutes=10, on_lock=on_lock, token_present=lambda: token_library.is_present("op-removable"))
    assert lock.check() is None and signer.sign(b"still here")
    token_dir = softhsm.token_dirs["op-removable"]
    parked = tmp_path / "pulled-out"
    shutil.move(token_dir, parked)  # the USB key leaves the machine
    try:
        assert lock.check() == "token_removed" and reasons == ["token_removed"]
        with pytest.raises(TokenRemoved):
            signer.sign(b"after removal")
    finally:
        shutil.move(parked, token_dir)
