"""Edit ▸ Preferences…: device, threads, resident models, memory budget, cache, unit, trusted code.

Applying saves Preferences (atomically) and hands the new limits to the worker's model pool, so
the next model the worker loads obeys them. trust_remote_code is consent given per checkpoint
folder, after a warning, and can be revoked here at any time.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from ..core.prefs import Preferences
from ..core.units import UNIT_KINDS

MIB = 2**20
TRUST_WARNING = (
    "Trusting {path} lets Inspector run the Python code shipped in that folder (auto_map / "
    "custom modelling files) when it loads the model. Only do this for checkpoints whose code you "
    "trust. You can revoke it in Preferences at any time.\n\nTrust this checkpoint?"
)


def available_devices() -> list[str]:
    """'auto' and 'cpu' always; an accelerator only when torch can use it on this machine."""
    devices = ["auto", "cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices


def apply_to_runtime(window, prefs: Preferences) -> None:
    """Push preferences into the running app: pool limits, consent, torch threads, cache size."""
    pool = window.worker.pool
    pool.max_resident = max(1, prefs.resident_models)
    pool.device = prefs.device
    pool.dtype = prefs.dtype
    pool.memory_budget = prefs.memory_budget
    pool.trusted = set(prefs.trusted_checkpoints)
    if prefs.threads > 0:
        torch.set_num_threads(prefs.threads)
    window.worker.cache.trim(prefs.cache_size_mib * MIB)


def evict_models(worker):
    """Unload resident models on the worker thread (which owns them); the next run reloads them
    on the new device, or without the custom code whose trust was just revoked. The Handle."""
    return worker.submit("preferences", lambda pool, task, emit: pool.clear()).start()


class PreferencesDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self.cache = window.worker.cache
        self.evict_request = None  # the Handle of the last eviction
        self.setWindowTitle("Preferences")
        prefs = window.prefs
        lay = QVBoxLayout(self)
        lay.addWidget(self._compute_group(prefs))
        lay.addWidget(self._cache_group(prefs))
        lay.addWidget(self._trust_group(prefs))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        lay.addWidget(self.buttons)
        self.refresh_usage()

    # -- building ------------------------------------------------------------------
    def _compute_group(self, prefs: Preferences) -> QGroupBox:
        box = QGroupBox("Models")
        form = QFormLayout(box)
        self.device = QComboBox()
        self.device.addItems(available_devices())
        if prefs.device in available_devices():
            self.device.setCurrentText(prefs.device)
        self.device.setToolTip("Where models run; 'auto' picks CUDA, then MPS, then the CPU")
        form.addRow("Device", self.device)
        self.threads = QSpinBox(
            minimum=0, maximum=max(64, os.cpu_count() or 1), value=prefs.threads
        )
        self.threads.setSpecialValueText("torch default")
        self.threads.setToolTip("CPU threads for forward passes (0: torch's default)")
        form.addRow("CPU threads", self.threads)
        self.resident = QSpinBox(minimum=1, maximum=16, value=prefs.resident_models)
        self.resident.setToolTip("Models kept loaded at once; loading another frees the oldest")
        form.addRow("Resident models", self.resident)
        self.budget = QDoubleSpinBox(minimum=0.25, maximum=4096.0, decimals=2, singleStep=0.5)
        self.budget.setValue(prefs.memory_budget_gib)
        self.budget.setSuffix(" GiB")
        self.budget.setToolTip(
            "A checkpoint estimated to need more than this is refused before loading"
        )
        form.addRow("Memory budget", self.budget)
        self.unit = QComboBox()
        self.unit.addItems(list(UNIT_KINDS))
        self.unit.setCurrentText(prefs.unit if prefs.unit in UNIT_KINDS else UNIT_KINDS[0])
        self.unit.setToolTip("Unit granularity for new inputs and sessions")
        form.addRow("Default units", self.unit)
        self.ray_address = QLineEdit(prefs.ray_address)
        self.ray_address.setPlaceholderText("empty: timelines run in this app")
        self.ray_address.setToolTip(
            "Run timelines on this Ray cluster (host:port, or 'auto' for the one on this"
            " machine); needs pip install 'inspector-faithfulness[cluster]'"
        )
        form.addRow("Ray address", self.ray_address)
        self.dtype = QComboBox()
        self.dtype.addItems(["auto", "float32", "bfloat16", "float16"])
        self.dtype.setCurrentText(prefs.dtype)
        self.dtype.setToolTip(
            "Weights' precision; auto is float32 on the CPU (bfloat16 is emulated there and"
            " slower) and bfloat16 on a CUDA GPU. A lower one is checked against float32 on"
            " the first input and the agreement shown with the results"
        )
        form.addRow("Weights dtype", self.dtype)
        return box

    def _cache_group(self, prefs: Preferences) -> QGroupBox:
        box = QGroupBox("Result cache")
        form = QFormLayout(box)
        self.cache_size = QSpinBox(
            minimum=16, maximum=1_048_576, value=prefs.cache_size_mib, singleStep=64
        )
        self.cache_size.setSuffix(" MiB")
        self.cache_size.setToolTip("Least recently used results are dropped beyond this size")
        form.addRow("Maximum size", self.cache_size)
        row = QHBoxLayout()
        self.usage = QLabel()
        self.clear_button = QPushButton("Clear cache")
        self.clear_button.setToolTip(f"Delete every cached result in {self.cache.path}")
        self.clear_button.clicked.connect(self.clear_cache)
        row.addWidget(self.usage, 1)
        row.addWidget(self.clear_button)
        form.addRow("In use", row)
        return box

    def _trust_group(self, prefs: Preferences) -> QGroupBox:
        box = QGroupBox("Checkpoints allowed to run their own code (trust_remote_code)")
        lay = QVBoxLayout(box)
        self.trusted = QListWidget()
        self.trusted.addItems(prefs.trusted_checkpoints)
        self.trusted.setToolTip(
            "Only these folders may run custom code; everything else loads safely"
        )
        lay.addWidget(self.trusted)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add…")
        self.remove_button = QPushButton("Remove")
        self.add_button.clicked.connect(self.ask_trust)
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        lay.addLayout(row)
        return box

    # -- actions -------------------------------------------------------------------
    def refresh_usage(self) -> None:
        self.usage.setText(f"{self.cache.size_bytes() / MIB:.2f} MiB in {len(self.cache)} results")

    def clear_cache(self) -> None:
        self.cache.clear()
        self.refresh_usage()
        self.window_.show_message("result cache cleared", "info")

    def trusted_paths(self) -> list[str]:
        return [self.trusted.item(i).text() for i in range(self.trusted.count())]

    def ask_trust(self) -> None:
        """Pick a checkpoint folder, warn about code execution, and add it only on an explicit Yes."""
        folder = QFileDialog.getExistingDirectory(self, "Trust a checkpoint folder")
        if not folder:
            return
        path = str(Path(folder).resolve())
        if path in self.trusted_paths():
            return
        answer = QMessageBox.warning(
            self,
            "Run code from this checkpoint?",
            TRUST_WARNING.format(path=path),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.trusted.addItem(path)

    def remove_selected(self) -> None:
        for item in self.trusted.selectedItems():
            self.trusted.takeItem(self.trusted.row(item))

    def apply(self) -> None:
        prefs = self.window_.prefs
        old_device, old_trusted = prefs.device, set(prefs.trusted_checkpoints)
        old_dtype = prefs.dtype
        prefs.device = self.device.currentText()
        prefs.dtype = self.dtype.currentText()
        prefs.threads = self.threads.value()
        prefs.resident_models = self.resident.value()
        prefs.memory_budget_gib = self.budget.value()
        prefs.cache_size_mib = self.cache_size.value()
        prefs.unit = self.unit.currentText()
        prefs.trusted_checkpoints = self.trusted_paths()
        prefs.ray_address = self.ray_address.text().strip()
        prefs.save()
        apply_to_runtime(self.window_, prefs)
        revoked = old_trusted - set(prefs.trusted_checkpoints)
        if prefs.dtype != old_dtype:
            self.window_.set_settings(self.window_.settings.with_(dtype=prefs.dtype))
        if prefs.device != old_device or prefs.dtype != old_dtype or revoked:
            self.evict_request = evict_models(self.window_.worker)
        self.refresh_usage()

    def accept(self) -> None:
        self.apply()
        super().accept()


def show_preferences(window) -> PreferencesDialog:
    dialog = PreferencesDialog(window)
    window.preferences_dialog = dialog  # kept alive while open, and reachable in tests
    dialog.show()
    return dialog


def install(window) -> QAction:
    """Edit ▸ Preferences, for the window to keep; what was saved last time applies now."""
    apply_to_runtime(window, window.prefs)  # consent and limits saved last time hold from the start
    act = QAction("&Preferences…", window)
    act.setShortcut(QKeySequence("Ctrl+,"))
    act.setMenuRole(QAction.MenuRole.PreferencesRole)
    act.setStatusTip("Device, threads, memory, cache and trusted checkpoints")
    act.triggered.connect(lambda: show_preferences(window))
    window.menus["Edit"].addSeparator()
    window.menus["Edit"].addAction(act)
    window.addAction(act)
    return act
