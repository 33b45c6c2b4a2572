"""Menus, actions and keyboard shortcuts of the main window."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QInputDialog

from ..core.units import UNIT_KINDS
from . import opening
from .spans import add_span

KS = QKeySequence.StandardKey


@dataclass
class WindowActions:
    """The actions the window changes after they are made (checked state, enabled, contents)."""

    recent_menu: object = None  # QMenu
    cancel: QAction | None = None
    units: dict[str, QAction] = field(default_factory=dict)
    counterfactual: QAction | None = None
    word_forms: QAction | None = None
    ablation: dict[str, QAction] = field(default_factory=dict)


def _act(win, menu, text, slot, shortcut=None, tip=None, checkable=False) -> QAction:
    act = QAction(text, win)
    if shortcut is not None:
        act.setShortcut(shortcut)
    if tip:
        act.setStatusTip(tip)
        act.setToolTip(tip)
    act.setCheckable(checkable)
    act.triggered.connect(slot)
    win.menus[menu].addAction(act)
    win.addAction(act)  # shortcuts work whichever dock has focus
    return act


def install(win) -> None:
    """Menus and shortcuts; the actions changed later are kept in ``win.acts``."""
    mb = win.menuBar()
    for name in ("File", "Edit", "View", "Run", "Help"):
        win.menus[name] = mb.addMenu(f"&{name}")
    acts = win.acts
    _file(win, acts)
    _edit(win)
    _view(win)
    _run(win, acts)
    from .shortcuts_dialog import show_shortcuts

    win.menus["Help"].addAction("Keyboard shortcuts", lambda: show_shortcuts(win))
    sync_setting_actions(win)


def _file(win, acts: WindowActions) -> None:
    _act(
        win,
        "File",
        "&Open folder…",
        lambda: opening.open_folder_dialog(win),
        KS.Open,
        "Open a checkpoint or series folder",
    )
    _act(
        win,
        "File",
        "Open .&gguf file…",
        lambda: opening.open_gguf_dialog(win),
        "Ctrl+Shift+O",
        "Open a single GGUF checkpoint",
    )
    _act(
        win,
        "File",
        "Open &probe…",
        lambda: opening.open_probe_dialog(win),
        "Ctrl+Shift+P",
        "Open a probe TOML file",
    )
    _act(
        win,
        "File",
        "Open &inputs…",
        lambda: opening.open_inputs_dialog(win),
        "Ctrl+Shift+I",
        "Open an input set",
    )
    acts.recent_menu = win.menus["File"].addMenu("Open &recent")
    opening.refresh_recent(win)
    win.menus["File"].addSeparator()
    _act(
        win,
        "File",
        "&Save probe",
        lambda: opening.save_probe_dialog(win, False),
        KS.Save,
        "Save the probe file",
    )
    _act(win, "File", "Save probe &as…", lambda: opening.save_probe_dialog(win, True), KS.SaveAs)
    win.menus["File"].addSeparator()
    _act(win, "File", "&Quit", win.close, KS.Quit)
    pe = win.probe_editor
    pe.save_btn.clicked.connect(lambda: opening.save_probe_dialog(win, False))
    pe.save_as_btn.clicked.connect(lambda: opening.save_probe_dialog(win, True))
    pe.open_requested.connect(lambda: opening.open_probe_dialog(win))
    apply = QAction("Apply probe", win, shortcut="Ctrl+Shift+Return", triggered=pe.apply)
    win.addAction(apply)


def _edit(win) -> None:
    undo = win.undo_stack.createUndoAction(win, "&Undo")
    undo.setShortcuts(KS.Undo)  # every binding of the platform (setShortcut keeps the first)
    redo = win.undo_stack.createRedoAction(win, "&Redo")
    redo.setShortcuts(KS.Redo)
    win.menus["Edit"].addActions([undo, redo])
    win.menus["Edit"].addSeparator()
    ed = win.editor
    _act(
        win,
        "Edit",
        "&Delete unit",
        lambda: ed.delete_unit(),
        "Ctrl+D",
        "Delete the unit at the cursor",
    )
    _act(
        win,
        "Edit",
        "&Replace unit…",
        lambda: ed.open_popup("replace"),
        "F2",
        "Replace the unit at the cursor",
    )
    _act(
        win,
        "Edit",
        "&Insert after unit…",
        lambda: ed.open_popup("insert"),
        "Ctrl+Return",
        "Insert a word after the unit at the cursor",
    )
    _act(win, "Edit", "Select &next unit", lambda: ed.select_unit(1), "Alt+Right")
    _act(win, "Edit", "Select &previous unit", lambda: ed.select_unit(-1), "Alt+Left")
    win.menus["Edit"].addSeparator()
    _act(
        win,
        "Edit",
        "&Pin as baseline",
        win.pin_baseline,
        "Ctrl+B",
        "Pin the current input as the baseline",
    )
    _act(win, "Edit", "Focus input", lambda: ed.setFocus(), "Ctrl+L")


def _view(win) -> None:
    diff = _act(
        win,
        "View",
        "&Before/after view",
        lambda on: _toggle_diff(win, on),
        "Ctrl+Shift+B",
        checkable=True,
    )
    diff.setChecked(True)
    win.menus["View"].addSeparator()
    for dock in (win.examples_dock, win.prediction_dock, win.probe_dock):
        win.menus["View"].addAction(dock.toggleViewAction())
    win.examples_dock.toggleViewAction().setShortcut("Ctrl+1")
    win.prediction_dock.toggleViewAction().setShortcut("Ctrl+2")
    win.probe_dock.toggleViewAction().setShortcut("Ctrl+3")


def _run(win, acts: WindowActions) -> None:
    _act(win, "Run", "&Run now", win.analysis.run_now, "F5", "Analyze the current input now")
    cancel = _act(
        win, "Run", "&Cancel", win.cancel_shown, "Esc", "Cancel the work the status bar shows"
    )
    acts.cancel = cancel
    cancel.setEnabled(False)  # enabled only while something runs; Esc is free otherwise
    win.worker.busy_changed.connect(cancel.setEnabled)
    _act(win, "Run", "&Previous checkpoint", lambda: win.picker.step(-1), "Ctrl+PgUp")
    _act(win, "Run", "&Next checkpoint", lambda: win.picker.step(1), "Ctrl+PgDown")
    _act(
        win,
        "Run",
        "Previous example",
        lambda: win.load_example((win.current_input or 0) - 1),
        "Alt+Up",
    )
    _act(
        win,
        "Run",
        "Next example",
        lambda: win.load_example((win.current_input or 0) + 1),
        "Alt+Down",
    )
    win.menus["Run"].addSeparator()
    units = win.menus["Run"].addMenu("&Units")
    group = QActionGroup(win)
    for i, kind in enumerate(k for k in UNIT_KINDS if k != "span"):
        act = QAction(f"{kind}s", win, checkable=True)
        act.setShortcut(f"Ctrl+Alt+{i + 1}")
        act.setChecked(win.settings.unit == kind)
        act.triggered.connect(lambda _c, k=kind: win.set_settings(win.settings.with_(unit=k)))
        group.addAction(act)
        units.addAction(act)
        win.addAction(act)
        acts.units[kind] = act
    _act(
        win,
        "Run",
        "&Mark selection as a unit",
        lambda: _mark_span(win),
        "Ctrl+M",
        "Make the selected text one unit (span mode)",
    )
    _act(
        win,
        "Run",
        "C&lear marked units",
        lambda: win.set_settings(win.settings.with_(unit="word", spans=())),
        "Ctrl+Shift+M",
        "Back to word units",
    )
    acts.counterfactual = _act(
        win,
        "Run",
        "Counter&factual mode",
        lambda on: win.set_settings(win.settings.with_(counterfactual=on)),
        "Ctrl+Shift+F",
        "Also ask, per unit, whether removing it changes the answer",
        checkable=True,
    )
    acts.word_forms = _act(
        win,
        "Run",
        "Cite &word forms",
        lambda on: win.set_settings(win.settings.with_(word_forms=on)),
        None,
        'An explanation that says "refunds" or "refunded" cites the unit "refund"',
        checkable=True,
    )
    _act(
        win,
        "Run",
        "Decisive &threshold τ…",
        lambda: _ask_tau(win),
        None,
        "An input whose largest Δ is below τ is undecided: no Hit@1, not in the conflict set"
        " (docs/METRICS.md)",
    )
    replace = _act(
        win,
        "Run",
        "Ablate by re&placing…",
        lambda: _ask_filler(win),
        None,
        "Replace units with a filler instead of deleting them",
        checkable=True,
    )
    delete = _act(
        win,
        "Run",
        "Ablate by &deleting",
        lambda: win.set_settings(win.settings.with_(ablation="delete")),
        checkable=True,
    )
    group = QActionGroup(win)  # the mode in force is the checked one
    for act in (replace, delete):
        group.addAction(act)
    acts.ablation = {"replace": replace, "delete": delete}


def sync_setting_actions(win) -> None:
    """Check the menu items of the settings in force (after a dialog, a session, a toggle)."""
    st, acts = win.settings, win.acts
    if st.unit in acts.units:
        acts.units[st.unit].setChecked(True)
    if st.ablation in acts.ablation:
        acts.ablation[st.ablation].setChecked(True)
    acts.counterfactual.setChecked(st.counterfactual)
    acts.word_forms.setChecked(st.word_forms)


def _mark_span(win) -> None:
    c = win.editor.textCursor()
    a, b = c.selectionStart(), c.selectionEnd()
    text = win.editor.text()
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if a == b:
        win.show_message("Select some text first, then mark it as a unit (Ctrl+M)", "info")
        return
    spans = win.settings.spans if win.settings.unit == "span" else ()
    win.set_settings(win.settings.with_(unit="span", spans=add_span(spans, (a, b))))


def _toggle_diff(win, on: bool) -> None:
    win.editor_panel.show_diff = on
    win.editor_panel.refresh()


def _ask_filler(win) -> None:
    text, ok = QInputDialog.getText(
        win, "Filler", "Replace each unit with:", text=win.settings.filler
    )
    if ok and text:
        win.set_settings(win.settings.with_(ablation="replace", filler=text))
    else:
        sync_setting_actions(win)  # cancelled: the mode in force stays checked


def _ask_tau(win) -> None:
    tau, ok = QInputDialog.getDouble(
        win,
        "Decisive threshold",
        "τ: inputs whose largest Δ is below it are undecided (default 0.1, the measured\n"
        "noise floor of the demo's models; 0 counts every input):",
        win.settings.tau,
        0.0,
        1.0,
        3,
    )
    if ok:
        win.set_settings(win.settings.with_(tau=tau))


def shortcut_help(win) -> str:
    """Every shortcut on one line (for logs and tests); the Help dialog shows them as a table."""
    return " · ".join(f"{name}: {keys}" for name, keys in shortcut_rows(win))


def shortcut_rows(win) -> list[tuple[str, str]]:
    """Every shortcut: menu items, items of submenus, and window actions in no menu."""
    rows: dict[tuple[str, str], None] = {}

    def add(act, within: str = "") -> None:
        name = within + act.text().replace("&", "")
        if act.menu() is not None:
            for sub in act.menu().actions():
                add(sub, f"{name} ▸ ")
            return
        keys = [k.toString() for k in act.shortcuts() if not k.isEmpty()]
        if keys:
            rows[(name, " or ".join(keys))] = None

    for menu in win.menus.values():
        for act in menu.actions():
            add(act)
    for act in win.actions():
        add(act)
    return list(rows)
