"""A stopgap for PySide6 6.12.0 on Python 3.11, which kills the interpreter after a while.

Measured here: every call of a Qt method that returns nothing (`QWidget.update`,
`QPainter.setPen`, ...) takes one reference from `None` without giving it back, and default
`True`/`False` arguments lose references the same way. Python 3.12 made those objects immortal,
so there it is harmless; on 3.11 `None`'s count reaches zero after some thousands of calls and
Python aborts with "none_dealloc: deallocating None". PySide6 6.11.2 on 3.11 does not do it.

The real fix is in the environment (PySide6 < 6.12 while on 3.11, or Python >= 3.12). Until
then `guard_against_pyside_refcount_leak()` detects the leak and, only if it is there, gives
those three objects a reference count so large they can never reach zero: what 3.12 does itself.
"""

from __future__ import annotations

import ctypes
import sys

_PLENTY = 1 << 40


def pyside_leaks_none_references() -> bool:
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(64):
        probe.setObjectName("probe")
    return sys.getrefcount(None) <= before - 32


def guard_against_pyside_refcount_leak() -> bool:
    """Make None, True and False unkillable if this PySide6 leaks them; True if it did."""
    if sys.version_info >= (3, 12) or not pyside_leaks_none_references():
        return False
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _PLENTY
    return True
