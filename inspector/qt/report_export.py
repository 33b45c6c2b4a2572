"""File ▸ Export report… (Ctrl+E): the last timeline as HTML, JSON, CSV or PDF.

The report itself is built by ``inspector.reports`` (Qt-free); this module only finds the data,
asks for a path, runs the timeline on the worker when none was run yet, and prints PDFs.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QRectF, QSize, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QFileDialog

from ..core.errors import InputError, InspectorError
from ..core.jobs import timeline_job
from ..core.timeline import TimelineResult
from ..reports.html import render_html
from ..reports.model import Report, build_report, collect_provenance
from ..reports.write import SUFFIXES, write_report

FILTERS = "HTML report (*.html);;PDF (*.pdf);;JSON (*.json);;CSV tables (*.csv)"
_SVG = re.compile(r"<svg\b[^>]*>.*?</svg>", re.S)
_SIZE = re.compile(r'width="(\d+)" height="(\d+)"')


def svg_image(svg: str, scale: float = 2.0) -> QImage:
    """Rasterise one of the report's charts (the PDF engine cannot draw inline SVG)."""
    w, h = (int(v) for v in _SIZE.search(svg).groups())
    if "xmlns=" not in svg:
        svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    img = QImage(QSize(int(w * scale), int(h * scale)), QImage.Format.Format_ARGB32)
    img.fill(0xFFFFFFFF)
    painter = QPainter(img)
    QSvgRenderer(QByteArray(svg.encode("utf-8"))).render(
        painter, QRectF(0, 0, w * scale, h * scale)
    )
    painter.end()
    return img


def pdf_document(html: str) -> QTextDocument:
    """The report's HTML as Qt lays it out for print; charts become embedded images."""
    doc = QTextDocument()
    images = []

    def to_img(m: re.Match) -> str:
        svg = m.group(0)
        w, h = _SIZE.search(svg).groups()
        images.append(svg_image(svg))
        return f'<img src="chart{len(images) - 1}" width="{w}" height="{h}">'

    html = _SVG.sub(to_img, html)
    for i, img in enumerate(images):
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"chart{i}"), img)
    doc.setHtml(html)
    return doc


def write_pdf(html: str, path: str | Path) -> None:
    """Print the report's HTML to PDF through Qt."""
    doc = pdf_document(html)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(QPageLayout.Orientation.Portrait)
    writer.setResolution(130)  # page ≈ 1000 CSS px wide, like the screen layout
    writer.setTitle(
        doc.metaInformation(QTextDocument.MetaInformation.DocumentTitle) or "Inspector report"
    )
    doc.print_(writer)


def export(report: Report, path: str | Path) -> list[Path]:
    """Write ``report`` by the path's suffix (.html .json .csv, or .pdf through Qt)."""
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        write_pdf(render_html(report), path)
        return [path]
    return write_report(report, path)


def report_for(
    result: TimelineResult, device: str, compare: tuple[str, str] | None = None
) -> Report:
    return build_report(result, collect_provenance(result, device=device), compare=compare)


def _compare_pair(view, result: TimelineResult) -> tuple[str, str] | None:
    """A and B as picked in the compare dialog, when it was opened on this timeline."""
    dlg = view.compare_dialog
    names = {c.name for c in result.checkpoints if not c.error}
    try:
        a, b = dlg.a.currentText(), dlg.b.currentText()
    except (AttributeError, RuntimeError):  # no dialog yet, or Qt already deleted it
        return None
    return (a, b) if a in names and b in names and a != b else None


def last_timeline(win) -> tuple[TimelineResult | None, tuple[str, str] | None]:
    """The timeline the window last ran, and the compare pair picked in it."""
    result = win.state.timeline
    return result, (_compare_pair(win.timeline, result) if result is not None else None)


class ReportExporter(QObject):
    exported = Signal(list)  # the paths written
    failed = Signal(str)

    def __init__(self, win):
        super().__init__(win)
        self.win = win

    def ask_and_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.win, "Export report", "report.html", FILTERS)
        if path:
            self.export_to(path)

    def export_to(self, path: str | Path) -> None:
        """Write the last timeline now, or run one on the worker first (progress in the status bar)."""
        path = Path(path)
        if path.suffix.lower() not in (*SUFFIXES, ".pdf"):
            self._fail(
                str(InputError(f"{path}: unknown report format; use .html, .pdf, .json or .csv"))
            )
            return
        result, pair = last_timeline(self.win)
        if result is not None:
            self._write(result, path, pair)
            return
        st, worker = self.win.state, self.win.worker
        if st.series is None or st.probe is None or not st.inputs:
            self._fail("export report: open a series folder, a probe and an input set first")
            return
        job = timeline_job(st.series, st.probe, st.inputs, st.settings, worker.cache)
        h = worker.submit("report", job)
        h.finished.connect(lambda result: self._on_finished(result, path))
        h.failed.connect(lambda message, _details: self._fail(f"export report: {message}"))
        h.cancelled.connect(lambda: self._fail("export report: report cancelled"))
        h.start()
        self.win.show_message("running the timeline for the report…", "info")

    def _device(self) -> str:
        from ..core.loading import pick_device

        wanted = self.win.prefs.device
        try:
            return str(pick_device(wanted))
        except InspectorError:  # a device this machine lacks: record what was asked
            return str(wanted)

    def _write(self, result: TimelineResult, path: Path, pair=None) -> None:
        try:
            paths = export(report_for(result, self._device(), pair), path)
        except (InspectorError, OSError, ValueError, KeyError) as exc:
            self._fail(f"export report: {exc}")
            return
        written = f"report written: {', '.join(str(p) for p in paths)}"
        caveats = []
        if result.not_run:
            n = len(result.not_run)
            caveats.append(f"a partial run ({n} checkpoint{'s' * (n != 1)} not analysed)")
        open_now = self.win.state.series_path
        if open_now and Path(open_now).resolve() != Path(result.series).resolve():
            caveats.append(f"the last timeline ran on {result.series}, not on the open folder")
        if caveats:
            self.win.show_message(f"{written} — {'; '.join(caveats)}", "warning")
        else:
            self.win.show_message(written, "info")
        self.exported.emit([str(p) for p in paths])

    def _fail(self, message: str) -> None:
        self.win.show_message(message, "error")
        self.failed.emit(message)

    def _on_finished(self, result: TimelineResult, path: Path) -> None:
        self.win.state.timeline = result  # the timeline view shows it; a second export reuses it
        self._write(result, path)


def install(win) -> tuple[ReportExporter, QAction]:
    """File ▸ Export report, for the window to keep."""
    exporter = ReportExporter(win)
    act = QAction("Export &report…", win)
    act.setShortcut("Ctrl+E")
    act.setStatusTip("Write the timeline, compare view and examples as HTML, PDF, JSON or CSV")
    act.triggered.connect(exporter.ask_and_export)
    menu = win.menus["File"]
    quit_act = next((a for a in menu.actions() if a.text().replace("&", "") == "Quit"), None)
    menu.insertAction(quit_act, act)
    if quit_act is not None:
        menu.insertSeparator(quit_act)
    win.addAction(act)
    return exporter, act
