"""The pinned PySide6 must not leak or drop references to Python's singletons.

PySide6 6.12.0 on CPython 3.11 dropped one reference to None on every void Qt call and one to True on every emit;
after a few thousand calls CPython aborted ("deallocating None"). constraints.txt pins a build without the bug.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    changed = Signal(int, bool)


def test_qt_calls_and_emits_keep_the_reference_counts_of_none_and_true(qtbot) -> None:
    emitter = Emitter()
    received: list[int] = []
    emitter.changed.connect(lambda number, _flag: received.append(number))
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for number in range(2_000):
        emitter.setObjectName(f"e{number % 7}")
        emitter.changed.emit(number, True)
    assert len(received) == 2_000
    assert abs(sys.getrefcount(None) - none_before) < 50
    assert abs(sys.getrefcount(True) - true_before) < 50
