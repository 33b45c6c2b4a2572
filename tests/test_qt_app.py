"""First launch, series picking, the probe editor and opening bad folders, on the real window."""

from __future__ import annotations

import json
import shutil
import sys
import types

import pytest

WAIT = 120_000


@pytest.fixture(scope="module")
def tiny_demo(tmp_path_factory, keyword_model, sentiment_probe):
    """A demo-shaped folder: root/probe.toml, root/inputs.jsonl, root/fixed/checkpoint-{10,20}."""
    root = tmp_path_factory.mktemp("demo")
    for step in (10, 20):
        shutil.copytree(keyword_model, root / "fixed" / f"checkpoint-{step}")
    (root / "fixed" / "notes.txt").write_text("not a checkpoint")
    shutil.copy(sentiment_probe, root / "probe.toml")
    (root / "inputs.jsonl").write_text(
        "\n".join(
            json.dumps(d)
            for d in [
                {"text": "the staff was great", "label": "positive"},
                {"text": "our room was awful", "label": "negative"},
            ]
        )
    )
    return root


def test_first_launch_builds_the_demo_in_the_worker_then_opens_it(
    qtbot, window, tiny_demo, monkeypatch
):
    import threading

    from inspector.app import open_demo

    calls = []

    def build_demo(out=None, rebuild=False, progress=None, task=None):
        calls.append(threading.get_ident())
        for i in range(3):
            progress(i, 3, "training the demo")
        return tiny_demo

    fake = types.SimpleNamespace(
        build_demo=build_demo, demo_root=lambda: tiny_demo, is_complete=lambda root: False
    )
    monkeypatch.setitem(sys.modules, "inspector.demo.series", fake)
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT):
        open_demo(window)
        assert "Building the demo series on first launch" in window.banner.label.text()
    assert calls and calls[0] != threading.get_ident()  # built on the worker thread
    assert [n for n, _p in window.checkpoints] == ["checkpoint-10", "checkpoint-20"]
    assert window.current_checkpoint().endswith("checkpoint-20")
    assert window.probe.name == "tiny sentiment"
    assert [e.text for e in window.inputs] == ["the staff was great", "our room was awful"]
    assert window.editor.text() == "the staff was great"
    assert window.current_result.label == "positive"
    assert str(tiny_demo / "fixed") in window.prefs.recent
    # ◀ reruns the same input on the previous checkpoint
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT) as sig:
        window.picker.prev.click()
    assert window.current_checkpoint().endswith("checkpoint-10")
    assert sig.args[0].checkpoint.endswith("checkpoint-10")
    assert sig.args[0].result.input == "the staff was great"


def test_a_built_demo_opens_without_the_first_launch_message(qtbot, window, tiny_demo, monkeypatch):
    from inspector.app import open_demo

    fake = types.SimpleNamespace(
        build_demo=lambda **_kw: tiny_demo, demo_root=lambda: tiny_demo, is_complete=lambda r: True
    )
    monkeypatch.setitem(sys.modules, "inspector.demo.series", fake)
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT):
        open_demo(window)
        assert "first launch" not in window.banner.label.text()
    assert window.current_checkpoint().endswith("checkpoint-20")


def test_probe_editor_validates_in_place_and_applies(qtbot, window, tiny_demo):
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT):
        window.open_path(tiny_demo / "fixed")
    pe = window.probe_editor
    good = pe.text()
    pe.edit.setPlainText(good.replace("{input}", "{inptu}", 1))
    pe.validate()
    assert "unknown placeholder {inptu}" in pe.status.text()
    assert not pe.apply_btn.isEnabled()
    pe.edit.setPlainText(good.replace('positive = ["good"]', 'positive = ["good", "great"]'))
    qtbot.waitUntil(pe.apply_btn.isEnabled, timeout=5000)  # re-validated as the user types
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT):
        pe.apply_btn.click()
    assert window.probe.labels["positive"] == ("good", "great")
    saved = tiny_demo / "edited.toml"
    pe.save(str(saved))
    assert "great" in saved.read_text()


def test_opening_a_folder_without_checkpoints_is_a_message(qtbot, window, tmp_path):
    (tmp_path / "empty").mkdir()
    assert not window.open_path(tmp_path / "empty")
    assert window.banner.isVisible() and window.banner.level == "error"
    assert "no checkpoints" in window.banner.label.text() or "empty" in window.banner.label.text()
    assert not window.open_path(tmp_path / "missing")
    assert "no such file" in window.banner.label.text()
    assert window.current_checkpoint() is None


def _drop(window, *paths):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    ev = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(ev)


def test_drop_opens_model_probe_and_inputs_and_recent_reopens(
    qtbot, window, tiny_demo, keyword_model
):
    ckpt = tiny_demo / "fixed" / "checkpoint-10"
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT):
        _drop(window, tiny_demo / "inputs.jsonl", ckpt, tiny_demo / "probe.toml")
    assert window.probe.name == "tiny sentiment"
    assert [e.text for e in window.inputs] == ["the staff was great", "our room was awful"]
    assert window.current_checkpoint() == str(ckpt)
    assert window.prefs.recent[0] == str(ckpt)

    assert window.open_path(keyword_model)
    entries = [a.text() for a in window.acts.recent_menu.actions()]
    assert entries[0].endswith(str(keyword_model)) and entries[1].endswith(str(ckpt))
    window.acts.recent_menu.actions()[1].trigger()  # File ▸ Open recent ▸ 2
    assert window.current_checkpoint() == str(ckpt)


def test_a_failed_analysis_leaves_the_status_idle_with_one_banner(
    qtbot, window, keyword_model, sentiment_probe
):
    from inspector.core.probe import parse_probe

    assert window.open_path(keyword_model)
    # the word-level tokenizer has no chat template: every request of this probe fails
    chat = parse_probe(
        sentiment_probe.read_text().replace('name = "tiny sentiment"', 'name = "c"\nchat = true')
    )
    messages = []
    window.analysis.failed.connect(lambda m, d: messages.append(m))
    with qtbot.waitSignal(window.analysis.failed, timeout=WAIT):
        window.set_probe(chat)
        window.set_input("the food was great")
    qtbot.wait(300)
    assert "no chat template" in window.banner.label.text()
    assert window.status.message.text() == "failed"
    assert window.status.progress.isHidden() and window.status.cancel.isHidden()
    assert not window.status.model.text().endswith("· loading")
    assert len(set(messages)) == 1
    # the good probe back: the error banner goes once a result arrives
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT):
        window.open_probe(sentiment_probe)
    assert window.banner.isHidden()


def test_applying_a_probe_clears_the_no_probe_note_and_checks_gold_labels(
    qtbot, window, tiny_demo, sentiment_probe
):
    from inspector.core.probe import parse_probe

    (tiny_demo / "probe.toml").rename(tiny_demo / "probe.off")
    try:
        assert window.open_path(tiny_demo / "fixed")
    finally:
        (tiny_demo / "probe.off").rename(tiny_demo / "probe.toml")
    assert window.banner.label.text().startswith("No probe yet")
    window.open_inputs(tiny_demo / "inputs.jsonl")  # gold labels positive/negative
    window.set_probe(parse_probe(sentiment_probe.read_text()))
    assert window.banner.isHidden() or not window.banner.label.text().startswith("No probe yet")
    other = sentiment_probe.read_text().replace("positive =", "yes =").replace("negative =", "no =")
    window.set_probe(parse_probe(other, "other.toml"))
    text = window.banner.label.text()
    assert "gold labels negative, positive are not labels of this probe (yes, no)" in text


def test_the_qt_binding_keeps_its_references_to_none(qtbot):
    # PySide6 6.12.0 on Python 3.11 lost one per void call: the app died after a few hundred edits
    from inspector.qt import binding

    assert binding.lost_references() == 0
    assert binding.problem() is None


def test_a_binding_that_loses_references_is_refused_before_any_window(qtbot, monkeypatch, capsys):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from inspector import app
    from inspector.qt import binding

    monkeypatch.setattr(binding, "lost_references", lambda: binding.CALLS)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, title, text: shown.append(title))
    assert app.main([]) == 1
    assert shown == ["Inspector cannot start"]
    assert "pip install 'PySide6-Essentials>=6.6,<6.12'" in capsys.readouterr().err
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def test_help_lists_every_shortcut_and_both_redo_keys_work(qtbot, window):
    from PySide6.QtGui import QKeySequence

    from inspector.qt.window_actions import shortcut_help

    text = shortcut_help(window)
    for key in ("Ctrl+Alt+1", "Ctrl+Alt+2", "Ctrl+Shift+Return", "Ctrl+T", "Esc"):
        assert key in text  # submenu items and actions in no menu are listed too
    assert "▸ words: Ctrl+Alt+1" in text
    redo = next(a for a in window.menus["Edit"].actions() if a.text() == "&Redo")
    keys = {k.toString() for k in redo.shortcuts()}
    assert {"Ctrl+Y", "Ctrl+Shift+Z"} <= keys
    assert QKeySequence("Ctrl+Shift+Z").toString() in text


def test_the_ablation_in_force_is_checked_and_an_empty_pin_is_refused(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    acts = window.acts.ablation
    assert acts["delete"].isChecked() and not acts["replace"].isChecked()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("…", False))  # cancelled
    acts["replace"].trigger()
    assert acts["delete"].isChecked() and window.settings.ablation == "delete"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("the", True))
    acts["replace"].trigger()
    assert acts["replace"].isChecked() and window.settings.ablation == "replace"
    assert window.settings.filler == "the"
    window.set_input("")
    window.pin_baseline()
    assert (
        window.state.baseline_text is None and "Type an input first" in window.banner.label.text()
    )


def test_run_menu_offers_phrase_and_sentence_units(qtbot, window):
    from inspector.qt.window_actions import shortcut_help

    assert list(window.acts.units) == ["word", "token", "phrase", "sentence"]
    text = shortcut_help(window)
    assert "▸ phrases: Ctrl+Alt+3" in text and "▸ sentences: Ctrl+Alt+4" in text
    window.acts.units["sentence"].trigger()
    assert window.settings.unit == "sentence"
    window.acts.units["phrase"].trigger()
    assert window.settings.unit == "phrase" and window.acts.units["phrase"].isChecked()
