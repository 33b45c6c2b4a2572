"""The app opens a hub-cache folder with a revision filter and a LoRA run with a chosen base."""

from __future__ import annotations

import json
import shutil

import pytest
from layouts_util import _adapter, _base, _snapshot
from PySide6.QtCore import Qt

from inspector.qt.opening import layout_questions

pytest.importorskip("peft")
WAIT = 180_000


@pytest.fixture
def hub(tmp_path):
    a, b = _base(tmp_path / "a", seed=1), _base(tmp_path / "b", seed=2)
    repo = tmp_path / "models--org--tiny"
    _snapshot(repo, "1" * 40, a)
    _snapshot(repo, "2" * 40, b)
    (repo / "refs").mkdir()
    for ref, commit in {"step20": "1" * 40, "step100": "2" * 40, "main": "2" * 40}.items():
        (repo / "refs" / ref).write_text(commit)
    return repo


def test_hub_cache_opens_filtered_and_marks_duplicates_after_a_run(
    qtbot, window, hub, sentiment_probe, tmp_path
):
    assert layout_questions(hub) == {"revisions": True, "base": False}
    assert window.open_path(hub, revisions="^step")
    assert [n for n, _ in window.checkpoints] == ["step20", "step100"]

    assert window.open_path(hub)
    assert [n for n, _ in window.checkpoints] == ["step20", "step100", "main"]
    window.open_probe(sentiment_probe)
    inputs = tmp_path / "inputs.txt"
    inputs.write_text("great food service\nawful slow service\n")
    window.open_inputs(inputs)
    view = window.timeline
    with qtbot.waitSignal(view.timeline_done, timeout=WAIT):
        window.run_timeline_action.trigger()
    lst = view.checkpoints
    items = {lst.item(i).text(): lst.item(i) for i in range(lst.count())}
    assert "same weights as step100" in items["main"].toolTip()
    assert items["main"].font().italic() and not items["step100"].font().italic()
    assert items["step20"].checkState() == Qt.CheckState.Checked
    main = view.result.find("main")
    assert main.duplicate_of == "step100" and len(main.sha256) == 64


def test_lora_run_whose_base_moved_asks_for_it_and_opens_with_it(window, tmp_path):
    base = _base(tmp_path / "base")
    run = tmp_path / "run"
    for step in (10, 20):
        ck = _adapter(base, run / f"checkpoint-{step}", seed=step, base_name=str(tmp_path / "gone"))
        (ck / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    assert layout_questions(run) == {"revisions": False, "base": True}
    assert not window.open_path(run)  # the base named in adapter_config.json is not there
    moved = tmp_path / "elsewhere"
    shutil.move(base, moved)
    assert window.open_path(run, base=str(moved))
    assert [n for n, _ in window.checkpoints] == ["checkpoint-10", "checkpoint-20"]


def test_a_session_reopens_a_lora_run_with_the_base_it_was_opened_with(qtbot, window, tmp_path):
    from inspector.core import adapters
    from inspector.core.prefs import Preferences
    from inspector.core.session import load_session
    from inspector.qt.main_window import MainWindow

    base = _base(tmp_path / "base")
    run = tmp_path / "run"
    for step in (10, 20):
        _adapter(base, run / f"checkpoint-{step}", seed=step, base_name=str(tmp_path / "gone"))
    assert window.open_path(run, base=str(base))
    window.save_session(tmp_path / "session.json")
    adapters._bases.clear()  # as in a new process: the base is known only from the session
    again = MainWindow(prefs=Preferences(device="cpu"), autosave=False)
    qtbot.addWidget(again)
    try:
        again.restore_session(load_session(tmp_path / "session.json"))
        assert [n for n, _ in again.checkpoints] == ["checkpoint-10", "checkpoint-20"]
        assert again.state.open_options == {"base": str(base)}
    finally:
        again.worker.shutdown()
