"""The guard against the pinned PySide6's emit() reference bug keeps a long session alive."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from app.ui.pyside_guard import guard_pyside_refcounts


class Emitter(QObject):
    changed = Signal(object)


def test_tens_of_thousands_of_qt_calls_and_emits_do_not_free_none_or_true(qtbot) -> None:
    guard_pyside_refcounts()
    emitter = Emitter()
    received: list[object] = []
    emitter.changed.connect(received.append)
    for number in range(20_000):  # far more than None's (~5,000) and True's (~600) own references
        emitter.setObjectName(f"e{number % 7}")
        emitter.changed.emit(number)
    assert len(received) == 20_000
    assert sys.getrefcount(None) > 10_000 and sys.getrefcount(True) > 10_000
