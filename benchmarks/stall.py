"""Event-loop stalls in the real window while a SmolLM2-135M-class model sweeps an edit.

Opens `MainWindow` offscreen on the benchmark checkpoint (`smollm.py`), then alternates
two kinds of interval of the same length, so both see the same machine load:
(a) idle: a 5 ms heartbeat timer with nothing else running — the peer, what the timer
itself and the scheduler cost; (b) sweep: the same heartbeat from an edit until its
analysis is done (prediction, 20 units, explanation). It prints the largest gap beyond
the 5 ms interval, the 99th percentile and the count of gaps over 16 ms for each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import smollm  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

BEAT_MS = 5
TARGET_MS = 16


class Heartbeat:
    """Gaps between ticks of a precise 5 ms timer, beyond the interval itself, in ms."""

    def __init__(self):
        self.timer = QTimer(interval=BEAT_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._beat)
        self.gaps: list[float] = []
        self._last: float | None = None

    def _beat(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append(max(0.0, (now - self._last) * 1000 - BEAT_MS))
        self._last = now

    def start(self) -> None:
        self._last = None
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        gaps, self.gaps = self.gaps, []
        return gaps


def wait(ms: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(ms), loop.quit)
    loop.exec()


def sweep_once(window, beat: Heartbeat, text: str, timeout_s: float = 120) -> tuple[list, float]:
    done, loop = [], QEventLoop()

    def on_done(outcome) -> None:
        if outcome.result.input == text:
            done.append(outcome)
            loop.quit()

    window.analysis.done.connect(on_done)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    beat.start()
    t0 = time.perf_counter()
    window.set_input(text)
    window.analysis.run_now()
    loop.exec()
    seconds = time.perf_counter() - t0
    gaps = beat.stop()
    window.analysis.done.disconnect(on_done)
    if not done:
        raise SystemExit(f"no result for {text!r} within {timeout_s:.0f} s")
    return gaps, seconds


def summary(name: str, gaps: list[float]) -> str:
    q = statistics.quantiles(gaps, n=100)[98] if len(gaps) > 1 else 0.0
    over = sum(g > TARGET_MS for g in gaps)
    return (
        f"{name:<6} beats {len(gaps):5d}  max {max(gaps, default=0):5.1f} ms  "
        f"p99 {q:5.1f} ms  over {TARGET_MS} ms: {over}"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)

    import torch

    from inspector.core.prefs import Preferences
    from inspector.qt.main_window import MainWindow

    torch.set_num_threads(args.threads)
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        for var in ("CONFIG", "CACHE", "DATA", "LOG"):
            os.environ[f"INSPECTOR_{var}_DIR"] = str(Path(tmp) / var.lower())
        ckpt = smollm.build_checkpoint(Path(tmp) / "smollm")
        probe = smollm.write_probe(Path(tmp))
        window = MainWindow(prefs=Preferences(device="cpu"), autosave=False)
        window.show()
        window.open_probe(probe)
        window.open_path(ckpt)
        beat = Heartbeat()
        sweep_once(window, beat, smollm.INPUT)  # loads the model; not measured
        idle, busy, seconds = [], [], []
        for i in range(args.repeats):
            # a different last word each time: no result cache hit, a real edit's sweep
            text = smollm.INPUT.replace("tonight.", f"tonight{' again' * (i + 1)}.")
            gaps, secs = sweep_once(window, beat, text)
            busy += gaps
            seconds.append(secs)
            beat.start()
            wait(secs * 1000)
            idle += beat.stop()
        window.worker.shutdown()
        window.close()
    app.processEvents()
    print(
        f"{args.repeats} edits of a {len(smollm.INPUT.split())}-word review, "
        f"median {statistics.median(seconds):.2f} s each (prediction, units, explanation); "
        f"{args.threads} torch threads, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    print(summary("sweep", busy))
    print(summary("idle", idle))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
