"""Hand-written SVG charts: pure functions of the numbers, no plotting library, no fonts to fetch.

Styles are presentation attributes, not CSS classes, so a chart is complete on its own: the
browser inlines it in the HTML and Qt's SVG renderer draws the same chart for the PDF.
"""

from __future__ import annotations

from html import escape

from ..core import colors

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]


def _n(v: float) -> str:
    return f"{v:.1f}"


def line_chart(
    series: list[tuple[str, list[tuple[float, float | None]]]],
    title: str,
    x_label: str = "step",
    y_range: tuple[float, float] = (0.0, 1.0),
    point_notes: dict[float, str] | None = None,
    width: int = 640,
    height: int = 260,
    bands: dict[str, list[tuple[float, list[float] | None]]] | None = None,
) -> str:
    """Curves over steps; None values break the curve. ``point_notes`` label x positions (e.g. n=).

    ``bands`` maps a curve's name to (x, [lo, hi]) per point: its 95 % interval, shaded.
    """
    left, right, top, bottom = 48, 130, 28, 52
    xs = sorted({x for _, pts in series for x, _ in pts}) or [0.0]
    x0, x1 = xs[0], xs[-1] if xs[-1] != xs[0] else xs[0] + 1
    y0, y1 = y_range
    pw, ph = width - left - right, height - top - bottom

    def px(x):
        return left + (x - x0) / (x1 - x0) * pw

    def py(y):
        return top + (1 - (min(max(y, y0), y1) - y0) / (y1 - y0)) * ph

    out = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="16" font-size="13" font-weight="bold" fill="#222">{escape(title)}</text>',
    ]
    for i in range(5):
        y = y0 + (y1 - y0) * i / 4
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{_n(py(y))}" y2="{_n(py(y))}" stroke="#e3e3e3"/>'
            f'<text x="{left - 6}" y="{_n(py(y) + 4)}" font-size="11" fill="#444" text-anchor="end">{y:g}</text>'
        )
    for x in xs:
        out.append(
            f'<text x="{_n(px(x))}" y="{top + ph + 16}" font-size="11" fill="#444" text-anchor="middle">{x:g}</text>'
        )
    out.append(
        f'<text x="{left + pw / 2:.1f}" y="{height - 6}" font-size="11" fill="#444" text-anchor="middle">'
        f"{escape(x_label)}</text>"
    )
    for k, (name, pts) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        out += _band(name, (bands or {}).get(name, []), color, px, py)
        runs, cur = [], []
        for x, y in pts:
            if y is None:
                runs, cur = runs + [cur] if cur else runs, []
            else:
                cur.append((x, y))
        runs += [cur] if cur else []
        for run in runs:
            d = " ".join(f"{_n(px(x))},{_n(py(y))}" for x, y in run)
            out.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
            out += [
                f'<circle cx="{_n(px(x))}" cy="{_n(py(y))}" r="3.5" fill="{color}">'
                f"<title>{escape(name)} at {x:g}: {y:.3f}</title></circle>"
                for x, y in run
            ]
        ly = top + 14 + 16 * k
        out.append(
            f'<line x1="{left + pw + 12}" x2="{left + pw + 30}" y1="{ly - 4}" y2="{ly - 4}" '
            f'stroke="{color}" stroke-width="2"/><text x="{left + pw + 34}" y="{ly}" font-size="11" fill="#444">'
            f"{escape(name)}</text>"
        )
    for x, note in (point_notes or {}).items():
        out.append(
            f'<text x="{_n(px(x))}" y="{top + ph + 29}" font-size="11" fill="#444" '
            f'text-anchor="middle">{escape(note)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


TOP_K = 15  # bars per chart; the rest are summed in one line (the input itself shows them all)


def _band(name: str, pts, color: str, px, py) -> list[str]:
    """Shaded polygons of an interval band, one per run of points that all have an interval."""
    out, run = [], []
    for x, ci in [*pts, (None, None)]:
        if ci is not None:
            run.append((x, ci[0], ci[1]))
            continue
        if len(run) > 1:
            edge = [(a, hi) for a, _, hi in run] + [(a, lo) for a, lo, _ in reversed(run)]
            d = " ".join(f"{_n(px(a))},{_n(py(b))}" for a, b in edge)
            out.append(
                f'<polygon points="{d}" fill="{color}" fill-opacity="0.15" stroke="none">'
                f"<title>{escape(name)}: 95 % interval</title></polygon>"
            )
        elif run:
            a, lo, hi = run[0]
            out.append(
                f'<line x1="{_n(px(a))}" x2="{_n(px(a))}" y1="{_n(py(lo))}" y2="{_n(py(hi))}" '
                f'stroke="{color}" stroke-opacity="0.35" stroke-width="6"/>'
            )
        run = []
    return out


def paired_bars(
    labels: list[str],
    a: list[float],
    b: list[float],
    names: tuple[str, str],
    marks_a: set[int] = frozenset(),
    marks_b: set[int] = frozenset(),
    width: int = 640,
    signed: tuple[list, list] | None = None,
    top_k: int = TOP_K,
) -> str:
    """Horizontal bars of Δ for A and B side by side, the top units by the larger Δ first.

    Colours are the app's Δ scale (``core.colors``): orange for the answer, purple against;
    ◆ marks units the explanation cites.
    """
    row, left, half = 22, 130, (width - 130 - 20) // 2
    order = sorted(range(len(labels)), key=lambda i: (-max(a[i], b[i]), i))
    shown, rest = order[:top_k], order[top_k:]
    height = 34 + row * len(shown) + (row if rest else 0)
    vmax = max([*a, *b, 1e-9])
    signs = signed or ([None] * len(a), [None] * len(b))
    out = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="measured shift per unit">'
    ]
    for col, (name, vals, marks, sign) in enumerate(
        ((names[0], a, marks_a, signs[0]), (names[1], b, marks_b, signs[1]))
    ):
        x = left + col * (half + 10)
        out.append(
            f'<text x="{x}" y="16" font-size="13" font-weight="bold" fill="#222">{escape(name)}</text>'
        )
        for r, i in enumerate(shown):
            v = vals[i]
            y = 26 + r * row
            w = max(v / vmax * (half - 60), 0.5)
            mark = f" {colors.CITED_MARK}" if i in marks else ""
            fill = colors.hex_rgb(colors.side_rgb(sign[i] if i < len(sign) else None))
            out.append(
                f'<rect x="{x}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{fill}">'
                f"<title>{escape(labels[i])}: Δ {v:.3f}{' (cited)' if mark else ''}</title></rect>"
                f'<text x="{x + w + 4:.1f}" y="{y + row - 10}" font-size="11" fill="#444">{v:.3f}{mark}</text>'
            )
        if rest:
            out.append(
                f'<text x="{x}" y="{26 + len(shown) * row + row - 10}" font-size="11" fill="#666">'
                f"+{len(rest)} more, ΣΔ {sum(vals[i] for i in rest):.2f}</text>"
            )
    for r, i in enumerate(shown):
        out.append(
            f'<text x="{left - 6}" y="{26 + r * row + row - 10}" font-size="11" fill="#444" text-anchor="end">'
            f"{escape(labels[i][:18])}</text>"
        )
    out.append("</svg>")
    return "".join(out)
