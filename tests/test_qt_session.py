"""Sessions: autosaved while editing, restored after a crash, never fatal when damaged."""

from __future__ import annotations

import json

import pytest

from inspector.core.prefs import Preferences
from inspector.core.session import Session, load_session, save_session, session_path
from inspector.qt.main_window import MainWindow
from inspector.qt.session_io import restore_last

WAIT = 120_000


def test_session_file_round_trip_and_damage(tmp_path):
    s = Session(
        series="/x",
        checkpoint="/x/c",
        probe_text="name='p'",
        text="hello",
        baseline="hi",
        inputs=[{"text": "a", "label": None}],
        current_input=0,
        settings={"unit": "token"},
    )
    save_session(s)
    back = load_session()
    assert back.text == "hello" and back.baseline == "hi" and back.settings == {"unit": "token"}
    assert not list(session_path().parent.glob("*.tmp"))  # written via temp file + rename
    session_path().write_text("{ half a sess")
    assert load_session() is None  # moved aside, not fatal
    assert list(session_path().parent.glob("session.json.corrupt-*"))


def test_a_lost_session_is_told_not_only_logged(qtbot):
    session_path().parent.mkdir(parents=True, exist_ok=True)
    session_path().write_text("{ half a sess")
    win = MainWindow(prefs=Preferences(device="cpu"), autosave=False)
    qtbot.addWidget(win)
    assert restore_last(win) is False  # the app then opens the demo
    kept = list(session_path().parent.glob("session.json.corrupt-*"))
    assert kept and not win.banner.isHidden() and win.banner.level == "warning"
    assert win.banner.label.text().startswith("the last session could not be read")
    assert any(str(k) in win.banner.label.text() for k in kept)
    win.worker.shutdown()


@pytest.fixture
def inputs_file(tmp_path):
    path = tmp_path / "inputs.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(d)
            for d in [
                {"text": "the food was great", "label": "positive"},
                {"text": "our room was awful and small", "label": "negative"},
            ]
        )
    )
    return path


def test_autosave_survives_a_crash_and_restores(qtbot, keyword_model, sentiment_probe, inputs_file):
    a = MainWindow(prefs=Preferences(device="cpu"))
    qtbot.addWidget(a)
    a.show()
    a.open_probe(sentiment_probe)
    a.open_inputs(inputs_file)
    assert a.open_path(keyword_model)
    with qtbot.waitSignal(a.analysis.done, timeout=WAIT):
        a.load_example(1)
    a.editor.moveCursor(a.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(a.editor, " indeed")
    a.examples_dock.close()
    a.changed()
    edited = "our room was awful and small indeed"
    qtbot.waitUntil(
        lambda: session_path().exists() and edited in session_path().read_text(), timeout=5000
    )
    qtbot.waitUntil(lambda: '"window_state": ""' not in session_path().read_text(), timeout=5000)
    # crash: no closeEvent, no final save
    a.autosave_enabled = False
    a.worker.shutdown()
    a.hide()

    b = MainWindow(prefs=Preferences(device="cpu"))
    qtbot.addWidget(b)
    b.show()
    with qtbot.waitSignal(
        b.analysis.done, timeout=WAIT, check_params_cb=lambda o: o.result.input == edited
    ):
        assert restore_last(b)
    assert b.editor.text() == edited
    assert b.editor_panel.baseline == "our room was awful and small"
    assert b.current_checkpoint() == str(keyword_model)
    assert b.probe.source == sentiment_probe.read_text()
    assert [e.text for e in b.inputs] == ["the food was great", "our room was awful and small"]
    assert b.state.current_input == 1
    assert b.examples_dock.isHidden()
    assert [u.text for u, _d, _c in b.editor.painted] == edited.split()
    assert b.prediction.edit_shift is not None
    b.close()


def test_an_unapplied_probe_draft_comes_back_unapplied(
    qtbot, keyword_model, sentiment_probe, tmp_path
):
    a = MainWindow(prefs=Preferences(device="cpu"), autosave=False)
    qtbot.addWidget(a)
    a.open_probe(sentiment_probe)
    assert a.open_path(keyword_model)
    draft = sentiment_probe.read_text().replace("[labels]", "[labels\n")  # half-typed, invalid
    a.probe_editor.edit.setPlainText(draft)
    path = tmp_path / "s.json"
    a.save_session(path)
    a.worker.shutdown()

    b = MainWindow(prefs=Preferences(device="cpu"), autosave=False)
    qtbot.addWidget(b)
    try:
        b.restore_session(load_session(path))
        assert b.probe is not None and b.probe.source == sentiment_probe.read_text()
        assert b.probe_editor.text() == draft
        assert not b.probe_editor.apply_btn.isEnabled()  # the draft is shown as invalid, in place
        assert not b.banner.isVisible() or "not valid" not in b.banner.label.text()
    finally:
        b.worker.shutdown()
