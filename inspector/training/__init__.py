"""Coupling measured while a model trains (a transformers callback), followed live (a watcher),
and fed back as explanation targets.

Qt-free. ``CouplingCallback`` needs transformers; importing this package alone does not.
"""

from __future__ import annotations

__all__ = ["CouplingCallback", "RunWatcher", "measure_model", "refresh_targets"]


def __getattr__(name: str):
    if name == "CouplingCallback":
        from .callback import CouplingCallback

        return CouplingCallback
    if name == "RunWatcher":
        from .watch import RunWatcher

        return RunWatcher
    if name == "measure_model":
        from .measure import measure_model

        return measure_model
    if name == "refresh_targets":
        from .targets import refresh_targets

        return refresh_targets
    raise AttributeError(name)
