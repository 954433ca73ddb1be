"""Fixtures of the demo tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_usb_key_inserted(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in tests/ui: the SoftHSM tokens the crypto tests create in this process are not the demo's USB keys."""
    monkeypatch.setattr("app.ui.backend.find_token_module", lambda config: None)
