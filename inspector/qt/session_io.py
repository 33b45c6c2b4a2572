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


def capture(win) -> Session:
    st = win.state
    return Session(
        series=st.series_path,
        open_options=dict(st.open_options),
        checkpoint=st.checkpoint,
        probe_path=win.probe_editor.path,
        probe_text=win.probe.source if win.probe else (win.probe_editor.text() or None),
        probe_draft=(
            win.probe_editor.text()
            if win.probe and win.probe_editor.text() != win.probe.source
            else None
        ),
        inputs_path=st.inputs_path,
        inputs=[{"text": e.text, "label": e.label} for e in st.inputs],
        current_input=st.current_input,
        text=st.text,
        baseline=win.editor_panel.baseline,
        settings=asdict(st.settings),
        timeline=win.timeline.arrangement(),
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
    win.restoring = True
    try:
        if s.geometry:
            win.restoreGeometry(QByteArray.fromBase64(s.geometry.encode()))
        if s.window_state:
            win.restoreState(QByteArray.fromBase64(s.window_state.encode()))
            win.docks_fitted = True  # the user's own dock sizes win over the defaults
        st = win.state
        try:
            st.settings = Settings.from_dict(s.settings) if s.settings else st.settings
        except (TypeError, ValueError):
            pass
        if s.probe_text:
            win.probe_editor.load(s.probe_text, s.probe_path)
            try:
                st.probe = parse_probe(s.probe_text, s.probe_path)
            except InspectorError as exc:
                win.show_message(f"the saved probe is not valid: {exc}", "warning")
        if s.probe_draft:  # unapplied edits come back as they were: in the dock, not applied
            win.probe_editor.load(s.probe_draft, s.probe_path)
        st.inputs_path = s.inputs_path
        win.set_inputs([Example(d["text"], d.get("label")) for d in s.inputs], s.current_input)
        st.current_input = s.current_input
        if s.series and Path(s.series).exists():
            # the same LoRA base and revision filter as when it was opened
            options = {k: s.open_options[k] for k in ("base", "revisions") if s.open_options.get(k)}
            opened = win.open_path(s.series, **options)
            if opened and s.checkpoint and s.checkpoint != st.checkpoint:
                win.open_checkpoint(s.checkpoint)
            if opened:
                win.timeline.restore_arrangement(s.timeline)
        elif s.series:
            win.show_message(
                f"{s.series}: no longer exists; open another folder (Ctrl+O)", "warning"
            )
        win.editor.apply_text(s.text, len(s.text))
        win.undo_stack.clear()
        win.editor_panel.set_baseline(s.baseline)
        st.set_text(s.text)
        st.baseline_text = s.baseline
        win.analysis.run_now()
    finally:
        win.restoring = False


def restore_last(win) -> bool:
    problems: list[str] = []
    s = load_session(problems=problems)
    for problem in problems:
        win.show_message(problem, "warning")
    if s is None or not (s.series or s.text):
        return False
    restore(win, s)
    return True
