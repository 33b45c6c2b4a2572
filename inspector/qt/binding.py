"""Refuse to run on a Qt binding that loses references to None, True and False.

PySide6 6.12.0 on Python 3.11 drops a reference to None on every call of a method that
returns nothing (``update``, ``setText``, ``QTimer.start``…) and to True on every signal
emit. The app makes several hundred such calls per edit, so a session died with "Fatal
Python error: none_dealloc" after a few hundred edits, taking unsaved work with it. From
Python 3.12 those objects are immortal and the slip is harmless. pyproject.toml keeps
pip off that combination; this check covers an environment assembled by hand.
"""

from __future__ import annotations

import sys

CALLS = 200


def lost_references() -> int:
    """References to None that CALLS void calls on a QObject lose (0 on a sound binding)."""
    from PySide6.QtCore import QObject

    obj = QObject()
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        obj.setObjectName("x")
    return max(0, before - sys.getrefcount(None))


def problem() -> str | None:
    """A message for the user when the binding would crash the app, else None."""
    if lost_references() < CALLS // 2:
        return None
    import PySide6

    py = ".".join(map(str, sys.version_info[:3]))
    return (
        f"PySide6 {PySide6.__version__} on Python {py} loses a reference to None on every"
        " Qt call; Inspector would crash after a few hundred edits and lose the session.\n"
        "Install a sound binding:  pip install 'PySide6-Essentials>=6.6,<6.12'\n"
        "(or run Inspector on Python 3.12 or newer, where this does no harm)."
    )
