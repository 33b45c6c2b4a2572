"""Reports on real-length inputs: few pages, no word split across lines, the app's colours."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import FILLER

from inspector.core import colors
from inspector.core.inputs import Example
from inspector.core.probe import load_probe
from inspector.core.results import Settings
from inspector.core.series import discover_series
from inspector.core.timeline import run_timeline
from inspector.demo import tiny


def long_review(n: int, seed: int, key: str) -> str:
    words = [FILLER[(i * 7 + seed) % len(FILLER)] for i in range(n)]
    words[n // 3] = key
    return " ".join(words)


@pytest.fixture(scope="module")
def report(qapp, tmp_path_factory, keyword_model, sentiment_probe):
    """A two-checkpoint timeline (trained, untrained) over two 70-word reviews."""
    from transformers import AutoTokenizer

    from inspector.qt.report_export import report_for

    root = tmp_path_factory.mktemp("longreport") / "run"
    shutil.copytree(keyword_model, root / "phase1" / "checkpoint-100")
    tok = AutoTokenizer.from_pretrained(keyword_model)
    cfg = tiny.llama_config(len(tok), hidden=32, layers=1, heads=2)
    tiny.save_checkpoint(
        tiny.build_model(cfg, tok, seed=1), tok, root / "phase2" / "checkpoint-200"
    )
    inputs = [
        Example(long_review(70, 0, "great"), "positive"),
        Example(long_review(70, 3, "awful"), "negative"),
    ]
    result = run_timeline(discover_series(root), load_probe(sentiment_probe), inputs, Settings())
    return report_for(result, "cpu")


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_the_pdf_of_long_inputs_stays_short(report, tmp_path):
    from inspector.qt.report_export import export

    out = tmp_path / "long.pdf"
    export(report, out)
    pages = _pages(out.read_bytes())
    # summary, two plots, the compare table and two examples × (15 bars + both tinted texts):
    # a chart of all 70 units per example (the old layout) took 9 pages
    assert 3 <= pages <= 6


def test_no_table_cell_of_the_pdf_breaks_a_word_across_lines(report):
    from inspector.qt.report_export import pdf_document
    from inspector.reports.html import render_html

    broken, cells = [], 0
    for width in (870, 1000):  # A4 at the PDF's resolution, less 2 cm margins; the screen
        doc = pdf_document(render_html(report))
        doc.setTextWidth(width)
        doc.size()  # lays the document out (lazily done otherwise)
        b, c = _split_words(doc)
        broken, cells = broken + b, cells + c
    assert cells > 40
    assert not broken, f"words split across lines: {broken[:5]}"


def _split_words(doc) -> tuple[list[str], int]:
    from PySide6.QtGui import QTextCursor

    broken, cells = [], 0
    block = doc.begin()
    while block.isValid():
        table = QTextCursor(block).currentTable()
        text = block.text()
        layout = block.layout()
        if table is not None and len(text) > 3:
            cells += 1
            for k in range(layout.lineCount() - 1):
                end = layout.lineAt(k).textStart() + layout.lineAt(k).textLength()
                if 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
                    around = text[max(0, end - 12) : end + 12]
                    # a 64-hex SHA-256 is an identifier, not a word: it may wrap anywhere
                    if not re.fullmatch(r"[0-9a-f]+", around):
                        broken.append(around)
        block = block.next()
    return broken, cells


def test_the_html_gives_long_inputs_room_and_wraps_at_words(report):
    from inspector.reports.html import CHANGE_COLUMNS, CSS, render_html

    html = render_html(report)
    assert "table.changes{width:100%;table-layout:fixed}" in CSS
    assert "overflow-wrap:break-word" in CSS and "word-break:break-all" not in CSS
    widths = [int(w) for w in re.findall(r'<col style="width:(\d+)%">', html)]
    assert widths == [w for w, _ in CHANGE_COLUMNS] and sum(widths) == 100
    assert widths[0] >= 35  # the input column


def test_report_tints_are_the_apps_tints(report):
    from inspector.qt.token_editor import tint_for
    from inspector.reports.html import units_html

    ex = report.checkpoints[0].examples[0]
    html = units_html(ex)
    vmax = max(u.delta for u in ex.units)
    spans = re.findall(r'style="background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})"', html)
    assert len(spans) == len(ex.units)
    sides = set()
    for (bg, fg), u in zip(spans, ex.units, strict=True):
        app_bg, app_fg = tint_for(u.delta, u.signed, vmax)
        assert bg == app_bg.name() and fg == app_fg.name()
        sides.add(u.signed > 0)
    assert colors.hex_rgb(colors.side_rgb(-0.1)) == "#e66101"
