"""One self-contained HTML file: inline CSS and SVG, no scripts, no external addresses.

The page is ``templates/report.html.j2``, rendered by Jinja2 with autoescape on: every text
from a user or a model (inputs, explanations, checkpoint names, the probe file) is escaped by
the template. Only this package's own markup goes in as ``Markup``: the CSS below, the SVG
charts of ``svg.py`` (built with ``Markup.format``, which escapes each text it inserts) and
the entity-bearing headings.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from jinja2.ext import Extension
from markupsafe import Markup

from ..core import colors
from ..core.metrics import METRIC_HELP
from ..core.timeline_plot import CURVES, plot_series
from .model import ExampleRow, Report
from .svg import line_chart, paired_bars

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:980px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:28px}
h3{font-size:15px;margin-bottom:4px}.sub{color:#666}
table{border-collapse:collapse;margin:8px 0;font-size:13px}.wide{overflow-x:auto}th,td{border:1px solid #ddd;padding:3px 7px;text-align:right;overflow-wrap:break-word;word-wrap:break-word}
table.changes{width:100%;table-layout:fixed}table.summary{font-size:12px}table.summary td,table.summary th{padding:3px 4px}table.changes td{vertical-align:top}
th:first-child,td:first-child{text-align:left}th{background:#f4f4f4}
svg{max-width:100%;height:auto;font-family:system-ui,sans-serif}
.units{line-height:2.1}.u{padding:2px 3px;border-radius:3px;margin:0 1px}
.u.cited{outline:2px solid #222;font-weight:600;text-decoration:underline}.u sup{font-size:9px}
.expl{background:#f7f7f7;border-left:3px solid #888;padding:6px 10px;margin:6px 0}
table.cols{width:100%;table-layout:fixed;margin:0}td.col{border:0;padding:0 8px 0 0;vertical-align:top}.ex{text-align:left}pre{background:#f7f7f7;padding:8px;white-space:pre-wrap;font-size:12px}
.err{color:#a00}.small{font-size:12px;color:#555}
@media print{body{max-width:none;margin:0}h2{break-after:avoid}section,.ex,svg{break-inside:avoid}
.u{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


# a heading is HTML (a soft hyphen where a narrow column may break the word)
HEADERS = {
    "accuracy": "accuracy",
    "top_delta": "top Δ",
    "hit_at_1": "Hit@1",
    "cited_mass": "cited mass",
    "cct": "CCT",
    "comprehensiveness": Markup("compre&shy;hensiveness"),
    "sufficiency": "sufficiency",
    "explanation_words": "expl. words",
    "n_conflict": "|C|",
    "self": "Self",
    "orig": "Orig",
    "n_undecided": Markup("un&shy;decided"),
    "hit_at_1_lift": "Hit@1 − chance",
    "cited_mass_lift": "mass − chance",
}
# two tables, so that every column of an A4 PDF is wide enough for its words: what the model
# does and how its explanations score, then how explanations follow behaviour (coupling)
SUMMARY_PARTS = (
    ("accuracy", "hit_at_1", "hit_at_1_lift", "cited_mass", "cited_mass_lift", "n_undecided"),
    ("comprehensiveness", "sufficiency", "cct", "n_conflict", "self", "orig", "coupling"),
)
SUMMARY = tuple(k for part in SUMMARY_PARTS for k in part)
CHANGE_COLUMNS = (  # (width %, heading) of the compare table
    (40, "input"),
    (8, "change"),
    (14, "label A → B"),
    (12, "top unit A → B"),
    (16, "cited A → B"),
    (10, "expl. changed"),
)


# the per-example metrics an example block lists, in this order
EXAMPLE_METRICS = (
    "hit_at_1",
    "hit_at_1_chance",
    "rank",
    "cited_mass",
    "cited_mass_chance",
    "comprehensiveness",
    "sufficiency",
    "group_delta_cited",
    "group_delta_top_k",
)
# a checkpoint path may wrap after '/' (a zero-width space), never inside 'checkpoint'
_SLASH_BREAK = Markup("/&#8203;")


def fmt(v, spec: str = ".3f") -> str:
    if v is None:
        return "—"
    if isinstance(v, bool) or isinstance(v, int):
        return str(int(v))
    return format(v, spec)


def coupling_text(metrics, is_reference: bool) -> str:
    """Coupling is never a bare number: it always carries the size of its conflict set."""
    if is_reference:
        return "reference"
    n = metrics.get("n_conflict") or 0
    c = metrics.get("coupling")
    ci = metrics.get("coupling_ci")
    band = f" [{ci[0]:+.2f}, {ci[1]:+.2f}]" if ci else ""
    return f"{c:+.2f} (n={n}){band}" if n and c is not None else f"— (n={n})"


def tint(delta: float, vmax: float, signed: float | None = None) -> str:
    """The app's own Δ scale (``core.colors``): side by the signed shift, depth by Δ."""
    bg = colors.delta_rgb(delta, signed, vmax)
    return f"background:{colors.hex_rgb(bg)};color:{colors.hex_rgb(colors.text_on(bg))}"


def breakable(name: str) -> Markup:
    """A checkpoint path that may wrap after '/' (``Markup.join`` escapes each part)."""
    return _SLASH_BREAK.join(name.split("/"))


def counted(words: list[str]) -> str:
    """'great ×4, awful' rather than 'great, great, great, great, awful'."""
    counts: dict[str, int] = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return ", ".join(w + (f" ×{n}" if n > 1 else "") for w, n in counts.items())


def timeline_plots(r: Report) -> Markup:
    """The same series the app's timeline view plots (``core.timeline_plot.plot_series``)."""
    tr = r.timeline
    if all(c.error for c in tr.checkpoints):
        return Markup("<p>No checkpoint could be analysed.</p>")
    ps = plot_series(tr)
    ok = [i for i in range(len(ps.xs)) if i not in ps.failed]
    curves = [
        (CURVES[k], [(ps.xs[i], ps.curves[k][i]) for i in ok])
        for k in CURVES
        if k != "coupling" and any(ps.curves[k][i] is not None for i in ok)
    ]
    coup = [
        (k, [(ps.xs[i], tr.checkpoints[i].metrics.get(k)) for i in ok]) for k in ("self", "orig")
    ] + [("coupling", [(ps.xs[i], ps.curves["coupling"][i]) for i in ok])]
    notes = {
        ps.xs[i]: ("ref" if ps.names[i] == tr.reference else f"n={ps.n_conflict[i] or 0}")
        for i in ok
    }
    bands = {CURVES[k]: [(ps.xs[i], ps.bands[k][i]) for i in ok] for k in CURVES}
    bands.update(
        {
            k: [(ps.xs[i], tr.checkpoints[i].metrics.get(f"{k}_ci")) for i in ok]
            for k in ("self", "orig")
        }
    )
    low = min((y for _, pts in curves for _, y in pts if y is not None), default=0.0)
    x_label = "step" if ps.x_is_step else "checkpoint (series order)"
    return line_chart(
        curves,
        "Behaviour and explanation metrics over training (shaded: 95 % intervals)",
        x_label=x_label,
        y_range=(-1.0 if low < 0 else 0.0, 1.0),
        bands=bands,
    ) + line_chart(
        coup,
        "Coupling against the reference (n = conflict set size)",
        x_label=x_label,
        y_range=(-1.0, 1.0),
        point_notes=notes,
        bands=bands,
    )


def compare_bars(ea: ExampleRow, eb: ExampleRow, a: str, b: str) -> Markup | None:
    """Δ per unit at A and B side by side; None when the two split the input differently."""
    labels = [u.text for u in ea.units]
    if labels != [u.text for u in eb.units]:
        return None
    return paired_bars(
        labels,
        [u.delta for u in ea.units],
        [u.delta for u in eb.units],
        (f"A: {a}", f"B: {b}"),
        set(ea.cited),
        set(eb.cited),
        signed=([u.signed for u in ea.units], [u.signed for u in eb.units]),
    )


class _LayoutOnly(Extension):
    """A template's line breaks and indentation are layout, dropped on load: the page is the
    same bytes however a template is indented. ``{{ NL }}`` writes a line break; keep each
    ``{% %}``/``{{ }}`` tag on one line (the break inside one would be dropped too)."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return re.sub(r"\n[ \t]*", "", source)


_ENV = Environment(
    # next to this module, in the wheel and in the PyInstaller bundle (packaging/inspector.spec)
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=StrictUndefined,
    extensions=[_LayoutOnly],
)
_ENV.globals.update(
    NL="\n",
    CSS=Markup(CSS),  # our constant, no user text: "Segoe UI" must stay unescaped in <style>
    HEADERS=HEADERS,
    SUMMARY_PARTS=SUMMARY_PARTS,
    CHANGE_COLUMNS=CHANGE_COLUMNS,
    EXAMPLE_METRICS=EXAMPLE_METRICS,
    METRIC_HELP=METRIC_HELP,
    LEGEND=colors.LEGEND,
    fmt=fmt,
    coupling_text=coupling_text,
    tint=tint,
    breakable=breakable,
    counted=counted,
    timeline_plots=timeline_plots,
    compare_bars=compare_bars,
)


def units_html(ex: ExampleRow) -> Markup:
    """An input with each unit tinted by its Δ and the cited ones outlined."""
    return _ENV.get_template("example.html.j2").module.units(ex)


def render_html(r: Report) -> str:
    return _ENV.get_template("report.html.j2").render(r=r)
