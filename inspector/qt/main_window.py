"""The main window: editor, stated-vs-measured, prediction, pickers and the probe dock.

A view of ``core.state.SessionState`` (docs/ARCHITECTURE.md): user actions write the state,
the controller keeps its results current, and the panels repaint from its change events.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..core.analysis import torch_threads
from ..core.cache import ResultCache
from ..core.example_rows import rows_at
from ..core.inputs import Example
from ..core.loading import ModelPool
from ..core.prefs import Preferences
from ..core.probe import Probe
from ..core.results import ExampleResult, Settings
from ..core.state import SessionState
from . import (
    about,
    opening,
    preferences,
    report_export,
    session_io,
    timeline_view,
    watch_folder,
    window_actions,
)
from .checkpoint_picker import CheckpointPicker
from .controller import AnalysisController
from .editor_panel import EditorPanel
from .examples_table import ExamplesTable
from .layout import fit_docks, fit_editor
from .prediction_panel import PredictionPanel
from .probe_editor import ProbeEditor
from .spans import carry_spans
from .stated_panel import StatedPanel
from .status import MessageBanner, Messages, ProgressRouter, StatusWidgets
from .top_units import TopUnits
from .worker import Worker

AUTOSAVE_MS = 500  # a kill -9 loses at most the edit made in the last half second
PAINT_MS = 120  # streaming results are painted at most this often


class MainWindow(QMainWindow):
    def __init__(self, prefs: Preferences | None = None, autosave: bool = True):
        super().__init__()
        self.setWindowTitle("Inspector")
        self.setObjectName("InspectorMainWindow")
        self.setAcceptDrops(True)
        self.setDockOptions(
            QMainWindow.DockOption.AllowTabbedDocks | QMainWindow.DockOption.AnimatedDocks
        )
        prefs_problems: list[str] = []  # a bad preferences file: shown once the banner exists
        self.prefs = prefs or Preferences.load(prefs_problems)
        self.worker = Worker(
            ModelPool(
                self.prefs.resident_models,
                self.prefs.device,
                self.prefs.memory_budget,
                self.prefs.dtype,
            ),
            ResultCache(),
        )
        self.state = SessionState(settings=Settings(unit=self.prefs.unit, dtype=self.prefs.dtype))
        self.analysis = AnalysisController(self.state, self.worker, self)
        if self.prefs.threads:
            torch_threads(self.prefs.threads)
        self.menus: dict = {}
        # dialogs, made at their first opening and kept while open
        self.shortcuts_dialog = self.about_dialog = self.preferences_dialog = None
        self.restoring = False
        self.docks_fitted = False  # default dock sizes are set once, at the first show
        self.undo_stack = QUndoStack(self)
        self._paint_timer = QTimer(self, singleShot=True, interval=PAINT_MS)
        self._paint_timer.timeout.connect(self._paint_later)
        self._paint_pending = False
        self._build()
        for problem in prefs_problems:
            self.show_message(problem, "warning")
        self.acts = window_actions.WindowActions()
        window_actions.install(self)
        self._autosave = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_session)
        self.autosave_enabled = autosave
        # the panels beyond the editor: each module builds its part and the window keeps it
        self.preferences_action = preferences.install(self)
        self.about_action, self.open_logs_action = about.install(self)
        self.report_exporter, self.export_report_action = report_export.install(self)
        self.timeline, self.timeline_dock, self.run_timeline_action = timeline_view.install(self)
        self.folder_watch, self.watch_folder_action = watch_folder.install(self)
        self._observe_state()

    # -- layout ----------------------------------------------------------------
    def _build(self) -> None:
        self.banner = MessageBanner()
        self.editor_panel = EditorPanel(self.undo_stack)
        self.editor = self.editor_panel.editor
        self.stated = StatedPanel()
        # the tinted input is the main measured view; every unit, ranked, sits beside it
        self.top_units = TopUnits()
        measured = QSplitter(Qt.Orientation.Horizontal)
        measured.setObjectName("split.measured")
        measured.addWidget(self.editor_panel)
        measured.addWidget(self.top_units)
        measured.setStretchFactor(0, 4)
        measured.setStretchFactor(1, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("split.central")
        split.addWidget(measured)
        split.addWidget(self.stated)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.banner)
        lay.addWidget(split, 1)
        self.setCentralWidget(central)

        self.picker = CheckpointPicker()
        bar = QToolBar("Checkpoint")
        bar.setObjectName("toolbar.checkpoint")
        self.series_label = QLabel("no series")
        self.series_label.setToolTip(
            "The open series or checkpoint (File ▸ Open, or drop a folder here)"
        )
        bar.addWidget(self.series_label)
        bar.addWidget(self.picker)
        self.addToolBar(bar)

        self.examples = ExamplesTable()
        self.prediction = PredictionPanel()
        self.probe_editor = ProbeEditor()
        self.examples_dock = self._dock(
            "Examples", self.examples, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.prediction_dock = self._dock(
            "Prediction", self.prediction, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.probe_dock = self._dock(
            "Probe", self.probe_editor, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.tabifyDockWidget(self.prediction_dock, self.probe_dock)
        self.prediction_dock.raise_()
        self.status = StatusWidgets(self.statusBar())

        self.picker.chosen.connect(self.open_checkpoint)
        self.examples.picked.connect(self.load_example)
        self.editor.edited.connect(self._on_edited)
        self.editor_panel.pin_requested.connect(self.pin_baseline)
        self.top_units.unit_clicked.connect(self.editor.select_unit_index)
        self.stated.chart.unit_clicked.connect(self.editor.select_unit_index)
        self.probe_editor.applied.connect(self.set_probe)
        # the pinned baseline is a side job: it never takes over the status bar
        self.progress_router = ProgressRouter(self.status, self.worker, self.analysis.cancel)
        self.cancel_shown = self.progress_router.cancel_shown
        self.messages = Messages(self.banner, self.status, self.statusBar())
        self.analysis.done.connect(self.messages.done)
        self.analysis.failed.connect(lambda m, d: self.messages.failed(m, d, self.state.checkpoint))

    def _observe_state(self) -> None:
        ev = self.state.events
        ev.result.connect(self._on_result)
        ev.baseline.connect(lambda _b: self._paint_prediction())
        ev.settings.connect(lambda _s: window_actions.sync_setting_actions(self))
        for what in (ev.checkpoint, ev.probe, ev.settings):
            what.connect(lambda *_a: (self.sync_example_results(), self.changed()))
        ev.timeline.connect(lambda _t: self.sync_example_results())

    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock.{title.lower()}")
        dock.setWidget(widget)
        self.add_panel(dock, area)
        return dock

    def add_panel(self, dock: QDockWidget, area=Qt.DockWidgetArea.BottomDockWidgetArea) -> None:
        """Add a movable, closable dock; it is listed under View and its place is saved in the session."""
        if not dock.objectName():
            dock.setObjectName(f"dock.{dock.windowTitle().lower()}")
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        if "View" in self.menus:
            self.menus["View"].addAction(dock.toggleViewAction())

    # -- what is open ------------------------------------------------------------
    # read-only views of the state, for the panels and scripts that read them often
    @property
    def probe(self) -> Probe | None:
        return self.state.probe

    @property
    def settings(self) -> Settings:
        return self.state.settings

    @property
    def inputs(self) -> list[Example]:
        return self.state.inputs

    @property
    def checkpoints(self) -> list[tuple[str, str]]:
        return self.state.checkpoints

    @property
    def current_result(self) -> ExampleResult | None:
        return self.state.result

    def current_checkpoint(self) -> str | None:
        return self.state.checkpoint

    def open_path(self, path, **options) -> bool:
        """A checkpoint folder, a .gguf file or a series folder; returns whether it opened.

        ``options``: ``base`` (LoRA adapters' base model), ``revisions`` (a name filter)."""
        return opening.open_path(self, Path(path), **options)

    def open_checkpoint(self, name_or_path: str) -> None:
        path = self.state.checkpoint_path(name_or_path)
        if path == self.state.checkpoint:
            return
        self.picker.select(path)
        self.status.model.setText(f"{Path(path).name} · loading")
        self.state.checkpoint = path

    def sync_example_results(self) -> None:
        """The examples table's result columns: the last timeline's results here, if they apply."""
        st = self.state
        self.examples.show_results(
            rows_at(st.timeline, st.checkpoint, st.inputs, st.probe, st.settings)
        )

    def set_probe(self, probe: Probe) -> None:
        if self.banner.isVisible() and self.banner.label.text().startswith("No probe yet"):
            self.banner.hide()
        opening.warn_foreign_labels(self, probe)
        if self.probe_editor.text() != probe.source:
            self.probe_editor.load(probe.source, probe.path)
        if probe == self.state.probe:
            self.analysis.refresh_all()  # applied again: the user asks for a rerun
        self.state.probe = probe

    def open_probe(self, path) -> None:
        opening.open_probe(self, path)

    def set_settings(self, settings: Settings) -> None:
        self.state.settings = settings
        window_actions.sync_setting_actions(self)  # a cancelled dialog leaves them as they were

    def open_inputs(self, path) -> None:
        opening.open_inputs(self, path)

    def set_inputs(self, examples: list[Example], current: int | None = None) -> None:
        self.state.inputs = list(examples)
        self.examples.set_examples(self.state.inputs, current)
        self.sync_example_results()
        self.changed()

    def load_example(self, index: int) -> None:
        if 0 <= index < len(self.inputs):
            self.state.current_input = index
            self.examples.select(index)
            ex = self.inputs[index]
            self.set_input(ex.text, ex.label)
            self.pin_baseline()

    def open_example(self, ex: Example) -> None:
        """An example picked elsewhere (timeline, compare): its row of the input set if it has one."""
        at = next((i for i, e in enumerate(self.inputs) if e == ex), None)
        if at is None:
            self.set_input(ex.text, ex.label)
        else:
            self.load_example(at)

    def set_input(self, text: str, gold: str | None = None) -> None:
        """Replace the input (undoable) and analyze it at once; the first input becomes the baseline."""
        self.editor.set_text(text, "Load input")
        fit_editor(self)
        self.state.set_text(text, gold)
        self.analysis.run_now()
        if self.editor_panel.baseline is None:
            self.pin_baseline()

    def pin_baseline(self) -> None:
        text = self.editor.text()
        if not text.strip():
            self.show_message("Type an input first, then pin it as the baseline (Ctrl+B)", "info")
            return
        self.editor_panel.set_baseline(text)
        if text == self.state.baseline_text:
            self.analysis.request_baseline()
        self.state.baseline_text = text
        self.changed()

    # -- painting ----------------------------------------------------------------
    def _on_edited(self, text: str) -> None:
        st = self.state
        if text == st.text:
            return
        if st.settings.unit == "span" and st.settings.spans:
            # the marked spans move with the edit; the edit itself reruns, debounced
            with st.events.settings.blocked():
                st.settings = st.settings.with_(spans=carry_spans(st.settings.spans, st.text, text))
        st.set_text(text, st.gold if st.editing_input(text) else None)
        self.changed()

    def _on_result(self, result: ExampleResult | None) -> None:
        """Paint a final (or dropped) result now, streamed ones at most every PAINT_MS."""
        self.messages.notes(result)
        final = result is None or bool(result.metrics)
        if final or not self._paint_timer.isActive():
            self._paint_timer.stop()
            self._paint_now()
            if not final:
                self._paint_timer.start()  # swallow the next few events; the timer paints the latest
        else:
            self._paint_pending = True

    def _paint_later(self) -> None:
        if self._paint_pending:
            self._paint_pending = False
            self._paint_now()

    def _paint_now(self) -> None:
        shown = self.state.result  # the state keeps it the result of the text on screen
        self.editor.show_result(shown)
        if shown is None or len(shown.unit_probs) >= len(shown.units):
            # the ranked list is rebuilt once per sweep, not per streamed batch
            self.top_units.display(shown)
        # the highlight follows the result's own settings until the rerun of a toggle arrives
        forms = self.state.result_settings.word_forms
        self.stated.display(shown, self.settings.counterfactual, forms)
        self._paint_prediction()

    def _paint_prediction(self) -> None:
        self.prediction.display(self.state.result, self.state.baseline)

    def show_analysis_error(self, message: str, details: str = "") -> None:
        """An error that the next good analysis settles (a bad probe, a model that failed)."""
        self.messages.error_until_success(message, details)

    def show_message(self, text: str, level: str = "info", details: str = "") -> None:
        """A non-modal banner (errors offer "Copy details"); also logged."""
        self.messages.show(text, level, details)

    # -- sessions ------------------------------------------------------------------
    def changed(self) -> None:
        """Something worth keeping changed: autosave soon (debounced)."""
        if self.autosave_enabled and not self.restoring:
            self._autosave.start()

    def save_session(self, path=None) -> None:
        session_io.save(self, path)

    def restore_session(self, session) -> None:
        session_io.restore(self, session)

    def showEvent(self, e):  # noqa: N802 - Qt's name
        super().showEvent(e)
        if not self.docks_fitted:
            self.docks_fitted = True
            fit_docks(self)
            fit_editor(self)

    def closeEvent(self, e):  # noqa: N802 - Qt's name
        if self.autosave_enabled:
            self._autosave.stop()
            self.save_session()
        self.hide()  # gone at once, even while the worker finishes its current forward pass
        self.worker.shutdown()
        super().closeEvent(e)

    def dragEnterEvent(self, e):  # noqa: N802 - Qt's name
        if any(url.isLocalFile() for url in e.mimeData().urls()):
            e.acceptProposedAction()

    def dropEvent(self, e):  # noqa: N802 - Qt's name
        opening.open_dropped(
            self, [Path(u.toLocalFile()) for u in e.mimeData().urls() if u.isLocalFile()]
        )
        e.acceptProposedAction()
