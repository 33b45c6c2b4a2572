"""Hand-written SVG charts: pure functions of the numbers, no plotting library, no fonts to fetch.

Styles are presentation attributes, not CSS classes, so a chart is complete on its own: the
browser inlines it in the HTML and Qt's SVG renderer draws the same chart for the PDF.
"""

from __future__ import annotations

from markupsafe import Markup

from ..core import colors

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]


def _n(v: float) -> str:
    return f"{v:.1f}"


def _svg(markup: str, *args) -> Markup:
    """``markup`` is this module's own SVG; ``Markup.format`` escapes every argument (names and
    labels come from users and models), so a chart is safe to put in a page as it is."""
    return Markup(markup).format(*args)


def line_chart(
    series: list[tuple[str, list[tuple[float, float | None]]]],
    title: str,
    x_label: str = "step",
    y_range: tuple[float, float] = (0.0, 1.0),
    point_notes: dict[float, str] | None = None,
    width: int = 640,
    height: int = 260,
    bands: dict[str, list[tuple[float, list[float] | None]]] | None = None,
) -> Markup:
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
        _svg(
            '<svg viewBox="0 0 {0} {1}" width="{0}" height="{1}" role="img" aria-label="{2}">',
            width,
            height,
            title,
        ),
        _svg(
            '<text x="{}" y="16" font-size="13" font-weight="bold" fill="#222">{}</text>',
            left,
            title,
        ),
    ]
    for i in range(5):
        y = y0 + (y1 - y0) * i / 4
        out.append(
            _svg(
                '<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#e3e3e3"/>'
                '<text x="{}" y="{:.1f}" font-size="11" fill="#444" text-anchor="end">{:g}</text>',
                *(left, left + pw, py(y), py(y), left - 6, py(y) + 4, y),
            )
        )
    for x in xs:
        out.append(
            _svg(
                '<text x="{:.1f}" y="{}" font-size="11" fill="#444" text-anchor="middle">{:g}</text>',
                *(px(x), top + ph + 16, x),
            )
        )
    out.append(
        _svg(
            '<text x="{:.1f}" y="{}" font-size="11" fill="#444" text-anchor="middle">{}</text>',
            *(left + pw / 2, height - 6, x_label),
        )
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
            out.append(
                _svg('<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>', d, color)
            )
            out += [
                _svg(
                    '<circle cx="{:.1f}" cy="{:.1f}" r="3.5" fill="{}">'
                    "<title>{} at {:g}: {:.3f}</title></circle>",
                    *(px(x), py(y), color, name, x, y),
                )
                for x, y in run
            ]
        ly = top + 14 + 16 * k
        out.append(
            _svg(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2"/>'
                '<text x="{}" y="{}" font-size="11" fill="#444">{}</text>',
                *(left + pw + 12, left + pw + 30, ly - 4, ly - 4, color, left + pw + 34, ly, name),
            )
        )
    for x, note in (point_notes or {}).items():
        out.append(
            _svg(
                '<text x="{:.1f}" y="{}" font-size="11" fill="#444" text-anchor="middle">{}</text>',
                *(px(x), top + ph + 29, note),
            )
        )
    out.append(Markup("</svg>"))
    return Markup("").join(out)


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
                _svg(
                    '<polygon points="{}" fill="{}" fill-opacity="0.15" stroke="none">'
                    "<title>{}: 95 % interval</title></polygon>",
                    *(d, color, name),
                )
            )
        elif run:
            a, lo, hi = run[0]
            out.append(
                _svg(
                    '<line x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" '
                    'stroke="{3}" stroke-opacity="0.35" stroke-width="6"/>',
                    *(px(a), py(lo), py(hi), color),
                )
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
) -> Markup:
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
        _svg(
            '<svg viewBox="0 0 {0} {1}" width="{0}" height="{1}" role="img" '
            'aria-label="measured shift per unit">',
            width,
            height,
        )
    ]
    for col, (name, vals, marks, sign) in enumerate(
        ((names[0], a, marks_a, signs[0]), (names[1], b, marks_b, signs[1]))
    ):
        x = left + col * (half + 10)
        out.append(
            _svg(
                '<text x="{}" y="16" font-size="13" font-weight="bold" fill="#222">{}</text>',
                x,
                name,
            )
        )
        for r, i in enumerate(shown):
            v = vals[i]
            y = 26 + r * row
            w = max(v / vmax * (half - 60), 0.5)
            mark = f" {colors.CITED_MARK}" if i in marks else ""
            fill = colors.hex_rgb(colors.side_rgb(sign[i] if i < len(sign) else None))
            out.append(
                _svg(
                    '<rect x="{}" y="{}" width="{:.1f}" height="{}" fill="{}">'
                    "<title>{}: Δ {:.3f}{}</title></rect>"
                    '<text x="{:.1f}" y="{}" font-size="11" fill="#444">{:.3f}{}</text>',
                    *(x, y, w, row - 6, fill, labels[i], v, " (cited)" if mark else ""),
                    *(x + w + 4, y + row - 10, v, mark),
                )
            )
        if rest:
            out.append(
                _svg(
                    '<text x="{}" y="{}" font-size="11" fill="#666">+{} more, ΣΔ {:.2f}</text>',
                    *(x, 26 + len(shown) * row + row - 10, len(rest), sum(vals[i] for i in rest)),
                )
            )
    for r, i in enumerate(shown):
        out.append(
            _svg(
                '<text x="{}" y="{}" font-size="11" fill="#444" text-anchor="end">{}</text>',
                *(left - 6, 26 + r * row + row - 10, labels[i][:18]),
            )
        )
    out.append(Markup("</svg>"))
    return Markup("").join(out)
