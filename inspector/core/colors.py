"""The one colour scale for measured Δ, shared by the app, the HTML, PDF and SVG reports.

A diverging scale, ColorBrewer's PuOr (colour-blind safe: its two hues stay apart under
protanopia, deuteranopia and tritanopia; ``tests/test_colors.py`` checks that with the Machado
2009 simulation matrices):

- the side is the sign of the unit's signed shift of the *predicted* label's probability:
  orange = removing the unit lowers p(predicted), i.e. the unit speaks **for** the answer;
  purple = removing it raises p(predicted), the unit speaks **against** the answer;
- the intensity is Δ (TVD) relative to the example's largest Δ, with a floor of ``FLOOR`` so
  that an input where nothing matters stays pale instead of stretching noise to full colour.

Colours are blended over a background (white in reports, the palette's base colour in the app)
so a dark desktop theme gets dark-to-saturated tints, never white boxes; the text colour on a
tint is chosen for contrast (``text_on``).
"""

from __future__ import annotations

RGB = tuple[int, int, int]

FOR = (230, 97, 1)  # PuOr #e66101: the unit supports the predicted label
AGAINST = (94, 60, 153)  # PuOr #5e3c99: the unit works against it
WHITE: RGB = (255, 255, 255)
FLOOR = 0.05  # Δ below this never reaches full colour
MIN_ALPHA, MAX_ALPHA = 0.12, 0.9
CITED_MARK = "◆"
# yes/no cells (the timeline's Hit@1 strip): Okabe–Ito blue and vermillion, which stay apart
# for colour-blind readers where red and green do not; light grey = not measured
YES: RGB = (0, 114, 178)
NO: RGB = (213, 94, 0)
UNMEASURED: RGB = (235, 235, 235)
LEGEND = (
    "orange: removing the unit lowers the predicted label's probability (it speaks for the "
    "answer); purple: removing it raises it (against); darker = larger Δ; ◆ / underlined = "
    "cited by the explanation"
)


def strength(delta: float, vmax: float) -> float:
    """0..1: how strongly a unit with this Δ is tinted, given the example's largest Δ."""
    top = max(vmax, FLOOR)
    return max(0.0, min(1.0, delta / top))


def blend(fg: RGB, bg: RGB, alpha: float) -> RGB:
    return tuple(round(b + (f - b) * alpha) for f, b in zip(fg, bg, strict=True))  # type: ignore[return-value]


def delta_rgb(delta: float, signed: float | None, vmax: float, background: RGB = WHITE) -> RGB:
    """The tint of one unit; ``signed`` None (not known) counts as speaking for the answer."""
    hue = AGAINST if (signed is not None and signed > 0) else FOR
    t = strength(delta, vmax)
    if t <= 0:
        return background
    return blend(hue, background, MIN_ALPHA + (MAX_ALPHA - MIN_ALPHA) * t)


def side_rgb(signed: float | None) -> RGB:
    """The full-strength colour of a side (bars, legend swatches)."""
    return AGAINST if (signed is not None and signed > 0) else FOR


def hex_rgb(c: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*c)


def luminance(c: RGB) -> float:
    """WCAG relative luminance."""

    def lin(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(v) for v in c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio, 1..21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(bg: RGB) -> RGB:
    """Near-black or white, whichever reads better on ``bg``."""
    dark, light = (20, 20, 20), (255, 255, 255)
    return dark if contrast(dark, bg) >= contrast(light, bg) else light
