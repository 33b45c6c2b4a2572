"""The path of an edit (docs/ARCHITECTURE.md): a keystroke reaches the painted Δ through few modules.

The modules are counted from the call stacks at the four hand-offs of a real keystroke on a
real (tiny) model: the edit reaching the controller, the job being submitted, the job entering
the core analysis, and the result being painted. The analysis's own internals (tokenising,
forward passes) are one step, entered through core/analysis.py.
"""

from __future__ import annotations

import functools
import sys

from inspector.core.analysis import Analyzer
from inspector.core.prefs import Preferences
from inspector.qt.controller import AnalysisController
from inspector.qt.token_editor import TokenEditor
from inspector.qt.worker import Worker

WAIT = 120_000
LIMIT = 8


def _modules_on_stack() -> list[str]:
    frame, seen = sys._getframe(2), []  # the caller of the spied function and up
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("inspector.") and name not in seen:
            seen.append(name)
        frame = frame.f_back
    return seen


def _spy(monkeypatch, cls, name, stacks: dict, when=lambda *a: True):
    real = getattr(cls, name)

    @functools.wraps(real)  # the same signature: psygnal passes a slot only what it takes
    def spied(*args, **kwargs):
        if stacks.get("armed") and name not in stacks and when(*args):
            stacks[name] = [f"{cls.__module__}", *_modules_on_stack()]
        return real(*args, **kwargs)

    monkeypatch.setattr(cls, name, spied)


def test_a_keystroke_reaches_the_painted_delta_through_at_most_8_modules(
    qtbot, monkeypatch, keyword_model, sentiment_probe
):
    from inspector.qt.main_window import MainWindow

    stacks: dict = {}
    _spy(monkeypatch, AnalysisController, "_on_text", stacks)
    _spy(monkeypatch, Worker, "submit", stacks, lambda _w, kind, *_a: kind == "analyze")
    _spy(monkeypatch, Analyzer, "analyze", stacks)
    _spy(monkeypatch, TokenEditor, "show_result", stacks, lambda _e, result: result is not None)
    win = MainWindow(prefs=Preferences(device="cpu"), autosave=False)
    qtbot.addWidget(win)
    win.show()
    try:
        win.open_probe(sentiment_probe)
        assert win.open_path(keyword_model)
        with qtbot.waitSignal(win.analysis.done, timeout=WAIT):
            win.set_input("the food was")
        win.editor.setFocus()
        win.editor.moveCursor(win.editor.textCursor().MoveOperation.End)
        stacks["armed"] = True
        with qtbot.waitSignal(
            win.analysis.done,
            timeout=WAIT,
            check_params_cb=lambda o: o.result.input == "the food was great",
        ):
            qtbot.keyClicks(win.editor, " great")
        qtbot.waitUntil(lambda: "show_result" in stacks, timeout=WAIT)
    finally:
        win.worker.shutdown()
    assert win.editor.painted and [u.text for u, _d, _c in win.editor.painted][-1] == "great"
    hops = {k: v for k, v in stacks.items() if k != "armed"}
    assert set(hops) == {"_on_text", "submit", "analyze", "show_result"}
    modules = sorted({m for stack in hops.values() for m in stack})
    assert "inspector.qt.token_editor" in hops["_on_text"]  # it started at the keystroke
    assert len(modules) <= LIMIT, modules
