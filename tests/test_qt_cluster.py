"""The app's timeline on a Ray cluster: Preferences ▸ Ray address reaches the timeline job."""

from __future__ import annotations

import json
import shutil
import sys

import pytest
from conftest import three_checkpoint_series
from PySide6.QtWidgets import QDialogButtonBox

from inspector.core.prefs import Preferences
from inspector.qt.main_window import MainWindow

WAIT = 180_000


@pytest.fixture
def run_dir(keyword_model, sentiment_probe, tmp_path):
    root = three_checkpoint_series(keyword_model, tmp_path / "run")
    shutil.copy(sentiment_probe, root / "probe.toml")
    (root / "inputs.jsonl").write_text(json.dumps({"text": "the food was great"}) + "\n")
    return root


def test_ray_address_is_saved_and_the_timeline_runs_there(qtbot, run_dir, monkeypatch):
    win = MainWindow(prefs=Preferences(device="cpu"), autosave=False)
    qtbot.addWidget(win)
    try:
        win.preferences_action.trigger()
        dialog = win.preferences_dialog
        assert dialog.ray_address.text() == ""
        dialog.ray_address.setText(" auto ")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert Preferences.load().ray_address == "auto" == win.prefs.ray_address

        # without Ray installed, the run names what to install instead of running here
        monkeypatch.setitem(sys.modules, "ray", None)
        assert win.open_path(run_dir)
        win.run_timeline_action.trigger()
        qtbot.waitUntil(
            lambda: "inspector-faithfulness[cluster]" in win.timeline.info.text(), timeout=WAIT
        )
        assert win.timeline.result is None or not win.timeline.result.checkpoints
    finally:
        win.worker.shutdown()
