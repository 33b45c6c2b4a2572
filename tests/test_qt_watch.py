"""File ▸ Watch folder: the timeline dock grows as checkpoints of a training run appear."""

from __future__ import annotations

import json
import shutil

WAIT = 180_000


def _save_like_trainer(src, folder, step: int) -> None:
    """Weights first, trainer_state.json last, as transformers' Trainer writes a checkpoint."""
    shutil.copytree(src, folder)
    (folder / "trainer_state.json").write_text(json.dumps({"global_step": step, "log_history": []}))


def test_watch_folder_grows_the_timeline_as_checkpoints_are_saved(
    qtbot, window, keyword_model, sentiment_probe, tmp_path
):
    inputs = tmp_path / "inputs.jsonl"
    inputs.write_text(
        '{"text": "the food was great", "label": "positive"}\n{"text": "our staff was awful", "label": "negative"}\n'
    )
    window.open_probe(sentiment_probe)
    window.open_inputs(inputs)
    live = tmp_path / "run"
    live.mkdir()
    watch = window.folder_watch
    watch.timer.setInterval(100)
    assert watch.start(live)
    view = window.timeline

    _save_like_trainer(keyword_model, live / "checkpoint-100", 100)
    qtbot.waitUntil(
        lambda: view.result is not None and len(view.result.checkpoints) == 1, timeout=WAIT
    )
    assert view.result.checkpoints[0].metrics["accuracy"] == 1.0
    assert "checkpoint-100" in view.info.text()

    _save_like_trainer(keyword_model, live / "checkpoint-200", 200)
    qtbot.waitUntil(lambda: len(view.result.checkpoints) == 2, timeout=WAIT)
    assert [c.step for c in view.result.checkpoints] == [100, 200]
    assert view.result.reference == "checkpoint-100"
    assert len(view.plot.plotted.xs) == 2  # the curves were redrawn with the new point

    act = window.watch_folder_action
    act.blockSignals(True)
    act.setChecked(True)  # as if checked from the menu (which asks for the folder)
    act.blockSignals(False)
    act.setChecked(False)  # unchecking stops the watch
    assert not watch.active and not watch.timer.isActive()
