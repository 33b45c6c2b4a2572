"""Opening things: a checkpoint, a .gguf file or a series folder (with a probe and inputs beside it)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog

from ..core.checkpoints import inspect_checkpoint
from ..core.errors import InspectorError
from ..core.inputs import load_inputs
from ..core.probe import Probe, load_probe

PROBE_NAMES = ("probe.toml",)
INPUT_NAMES = ("inputs.jsonl", "inputs.txt")


def _is_checkpoint(path: Path) -> bool:
    return path.suffix == ".gguf" or (path / "config.json").is_file()


def _discover(path: Path, revisions: str | None = None):
    from ..core.series import discover_series

    return discover_series(path, revisions=revisions)


def layout_questions(path: Path) -> dict:
    """What the open dialog must ask about ``path`` before opening it: a revision filter for a
    hub-cache folder, a base model for adapters whose own base cannot be found."""
    from ..core.adapters import is_adapter_dir
    from ..core.checkpoints import inspect_checkpoint
    from ..core.hubcache import is_hub_cache

    ask = {"revisions": is_hub_cache(path), "base": False}
    if path.is_dir():
        adapters = [path] if is_adapter_dir(path) else []
        adapters += sorted(p for p in path.glob("*/") if is_adapter_dir(p))[:1]
        for a in adapters[:1]:
            try:
                inspect_checkpoint(a)
            except InspectorError as exc:
                ask["base"] = "base" in str(exc)
    return ask


def _beside(path: Path, names: tuple[str, ...]) -> Path | None:
    for folder in (path if path.is_dir() else path.parent, path.parent, path.parent.parent):
        for name in names:
            if (folder / name).is_file():
                return folder / name
    return None


def _same(a: str | Path | None, b: Path) -> bool:
    return a is not None and Path(a).resolve() == b.resolve()


def open_path(win, path: Path, base: str | None = None, revisions: str | None = None) -> bool:
    """Point the window at ``path``; problems are shown non-modally and leave the session as it was.

    ``base``: the base model of LoRA adapters under ``path``; ``revisions``: a regular expression
    choosing which checkpoints (hub-cache refs) are included.
    """
    path = path.expanduser()
    if not path.exists():
        win.show_message(f"{path}: no such file or folder", "error")
        return False
    try:
        if base:
            from ..core.adapters import use_cli_base

            use_cli_base(path, base)
        if _is_checkpoint(path):
            inspect_checkpoint(path)  # a clear one-line message now rather than at load time
            series, entries = None, [(path.name, str(path))]
        else:
            series = _discover(path, revisions)
            entries = [(e.name, str(e.path)) for e in series.entries if not e.excluded]
            if not entries:
                raise InspectorError(f"{path}: no checkpoints found in this folder")
            if series.skipped:
                rel, why = series.skipped[0]
                more = f" and {len(series.skipped) - 1} more" if len(series.skipped) > 1 else ""
                win.show_message(f"skipped {rel} ({why}){more}: not checkpoints", "info")
    except InspectorError as exc:
        win.show_message(str(exc), "error")
        return False
    st = win.state
    st.series, st.series_path, st.checkpoints = series, str(path), entries
    st.open_options = {k: v for k, v in (("base", base), ("revisions", revisions)) if v}
    win.series_label.setText(f"  Series: <b>{path.name}</b>  ")
    win.series_label.setToolTip(str(path))
    win.picker.set_entries(entries)
    win.timeline.sync_series()  # its checkpoint list can be arranged before the first run
    # a folder's own probe and inputs come with it (a restored session keeps its own)
    probe, inputs = _beside(path, PROBE_NAMES), _beside(path, INPUT_NAMES)
    new_probe = probe and (win.probe is None or not (win.restoring or _same(win.probe.path, probe)))
    new_inputs = inputs and (not st.inputs or not (win.restoring or _same(st.inputs_path, inputs)))
    if new_probe and new_inputs:
        win.set_inputs([])  # else the old inputs' gold labels are checked against the new probe
    if new_probe:
        win.open_probe(probe)
    if new_inputs:
        win.open_inputs(inputs)
    if win.probe is None and not win.restoring:
        win.probe_dock.show()
        win.probe_dock.raise_()
        win.show_message(
            "No probe yet: open one (Ctrl+Shift+P) or write one in the Probe dock, then Apply",
            "warning",
        )
    remember(win, str(path))
    win.open_checkpoint(entries[-1][1] if len(entries) > 1 else entries[0][1])
    if not win.editor.text() and win.inputs and not win.restoring:
        win.load_example(0)
    return True


def remember(win, path: str) -> None:
    win.prefs.add_recent(path)
    try:
        win.prefs.save()
    except OSError:
        pass
    refresh_recent(win)


def open_probe(win, path) -> None:
    try:
        probe = load_probe(path)
    except InspectorError as exc:
        win.show_analysis_error(str(exc))  # the next good analysis settles it
        return
    win.probe_editor.load(probe.source, probe.path)
    win.set_probe(probe)


def open_inputs(win, path) -> None:
    probe = win.state.probe
    try:
        examples = load_inputs(path, probe.label_names if probe else None)
    except InspectorError as exc:
        win.show_message(str(exc), "error")
        return
    win.state.inputs_path = str(path)
    win.set_inputs(examples)


def warn_foreign_labels(win, probe: Probe) -> None:
    """Gold labels the probe does not have would count as wrong answers: say so once, now."""
    st = win.state
    foreign = sorted({e.label for e in st.inputs if e.label} - set(probe.label_names))
    if foreign:
        win.show_message(
            f"{st.inputs_path or 'the inputs'}: gold labels {', '.join(foreign)} are not"
            f" labels of this probe ({', '.join(probe.label_names)}); accuracy counts them"
            " as wrong",
            "warning",
        )


def open_dropped(win, paths: list[Path]) -> None:
    """Probe files open as the probe, input sets as inputs, anything else as a model."""
    for path in sorted(paths, key=lambda q: q.suffix.lower() not in (".toml", ".jsonl", ".txt")):
        if path.suffix.lower() == ".toml":
            open_probe(win, path)
        elif path.suffix.lower() in (".jsonl", ".txt"):
            open_inputs(win, path)
        else:
            win.open_path(path)


# -- the dialogs of File ▸ Open… and Save probe -------------------------------------
def open_folder_dialog(win) -> None:
    path = QFileDialog.getExistingDirectory(win, "Open a checkpoint or series folder")
    if path:
        win.open_path(path, **_layout_options(win, Path(path)))


def _layout_options(win, path: Path) -> dict:
    """The open dialog's follow-up questions: which hub revisions, which base for adapters."""
    ask, options = layout_questions(path), {}
    if ask["revisions"]:
        text, ok = QInputDialog.getText(
            win,
            "Revisions",
            "Revisions to include (a regular expression such as ^step\\d+000$; empty: all):",
        )
        if ok and text.strip():
            options["revisions"] = text.strip()
    if ask["base"]:
        base = QFileDialog.getExistingDirectory(
            win, "The base model these LoRA adapters were trained on"
        )
        if base:
            options["base"] = base
    return options


def open_gguf_dialog(win) -> None:
    path, _ = QFileDialog.getOpenFileName(win, "Open a GGUF checkpoint", "", "GGUF (*.gguf)")
    if path:
        win.open_path(path)


def open_probe_dialog(win) -> None:
    path, _ = QFileDialog.getOpenFileName(win, "Open a probe", "", "Probe (*.toml)")
    if path:
        win.open_probe(path)


def open_inputs_dialog(win) -> None:
    path, _ = QFileDialog.getOpenFileName(
        win, "Open inputs", "", "Inputs (*.jsonl *.txt);;All files (*)"
    )
    if path:
        win.open_inputs(path)


def save_probe_dialog(win, ask: bool) -> None:
    path = win.probe_editor.path
    if ask or not path:
        path, _ = QFileDialog.getSaveFileName(
            win, "Save probe", path or "probe.toml", "Probe (*.toml)"
        )
    if path:
        win.probe_editor.save(path)
        win.changed()


def refresh_recent(win) -> None:
    menu = win.acts.recent_menu
    menu.clear()
    for i, path in enumerate(win.prefs.recent[:10]):
        act = menu.addAction(f"&{(i + 1) % 10} {Path(path).name}  —  {path}")
        act.triggered.connect(lambda _c, p=path: win.open_path(p))
    menu.setEnabled(bool(win.prefs.recent))
