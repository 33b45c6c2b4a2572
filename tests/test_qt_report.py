"""File ▸ Export report…: the menu action, a PDF from the last timeline, and a report from scratch."""

import json
import shutil
from html.parser import HTMLParser

import pytest
from PySide6.QtWidgets import QFileDialog

from inspector.core.inputs import Example
from inspector.core.probe import load_probe
from inspector.core.results import Settings
from inspector.core.series import discover_series
from inspector.core.timeline import run_timeline
from inspector.demo import tiny

INPUTS = [("the food was great", "positive"), ("our staff was awful", "negative")]


@pytest.fixture(scope="module")
def folder(tmp_path_factory, keyword_model, sentiment_probe):
    """root/probe.toml, root/inputs.jsonl, root/run/checkpoint-{100,200} (trained, untrained)."""
    from transformers import AutoTokenizer

    root = tmp_path_factory.mktemp("qtreport")
    shutil.copytree(keyword_model, root / "run" / "checkpoint-100")
    tok = AutoTokenizer.from_pretrained(keyword_model)
    cfg = tiny.llama_config(len(tok), hidden=32, layers=1, heads=2)
    tiny.save_checkpoint(tiny.build_model(cfg, tok, seed=1), tok, root / "run" / "checkpoint-200")
    shutil.copy(sentiment_probe, root / "probe.toml")
    (root / "inputs.jsonl").write_text(
        "".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in INPUTS)
    )
    return root


def test_export_action_is_in_the_file_menu_with_ctrl_e(window):
    act = window.export_report_action
    assert act in window.menus["File"].actions()
    assert act.shortcut().toString() == "Ctrl+E"


def test_pdf_from_the_last_timeline(qtbot, window, folder, tmp_path):
    probe = load_probe(folder / "probe.toml")
    result = run_timeline(
        discover_series(folder / "run"), probe, [Example(t, y) for t, y in INPUTS], Settings()
    )
    window.state.timeline = result  # what the timeline view keeps after a run
    out = tmp_path / "report.pdf"
    with qtbot.waitSignal(window.report_exporter.exported, timeout=30_000) as blocker:
        window.report_exporter.export_to(out)
    assert blocker.args[0] == [str(out)]
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000  # text plus the rasterised charts
    assert b"/Image" in data
    # checkpoints A and B of a changed input sit side by side on the page, as in the HTML
    from inspector.qt.report_export import pdf_document, report_for
    from inspector.reports.html import render_html

    doc = pdf_document(render_html(report_for(result, "cpu")))
    doc.setTextWidth(1000)  # an A4 page at the printer's 130 dpi
    heads, block = {}, doc.begin()
    while block.isValid():
        if block.text()[:3] in ("A: ", "B: "):
            heads.setdefault(block.text()[:1], doc.documentLayout().blockBoundingRect(block))
        block = block.next()
    assert set(heads) == {"A", "B"}
    assert heads["A"].top() == heads["B"].top() and heads["A"].right() <= heads["B"].left()


def test_menu_action_runs_the_timeline_on_the_worker_then_writes_html(
    qtbot, window, folder, tmp_path, monkeypatch
):
    out = tmp_path / "from-menu.html"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    assert window.open_path(folder / "run")
    assert window.probe is not None and len(window.inputs) == 2
    with qtbot.waitSignal(window.report_exporter.exported, timeout=120_000):
        window.export_report_action.trigger()
    text = []
    parser = HTMLParser()
    parser.handle_data = text.append
    parser.feed(out.read_text())
    body = "".join(text)
    for t, _ in INPUTS:
        assert t in body
    assert "checkpoint-100" in body and "checkpoint-200" in body and "(n=" in body
    # the window keeps the result: a second export (JSON) needs no rerun
    again = tmp_path / "again.json"
    with qtbot.waitSignal(window.report_exporter.exported, timeout=5_000):
        window.report_exporter.export_to(again)
    assert json.loads(again.read_text())["timeline"]["series"] == str(folder / "run")


def test_unknown_format_and_nothing_open_are_reported_not_raised(qtbot, window, tmp_path):
    with qtbot.waitSignal(window.report_exporter.failed, timeout=1_000) as blocker:
        window.report_exporter.export_to(tmp_path / "r.docx")
    assert "unknown report format" in blocker.args[0]
    with qtbot.waitSignal(window.report_exporter.failed, timeout=1_000) as blocker:
        window.report_exporter.export_to(tmp_path / "r.html")
    assert "open a series folder" in blocker.args[0]


def test_a_partial_or_other_folders_timeline_exports_with_its_caveats(
    qtbot, window, folder, tmp_path
):
    import dataclasses

    from inspector.reports.validate import errors

    probe = load_probe(folder / "probe.toml")
    full = run_timeline(
        discover_series(folder / "run"), probe, [Example(t, y) for t, y in INPUTS], Settings()
    )
    # what the timeline dock keeps when its run is cancelled after the first checkpoint
    window.state.timeline = dataclasses.replace(
        full, checkpoints=full.checkpoints[:1], not_run=[full.checkpoints[1].name]
    )
    window.state.series_path = str(tmp_path)  # the user has opened another folder since
    window.prefs.device = "cuda:7"  # a saved device this machine lacks: provenance records it
    out = tmp_path / "partial.json"
    with qtbot.waitSignal(window.report_exporter.exported, timeout=30_000):
        window.report_exporter.export_to(out)
    data = json.loads(out.read_text())
    assert data["timeline"]["not_run"] == ["checkpoint-200"] and errors(data) == []
    assert window.banner.level == "warning"
    assert "partial run (1 checkpoint not analysed)" in window.banner.label.text()
    assert "not on the open folder" in window.banner.label.text()
    html = tmp_path / "partial.html"
    with qtbot.waitSignal(window.report_exporter.exported, timeout=30_000):
        window.report_exporter.export_to(html)
    assert "Partial run: stopped before 1 of 2 checkpoints (checkpoint-200)" in html.read_text()
