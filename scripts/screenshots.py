"""Grab the real main window, offscreen, to docs/screenshots/ (used by the README).

    .venv/bin/python scripts/screenshots.py                 # the demo's fixed-supervision run
    .venv/bin/python scripts/screenshots.py --series DIR --probe P.toml --inputs I.jsonl
    .venv/bin/python scripts/screenshots.py --timeline-only --variant refreshed \
        --out docs/screenshots/timeline_refreshed.png
    .venv/bin/python scripts/screenshots.py --all            # every screenshot the README shows

Under a real X server (``xvfb-run -a -s "-screen 0 1920x1080x24"``) the window is drawn by the
xcb platform; without one it falls back to Qt's offscreen platform.

The demo is built (or reused) in the user data dir; the app itself runs with
config, cache and session dirs in a temporary folder so your own session is untouched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
SHOTS = ROOT / "docs" / "screenshots"
# the long-review screenshot: a 70-word review in the demo model's vocabulary, at 1280×800
LONG_REVIEW = (
    "we came to this place on a quiet night with my staff and our visit was great at first . "
    "the menu was very great and the food was quite great , but the service was awful and "
    "the staff at the table was rather awful with us . they said we could have a refund but "
    "it was a long night and the room was cold . this was not a great visit for our team"
)
ALL = (
    ["--out", str(SHOTS / "main_window.png")],
    ["--no-timeline", "--size", "1280x800", "--edit", LONG_REVIEW, "--out",
     str(SHOTS / "long_review.png")],
    ["--timeline-only", "--variant", "fixed", "--out", str(SHOTS / "timeline_fixed.png")],
    ["--timeline-only", "--variant", "refreshed", "--out", str(SHOTS / "timeline_refreshed.png")],
)  # fmt: skip


def run_all() -> int:
    """Each screenshot in its own process: a fresh window, nothing carried over between them."""
    import subprocess

    for args in ALL:
        done = subprocess.run([sys.executable, __file__, *args], check=False)
        if done.returncode:
            return done.returncode
    return 0


def _wait(app, win, text_ready, timeout=300.0) -> None:
    """Run the event loop until the latest analysis of the shown input is complete."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        out = win.state.outcome
        if (
            text_ready()
            and out is not None
            and out.result.input == win.editor.text()
            and not win.worker.busy()
        ):
            return
        time.sleep(0.02)
    raise SystemExit("timed out waiting for the analysis")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--series", help="a series or checkpoint folder (default: the demo's 'fixed' run)"
    )
    ap.add_argument("--probe")
    ap.add_argument("--inputs")
    ap.add_argument(
        "--example",
        type=int,
        default=None,
        help="which example of the input set to show (demo: the first with the phase-2 cue)",
    )
    ap.add_argument("--edit", default=None, help="replace the input with this text after loading")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "main_window.png"))
    ap.add_argument("--size", default="1500x1000")
    ap.add_argument("--no-timeline", action="store_true", help="leave the timeline dock empty")
    ap.add_argument(
        "--variant", default="fixed", help="which demo run to open (fixed or refreshed)"
    )
    ap.add_argument(
        "--timeline-only", action="store_true", help="grab the timeline dock, not the window"
    )
    ap.add_argument("--all", action="store_true", help="regenerate every screenshot")
    args = ap.parse_args(argv)
    if args.all:
        return run_all()

    if args.series:
        series = Path(args.series)
    else:
        from inspector.demo.series import build_demo

        series = Path(build_demo()) / args.variant
    tmp = Path(tempfile.mkdtemp(prefix="inspector-shot-"))
    for kind in ("CONFIG", "CACHE", "DATA", "LOG"):
        os.environ[f"INSPECTOR_{kind}_DIR"] = str(tmp / kind.lower())

    from PySide6.QtWidgets import QApplication

    from inspector.core.prefs import Preferences
    from inspector.qt.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    win = MainWindow(prefs=Preferences(device="cpu"), autosave=False)
    w, h = (int(v) for v in args.size.split("x"))
    win.resize(w, h)
    win.show()
    if args.probe:
        win.open_probe(args.probe)
    if args.inputs:
        win.open_inputs(args.inputs)
    if not win.open_path(series):
        raise SystemExit(f"could not open {series}: {win.banner.label.text()}")
    example = args.example
    if example is None and not args.series:
        from inspector.demo.data import CUE

        # the demo's story: an input with the phase-2 cue, which the explanation ignores
        example = next((i for i, ex in enumerate(win.inputs) if CUE in ex.text.split()), None)
    if example is not None:
        win.load_example(example)
    _wait(app, win, lambda: bool(win.editor.text()))
    if args.edit:
        win.set_input(args.edit)
        _wait(app, win, lambda: win.editor.text() == args.edit)
    if not args.no_timeline and getattr(win, "timeline", None) is not None:
        win.timeline.run()  # the same action as Run > Run timeline
        end = time.monotonic() + 900
        while win.worker.busy() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.05)
    win.banner.hide()
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget

    bottom = [
        d
        for d in win.findChildren(QDockWidget)
        if win.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea and d.isVisible()
    ]
    if bottom:  # give the editor and the stated-vs-measured panel most of the height
        from inspector.qt.layout import fit_docks

        fit_docks(win)
    from inspector.qt.layout import fit_editor

    fit_editor(win)
    win.editor.setFocus()
    for _ in range(20):
        app.processEvents()
        time.sleep(0.01)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    widget = win.timeline_dock if args.timeline_only else win
    if args.timeline_only:  # the dock alone, at a size where the heat map rows can be told apart
        win.resizeDocks([win.timeline_dock], [int(h * 0.55)], Qt.Orientation.Vertical)
        for _ in range(20):
            app.processEvents()
            time.sleep(0.01)
    if not widget.grab().save(str(out)):
        raise SystemExit(f"could not write {out}")
    print(out, f"({app.platformName()})")
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
