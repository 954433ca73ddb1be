"""A guard against a reference-count bug of the pinned PySide6 (6.12.0) on CPython 3.11.

That build treats None, True and False as immortal, as they are on CPython 3.12 and later: it hands them out
without taking a reference. On 3.11 every void Qt call made from Python (``label.setText``, ``QTimer.singleShot``…)
drops one reference to None, and every ``SignalInstance.emit()`` one to True. None starts with a few thousand
references, True with a few hundred: after that many calls CPython frees the singleton and aborts ("none_dealloc:
deallocating None", "bool_dealloc"). A terminal would crash within minutes; the test suite and the bench did.

``guard_pyside_refcounts()`` checks whether this build has the bug and, if so, does what CPython 3.12 does: it gives
the three singletons a reserve of references that no session can exhaust. Nothing else changes; on a fixed PySide
the probe finds no loss and the guard does nothing. Remove this module once constraints.txt pins a PySide6 that
matches the interpreter (or the interpreter is 3.12+).
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

RESERVE = 1 << 40
SINGLETONS = (None, True, False)


class _Probe(QObject):
    fired = Signal()


def pyside_loses_singleton_references() -> bool:
    """Whether void calls and ``emit()`` on this PySide6 build drop references to None or True."""
    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for number in range(16):
        probe.setObjectName(f"probe-{number}")
        probe.fired.emit()
    lost = max(none_before - sys.getrefcount(None), true_before - sys.getrefcount(True))
    probe.deleteLater()
    return lost >= 16


def guard_pyside_refcounts() -> bool:
    """Apply the reserve once per process when the bug is present; True when it is (now or before)."""
    if sys.getrefcount(None) > RESERVE // 2:
        return True  # already applied in this process
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False  # immortal singletons: nothing to lose
    if not pyside_loses_singleton_references():
        return False
    for singleton in SINGLETONS:
        # ob_refcnt is the first field of every CPython object (Include/object.h); the three are static objects.
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        refcount.value += RESERVE
    log.warning("PySide6 drops references to None/True/False; reserve of references applied")
    return True
