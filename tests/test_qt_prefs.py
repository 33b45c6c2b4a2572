"""Preferences and About on the real window: edits persist, reach the pool, clear a real cache."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox

import inspector
from inspector.core import paths
from inspector.core.cache import ResultCache
from inspector.core.prefs import Preferences
from inspector.qt import preferences
from inspector.qt.main_window import MainWindow

WAIT = 120_000


@pytest.fixture
def window(qtbot):
    threads = torch.get_num_threads()
    win = MainWindow(autosave=False)  # preferences come from the (redirected) config dir
    qtbot.addWidget(win)
    yield win
    win.worker.shutdown()
    torch.set_num_threads(threads)


def _open_prefs(qtbot, win) -> preferences.PreferencesDialog:
    assert win.preferences_action.shortcut().toString() == "Ctrl+,"
    assert win.preferences_action in win.menus["Edit"].actions()
    win.preferences_action.trigger()
    dialog = win.preferences_dialog
    qtbot.waitExposed(dialog)
    return dialog


def _press(dialog, button) -> None:
    dialog.buttons.button(button).click()


def test_edits_persist_and_reach_the_worker_pool(qtbot, window):
    dialog = _open_prefs(qtbot, window)
    assert (dialog.device.findText("cuda") >= 0) == torch.cuda.is_available()
    dialog.device.setCurrentText("cpu")
    dialog.threads.setValue(1)
    dialog.resident.setValue(3)
    dialog.budget.setValue(2.5)
    dialog.cache_size.setValue(64)
    dialog.unit.setCurrentText("token")
    _press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert not dialog.isVisible()

    saved = Preferences.load()
    assert str(Preferences.path()).startswith(str(paths.config_dir()))
    assert (saved.device, saved.threads, saved.resident_models) == ("cpu", 1, 3)
    assert (saved.memory_budget_gib, saved.cache_size_mib, saved.unit) == (2.5, 64, "token")
    pool = window.worker.pool
    assert (pool.max_resident, pool.device, pool.memory_budget) == (3, "cpu", int(2.5 * 2**30))
    assert torch.get_num_threads() == 1


def test_cancel_changes_nothing(qtbot, window):
    dialog = _open_prefs(qtbot, window)
    dialog.resident.setValue(5)
    _press(dialog, QDialogButtonBox.StandardButton.Cancel)
    assert Preferences.load().resident_models == 1
    assert window.worker.pool.max_resident == 1


def test_clear_cache_empties_the_real_result_cache(qtbot, window, keyword_model, sentiment_probe):
    window.open_probe(sentiment_probe)
    assert window.open_path(keyword_model)
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT):
        window.set_input("the food was great")
    cache = window.worker.cache
    assert len(cache) >= 1 and cache.size_bytes() > 0

    dialog = _open_prefs(qtbot, window)
    assert dialog.usage.text().endswith(f"in {len(cache)} results")
    qtbot.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    assert len(cache) == 0 and cache.size_bytes() == 0
    assert dialog.usage.text() == "0.00 MiB in 0 results"
    reopened = ResultCache(cache.path)  # the rows are gone from disk, not just from this connection
    assert len(reopened) == 0
    reopened.close()


def test_changing_device_unloads_resident_models(qtbot, window, keyword_model, sentiment_probe):
    window.open_probe(sentiment_probe)
    assert window.open_path(keyword_model)
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT):
        window.set_input("the food was awful")
    assert window.worker.pool.resident() == [str(keyword_model)]
    dialog = _open_prefs(qtbot, window)
    dialog.device.setCurrentText("cpu")  # was "auto"
    _press(dialog, QDialogButtonBox.StandardButton.Apply)
    qtbot.waitUntil(lambda: not dialog.evict_request.is_live(), timeout=WAIT)  # models unloaded
    assert window.worker.pool.resident() == []


def _consent(monkeypatch, folder: Path, answer) -> list[str]:
    asked: list[str] = []
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder))
    )

    def warning(parent, title, text, *args):
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    return asked


def test_trust_needs_explicit_consent_is_remembered_and_revocable(
    qtbot, window, tmp_path, monkeypatch
):
    folder = (tmp_path / "custom-code-ckpt").resolve()
    folder.mkdir()
    dialog = _open_prefs(qtbot, window)

    asked = _consent(monkeypatch, folder, QMessageBox.StandardButton.No)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and str(folder) in asked[0] and "run the Python code" in asked[0]
    assert dialog.trusted_paths() == []

    _consent(monkeypatch, folder, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.trusted_paths() == [str(folder)]
    _press(dialog, QDialogButtonBox.StandardButton.Apply)
    assert Preferences.load().trusted_checkpoints == [str(folder)]
    assert window.worker.pool.trusted == {str(folder)}

    restarted = MainWindow(autosave=False)  # consent survives a restart
    qtbot.addWidget(restarted)
    assert restarted.worker.pool.trusted == {str(folder)}
    restarted.worker.shutdown()

    dialog.trusted.setCurrentRow(0)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    _press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert Preferences.load().trusted_checkpoints == []
    assert window.worker.pool.trusted == set()


def test_about_shows_versions_and_paths_and_copies_them(qtbot, window):
    window.about_action.trigger()
    dialog = window.about_dialog
    qtbot.waitExposed(dialog)
    text = dialog.details.toPlainText()
    assert f"Inspector {inspector.__version__}" in text and torch.__version__ in text
    for path in paths.all_paths().values():
        assert str(path) in text
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == text


class _UrlCatcher(QObject):
    def __init__(self):
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_open_log_folder_opens_the_log_dir(window):
    catcher = _UrlCatcher()  # Qt's own hook for file URLs, so no file manager starts in the test
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        window.open_logs_action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(u.toLocalFile()) for u in catcher.urls] == [paths.log_dir()]
    assert not window.windowIcon().isNull()


def test_bfloat16_setting_reloads_the_model_and_shows_its_agreement(
    qtbot, window, keyword_model, sentiment_probe
):
    window.open_probe(sentiment_probe)
    assert window.open_path(keyword_model)
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT):
        window.set_input("the food was awful")
    dialog = _open_prefs(qtbot, window)
    dialog.dtype.setCurrentText("bfloat16")
    _press(dialog, QDialogButtonBox.StandardButton.Apply)
    qtbot.waitUntil(lambda: not dialog.evict_request.is_live(), timeout=WAIT)  # models unloaded
    assert Preferences.load().dtype == "bfloat16" and window.worker.pool.dtype == "bfloat16"
    assert window.settings.dtype == "bfloat16"
    with qtbot.waitSignal(window.analysis.done, timeout=WAIT) as done:
        window.set_input("the food was great")
    assert window.worker.pool._models[str(keyword_model)].dtype == torch.bfloat16
    precision = done.args[0].result.precision
    assert precision["dtype"] == "bfloat16" and "max_abs_dp" in precision
    assert any("against float32" in n for n in done.args[0].result.notes)  # shown with the result
