"""One self-contained HTML file: inline CSS and SVG, no scripts, no external addresses."""

from __future__ import annotations

from html import escape

from ..core import colors
from ..core.metrics import METRIC_HELP
from ..core.timeline_plot import CURVES, plot_series
from .model import Report, timeline_result, top_unit
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

HEADERS = {
    "accuracy": "accuracy",
    "top_delta": "top Δ",
    "hit_at_1": "Hit@1",
    "cited_mass": "cited mass",
    "cct": "CCT",
    "comprehensiveness": "compre&shy;hensiveness",
    "sufficiency": "sufficiency",
    "explanation_words": "expl. words",
    "n_conflict": "|C|",
    "self": "Self",
    "orig": "Orig",
    "n_undecided": "un&shy;decided",
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


def fmt(v, spec: str = ".3f") -> str:
    if v is None:
        return "—"
    if isinstance(v, bool) or isinstance(v, int):
        return str(int(v))
    return format(v, spec)


def coupling_text(metrics: dict, is_reference: bool) -> str:
    """Coupling is never a bare number: it always carries the size of its conflict set."""
    if is_reference:
        return "reference"
    n = metrics.get("n_conflict") or 0
    c = metrics.get("coupling")
    ci = metrics.get("coupling_ci")
    band = f" [{ci[0]:+.2f}, {ci[1]:+.2f}]" if ci else ""
    return f"{c:+.2f} (n={n}){band}" if n and c is not None else f"— (n={n})"


def cell(m: dict, k: str) -> str:
    """A mean with its 95 % interval and n underneath (HTML, escaped)."""
    v = m.get(k)
    if k == "n_undecided" and v is not None:
        return f"{v} of {m.get('n_examples', '—')}"
    ci, n = m.get(f"{k}_ci"), m.get(f"n_{k}")
    if n is None:
        return escape(fmt(v))
    band = f"[{ci[0]:.2f}, {ci[1]:.2f}] " if ci else ""
    return f'{escape(fmt(v))}<br><span class="small">{band}n={n}</span>'


def tint(delta: float, vmax: float, signed: float | None = None) -> str:
    """The app's own Δ scale (``core.colors``): side by the signed shift, depth by Δ."""
    bg = colors.delta_rgb(delta, signed, vmax)
    return f"background:{colors.hex_rgb(bg)};color:{colors.hex_rgb(colors.text_on(bg))}"


def breakable(name: str) -> str:
    """A checkpoint path that may wrap after '/', never inside 'checkpoint' (one letter a line)."""
    return escape(name).replace("/", "/&#8203;")


def counted(words: list[str]) -> str:
    """'great ×4, awful' rather than 'great, great, great, great, awful'."""
    counts: dict[str, int] = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return ", ".join(w + (f" ×{n}" if n > 1 else "") for w, n in counts.items())


def summary_table(r: Report) -> str:
    return "".join(_summary_part(r, keys) for keys in SUMMARY_PARTS)


def _summary_part(r: Report, keys: tuple[str, ...]) -> str:
    ref = r.timeline.get("reference")
    head = "".join(
        f'<th title="{escape(METRIC_HELP.get(k, ""))}">{HEADERS.get(k, escape(k))}</th>'
        for k in keys
    )
    rows = []
    for c in r.timeline["checkpoints"]:
        name = breakable(c["name"]) + (" <b>(reference)</b>" if c["name"] == ref else "")
        if c.get("duplicate_of"):
            name += f" <span class='small'>(same weights as {escape(c['duplicate_of'])})</span>"
        step = fmt(c.get("step"))
        if c.get("error"):
            rows.append(
                f'<tr><td>{name}</td><td>{step}</td><td colspan="{len(keys)}" class="err">'
                f"skipped: {escape(c['error'])}</td></tr>"
            )
            continue
        m = c["metrics"]
        if m.get("degenerate"):
            name += f"<br><span class='err'>⚠ degenerate: {escape(m['degenerate'])}</span>"
        cells = [
            escape(coupling_text(m, c["name"] == ref)) if k == "coupling" else cell(m, k)
            for k in keys
        ]
        rows.append(
            f"<tr><td>{name}</td><td>{step}</td>"
            + "".join(f"<td>{v}</td>" for v in cells)
            + "</tr>"
        )
    return (
        f'<div class="wide"><table class="summary"><tr><th width="14%">checkpoint</th><th>step</th>{head}</tr>'
        f"{''.join(rows)}"
        "</table></div>"
    )


def timeline_plots(r: Report) -> str:
    """The same series the app's timeline view plots (``core.timeline_plot.plot_series``)."""
    tr = timeline_result(r.timeline)
    if all(c.error for c in tr.checkpoints):
        return "<p>No checkpoint could be analysed.</p>"
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


def units_html(ex: dict) -> str:
    units = ex.get("units") or []
    text = ex["input"]
    cited = set((ex.get("explanation") or {}).get("cited", []))
    vmax = max((u["delta"] for u in units), default=0.0)
    out, pos = [], 0
    for i, u in enumerate(units):
        out.append(escape(text[pos : u["start"]]))
        cls = "u cited" if i in cited else "u"
        out.append(
            f'<span class="{cls}" style="{tint(u["delta"], vmax, u.get("signed"))}" '
            f'title="Δ {u["delta"]:.3f}'
            f'{", flips" if u.get("flips") else ""}">{escape(text[u["start"] : u["end"]])}'
            f"{'<sup>◆</sup>' if i in cited else ''}</span>"
        )
        pos = u["end"]
    out.append(escape(text[pos:]))
    return f'<div class="units">{"".join(out)}</div>'


def example_block(ex: dict, heading: str) -> str:
    p = ex["prediction"]
    probs = ", ".join(f"{escape(k)} {v:.3f}" for k, v in p["probs"].items())
    expl = ex.get("explanation")
    said = (
        f'<div class="expl">explanation: “{escape(expl["text"])}”</div>'
        if expl
        else '<div class="small">no explanation requested</div>'
    )
    m = ex.get("metrics", {})
    mets = " · ".join(
        f"{escape(k)} {fmt(m[k])}"
        for k in (
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
        if k in m
    )
    if m.get("decided") is False:
        mets += f" · undecided: largest Δ below τ = {fmt(m.get('tau'))}"
    gold = f" · gold <b>{escape(ex['gold'])}</b>" if ex.get("gold") else ""
    return (
        f'<div class="ex"><h3>{escape(heading)}</h3>{units_html(ex)}'
        f"<div>prediction <b>{escape(p['label'])}</b> ({probs}){gold}</div>{said}"
        f'<div class="small">{mets}</div></div>'
    )


def compare_section(r: Report) -> str:
    if not r.compare:
        return "<p>Fewer than two checkpoints were analysed: nothing to compare.</p>"
    a, b = r.compare["a"], r.compare["b"]
    ca, cb = r.checkpoint(a), r.checkpoint(b)
    rows = "".join(
        f"<tr><td>{escape(c['input'])}</td><td>{c['score']:.3f}</td><td>{escape(c['label_a'])} → "
        f"{escape(c['label_b'])}</td><td>{escape(str(c['top_a']))} → {escape(str(c['top_b']))}</td>"
        f"<td>{escape(counted(c['cited_a']) or '—')} → {escape(counted(c['cited_b']) or '—')}</td>"
        f"<td>{'yes' if c['explanation_changed'] else ''}</td></tr>"
        for c in r.compare["changes"]
    )
    out = [
        f"<p>A = <b>{escape(a)}</b>, B = <b>{escape(b)}</b>. Inputs whose label, top unit or cited "
        "units changed, largest change first (prediction TVD + change of the top Δ).</p>",
        # fixed column shares: a long input gets the room, so no column is squeezed to a letter
        '<table class="changes" width="100%"><colgroup>'
        + "".join(f'<col style="width:{w}%">' for w, _ in CHANGE_COLUMNS)
        + "</colgroup><tr>"
        + "".join(f'<th width="{w}%">{h}</th>' for w, h in CHANGE_COLUMNS)
        + f"</tr>{rows}</table>",
    ]
    for tag, c in (("A", ca), ("B", cb)):
        if (c.get("metrics") or {}).get("degenerate"):
            out.insert(
                0,
                f"<p class='err'>⚠ {tag} ({escape(c['name'])}) is degenerate: "
                f"{escape(c['metrics']['degenerate'])}; its Δ and citations describe no "
                "input-dependent behaviour.</p>",
            )
    if r.compare.get("same_weights"):
        out.insert(
            0,
            f"<p><b>A and B have identical weights</b> (sha256 {escape(ca.get('sha256') or '')}):"
            " they were analysed once and nothing can differ.</p>",
        )
    for i in r.selected:
        if i >= len(ca["examples"]) or i >= len(cb["examples"]):
            continue
        ea, eb = ca["examples"][i], cb["examples"][i]
        labels = [u["text"] for u in ea["units"]]
        if labels == [u["text"] for u in eb["units"]]:
            out.append(
                paired_bars(
                    labels,
                    [u["delta"] for u in ea["units"]],
                    [u["delta"] for u in eb["units"]],
                    (f"A: {a}", f"B: {b}"),
                    set(ea["explanation"]["cited"] if ea.get("explanation") else []),
                    set(eb["explanation"]["cited"] if eb.get("explanation") else []),
                    signed=(
                        [u.get("signed") for u in ea["units"]],
                        [u.get("signed") for u in eb["units"]],
                    ),
                )
            )
        out.append(
            # a table, not flexbox: Qt's PDF printer lays out tables but not flex boxes
            '<table class="cols" width="100%"><tr>'
            f'<td class="col" width="50%" valign="top">{example_block(ea, "A: " + a)}</td>'
            f'<td class="col" width="50%" valign="top">{example_block(eb, "B: " + b)}</td>'
            "</tr></table>"
        )
    return "".join(out)


def selected_section(r: Report) -> str:
    out = []
    for i in r.selected:
        out.append(f"<h3>Input {i + 1}</h3>")
        for c in r.timeline["checkpoints"]:
            if not c.get("error") and i < len(c["examples"]):
                ex = c["examples"][i]
                t = top_unit(ex)
                head = c["name"] + (
                    f" — top unit “{ex['units'][t]['text']}”" if t is not None else ""
                )
                out.append(example_block(ex, head))
    return "".join(out) or "<p>No examples selected.</p>"


def definitions() -> str:
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td style='text-align:left'>{escape(v)}</td></tr>"
        for k, v in METRIC_HELP.items()
    )
    return (
        f"<table>{rows}</table><p class='small'>Δ of a unit = total variation distance between the "
        "label distribution with and without that unit. Units are tinted by Δ, the same scale as "
        f"the app: {escape(colors.LEGEND)}; units the explanation names are outlined and marked ◆. A unit is named when the "
        "explanation quotes it, or uses it as a content word (function words and punctuation of "
        "the explanation's own sentence never count). An input whose largest Δ is below τ is "
        "undecided: it has no Hit@1 and is not in the conflict set. Every mean carries n and a "
        "95 % percentile-bootstrap interval over inputs (1000 resamples, seed 0); "
        "&ldquo;chance&rdquo; is what naming as many units at random would score (k/n). "
        "See docs/METRICS.md.</p>"
    )


def provenance_section(r: Report) -> str:
    p = r.provenance
    keys = (
        "app_version",
        "created",
        "python",
        "torch",
        "transformers",
        "platform",
        "device",
        "series",
        "inputs_hash",
        "seed",
    )
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td style='text-align:left'>{escape(str(p.get(k)))}</td></tr>"
        for k in keys
    )
    for k in ("ablation", "generation", "metrics"):
        v = ", ".join(f"{a}={b}" for a, b in (p.get(k) or {}).items())
        rows += f"<tr><td>{k}</td><td style='text-align:left'>{escape(v)}</td></tr>"
    ck = "".join(
        f"<tr><td>{escape(c['name'])}</td><td style='text-align:left'>{escape(c.get('path') or '')}"
        f"</td><td style='text-align:left'><code>{escape(str(c.get('sha256')))}</code>"
        + (f" (= {escape(c['duplicate_of'])})" if c.get("duplicate_of") else "")
        + (
            f"<br>base {escape(c['base']['path'])}: <code>{escape(str(c['base']['sha256']))}</code>"
            if c.get("base")
            else ""
        )
        + f"</td><td style='text-align:left'><code>{escape(str(c.get('hash')))}</code></td></tr>"
        for c in p.get("checkpoints", [])
    )
    for role, f in (p.get("files") or {}).items():
        if f and f.get("sha256"):
            rows += (
                f"<tr><td>{role} sha256</td><td style='text-align:left'><code>"
                f"{escape(f['sha256'])}</code> {escape(str(f.get('path') or ''))}</td></tr>"
            )
    skipped = "".join(
        f"<li>{escape(s['name'])}: {escape(s['reason'])}</li>"
        for s in r.timeline.get("skipped", [])
    )
    return (
        f"<table>{rows}</table><h3>Checkpoints</h3><table><tr><th>name</th><th>path</th>"
        f"<th>weights sha256</th><th>cache key</th></tr>{ck}</table>"
        + (f"<h3>Skipped while discovering the series</h3><ul>{skipped}</ul>" if skipped else "")
        + f"<h3>Probe file (verbatim)</h3><pre>{escape(p.get('probe_source', ''))}</pre>"
        + "<h3>Inputs</h3><ol>"
        + "".join(f"<li>{escape(t)}</li>" for t in r.inputs)
        + "</ol>"
    )


def render_html(r: Report) -> str:
    t = r.timeline
    probe = t.get("probe", {}).get("name", "")
    title = f"Inspector report — {probe}" if probe else "Inspector report"
    n_inputs = len(r.inputs)
    n_ck = sum(1 for c in t["checkpoints"] if not c.get("error"))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">series {escape(str(t.get("series")))} · {n_ck} checkpoints analysed · {n_inputs} '
        f"inputs · reference {escape(str(t.get('reference')))} · created {escape(str(r.provenance.get('created')))}"
        f" · Inspector {escape(str(r.provenance.get('app_version')))}</p>",
        *(
            [
                f'<p class="err">Partial run: stopped before {len(t["not_run"])} of '
                f"{len(t['not_run']) + len(t['checkpoints'])} checkpoints "
                f"({escape(', '.join(t['not_run']))}).</p>"
            ]
            if t.get("not_run")
            else []
        ),
        "<section><h2>Run summary</h2>",
        summary_table(r),
        "</section>",
        "<section><h2>Timeline</h2>",
        timeline_plots(r),
        "</section>",
        "<section><h2>Compare two checkpoints</h2>",
        compare_section(r),
        "</section>",
        "<section><h2>Selected examples across the run</h2>",
        selected_section(r),
        "</section>",
        "<section><h2>Metric definitions</h2>",
        definitions(),
        "</section>",
        "<section><h2>Provenance</h2>",
        provenance_section(r),
        "</section>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
