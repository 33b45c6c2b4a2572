"""Session <-> window: what the window shows, saved and restored through inspector.core.session."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from PySide6.QtCore import QByteArray

from ..core.errors import InspectorError
from ..core.inputs import Example
from ..core.probe import parse_probe
from ..core.results import Settings
from ..core.session import Session, load_session, save_session
from .window_actions import sync_setting_actions


def capture(win) -> Session:
    return Session(
        series=win.series_path,
        checkpoint=win.current_checkpoint(),
        probe_path=win.probe_editor.path,
        probe_text=win.probe.source if win.probe else (win.probe_editor.text() or None),
        probe_draft=(
            win.probe_editor.text()
            if win.probe and win.probe_editor.text() != win.probe.source
            else None
        ),
        inputs_path=win.inputs_path,
        inputs=[{"text": e.text, "label": e.label} for e in win.inputs],
        current_input=win.current_input,
        text=win.editor.text(),
        baseline=win.editor_panel.baseline,
        settings=asdict(win.settings),
        timeline=win.timeline.arrangement() if hasattr(win, "timeline") else {},
        geometry=bytes(win.saveGeometry().toBase64()).decode(),
        window_state=bytes(win.saveState().toBase64()).decode(),
    )


def save(win, path=None) -> None:
    try:
        save_session(capture(win), Path(path) if path else None)
    except OSError as exc:
        win.statusBar().showMessage(f"session not saved: {exc}", 5000)


def restore(win, s: Session) -> None:
    """Bring the window back to ``s``; anything that no longer exists is reported, not fatal."""
    win._restoring = True
    try:
        if s.geometry:
            win.restoreGeometry(QByteArray.fromBase64(s.geometry.encode()))
        if s.window_state:
            win.restoreState(QByteArray.fromBase64(s.window_state.encode()))
            win.docks_fitted = True  # the user's own dock sizes win over the defaults
        try:
            win.analysis.settings = Settings.from_dict(s.settings) if s.settings else win.settings
        except (TypeError, ValueError):
            pass
        sync_setting_actions(win)
        if s.probe_text:
            win.probe_editor.load(s.probe_text, s.probe_path)
            try:
                win.analysis.probe = parse_probe(s.probe_text, s.probe_path)
            except InspectorError as exc:
                win.show_message(f"the saved probe is not valid: {exc}", "warning")
        if s.probe_draft:  # unapplied edits come back as they were: in the dock, not applied
            win.probe_editor.load(s.probe_draft, s.probe_path)
        win.inputs_path = s.inputs_path
        win.set_inputs([Example(d["text"], d.get("label")) for d in s.inputs], s.current_input)
        win.current_input = s.current_input
        if s.series and Path(s.series).exists():
            opened = win.open_path(s.series)
            if opened and s.checkpoint and s.checkpoint != win.current_checkpoint():
                win.open_checkpoint(s.checkpoint)
            if opened and hasattr(win, "timeline"):
                win.timeline.restore_arrangement(s.timeline)
        elif s.series:
            win.show_message(
                f"{s.series}: no longer exists; open another folder (Ctrl+O)", "warning"
            )
        win.editor.apply_text(s.text, len(s.text))
        win.undo_stack.clear()
        win.editor_panel.set_baseline(s.baseline)
        win.analysis.text = s.text
        if s.baseline:
            win.analysis.pin(s.baseline)
        win.analysis.run_now()
    finally:
        win._restoring = False


def restore_last(win) -> bool:
    problems: list[str] = []
    s = load_session(problems=problems)
    for problem in problems:
        win.show_message(problem, "warning")
    if s is None or not (s.series or s.text):
        return False
    restore(win, s)
    return True
