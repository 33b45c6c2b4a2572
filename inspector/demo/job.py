"""The demo build as a worker job (the app's first launch builds it off the UI thread)."""

from __future__ import annotations

from pathlib import Path


def demo_job():
    """Build (or reuse) the demo series; returns its root folder."""

    def job(pool, task, emit):
        from .series import build_demo  # looked up at run time: tests stand a fake in for it

        def progress(done, total, message=""):
            task.progress(done, total, message)

        return Path(build_demo(progress=progress, task=task))

    return job
