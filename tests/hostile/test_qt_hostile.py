"""The same hostile files opened in the app: a banner, never a traceback or a frozen window,
and nothing the user had is lost. (pytest-qt fails a test on any exception raised in a slot.)"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from inspector.core.prefs import Preferences
from inspector.core.session import Session, save_session, session_path
from inspector.qt.main_window import MainWindow
from inspector.qt.session_io import restore_last

from .corpus import PROBE, header_not_an_object, nan_weights, weights_are_a_fifo

WAIT = 120_000


@pytest.fixture
def make_window(qtbot):
    made = []

    def make(prefs=None):
        win = MainWindow(prefs=prefs, autosave=False)
        qtbot.addWidget(win)
        win.show()
        made.append(win)
        return win

    yield make
    for win in made:
        win.worker.shutdown()


def test_bad_preferences_give_a_banner_and_the_session_still_restores(make_window, good):
    Preferences.path().parent.mkdir(parents=True, exist_ok=True)
    Preferences.path().write_text(json.dumps({"threads": -5, "device": "cpu"}))
    save_session(Session(text="the food was great", probe_text=PROBE))
    win = make_window()  # preferences read from the file, as at a real start
    assert win.prefs == Preferences()
    kept = list(Preferences.path().parent.glob("preferences.json.corrupt-*"))
    assert kept and win.banner.level == "warning" and str(kept[0]) in win.banner.label.text()
    assert "threads" in win.banner.label.text()
    restore_last(win)
    assert win.editor.text() == "the food was great"  # the session was not lost with them


@pytest.mark.parametrize(
    "data",
    [{"inputs": [1, 2]}, {"text": 5}, {"version": 99}, {"current_input": 7}],
    ids=["inputs-numbers", "text-number", "newer", "index-past-end"],
)
def test_a_session_with_wrong_types_gives_a_banner_and_the_app_starts(make_window, data):
    session_path().parent.mkdir(parents=True, exist_ok=True)
    written = json.dumps({"text": "hi", **data})
    session_path().write_text(written)
    win = make_window(Preferences(device="cpu"))
    assert restore_last(win) is False  # the app then opens the demo, as on a first start
    kept = list(session_path().parent.glob("session.json.corrupt-*"))
    assert kept and not win.banner.isHidden() and win.banner.level == "warning"
    assert str(kept[0]) in win.banner.label.text()
    assert kept[0].read_text() == written  # the user's file, kept whole
    # the next start does not trip again
    win2 = make_window(Preferences(device="cpu"))
    assert restore_last(win2) is False and win2.banner.isHidden()


@pytest.mark.parametrize("make", [header_not_an_object, weights_are_a_fifo, nan_weights])
def test_hostile_checkpoints_opened_in_the_app_give_a_banner(
    qtbot, make_window, make, good, tmp_path
):
    case = make(tmp_path, good)
    ckpt = case.argv[case.argv.index("--model") + 1]
    win = make_window(Preferences(device="cpu"))
    probe = tmp_path / "probe.toml"
    win.open_probe(probe)
    win.set_input("the food was great")
    win.open_path(ckpt)  # the FIFO and header cases fail here; NaN weights at load, in the worker
    qtbot.waitUntil(lambda: not win.banner.isHidden() and win.banner.level == "error", timeout=WAIT)
    text = win.banner.label.text()
    assert "\n" not in text and "Traceback" not in text
    assert any(s in text for s in ("corrupt safetensors", "not a regular file", "non-finite"))
    assert win.editor.text() == "the food was great"  # what the user typed is still there


def test_a_good_checkpoint_still_opens_after_a_hostile_one(qtbot, make_window, good, tmp_path):
    bad = header_not_an_object(tmp_path, good)
    win = make_window(Preferences(device="cpu"))
    win.open_probe(tmp_path / "probe.toml")
    win.open_path(bad.argv[bad.argv.index("--model") + 1])
    assert win.banner.level == "error"
    ok = shutil.copytree(good, tmp_path / "fine")
    with qtbot.waitSignal(win.analysis.done, timeout=WAIT):
        assert win.open_path(ok)
        win.set_input("the food was great")
    assert os.path.samefile(win.current_checkpoint(), ok)
