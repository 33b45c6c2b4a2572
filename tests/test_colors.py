"""The shared Δ colour scale: one side per sign, darker with Δ, readable, colour-blind safe."""

import pytest

from inspector.core import colors

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB
CVD = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}


def _lin(v):
    s = v / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def _simulate(rgb, kind):
    lin = [_lin(v) for v in rgb]
    return tuple(
        min(1.0, max(0.0, sum(m * x for m, x in zip(row, lin, strict=True)))) for row in CVD[kind]
    )


def _dist(a, b):
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5


@pytest.mark.parametrize("kind", list(CVD))
@pytest.mark.parametrize("delta", [0.3, 0.6, 1.0])
def test_the_two_sides_stay_apart_for_colour_blind_readers(kind, delta):
    pro = colors.delta_rgb(delta, -0.2, 1.0)
    con = colors.delta_rgb(delta, +0.2, 1.0)
    assert _dist(_simulate(pro, kind), _simulate(con, kind)) > 0.12


@pytest.mark.parametrize("signed", [-0.1, 0.1])
def test_a_larger_delta_is_darker_on_both_sides(signed):
    lum = [colors.luminance(colors.delta_rgb(d, signed, 1.0)) for d in (0.05, 0.2, 0.5, 1.0)]
    assert lum == sorted(lum, reverse=True) and lum[0] - lum[-1] > 0.3


def test_intensity_is_relative_to_the_largest_delta_with_a_floor():
    assert colors.strength(0.2, 0.2) == 1.0
    assert colors.strength(0.01, 0.01) == pytest.approx(0.01 / colors.FLOOR)  # noise stays pale
    assert colors.delta_rgb(0.0, -0.1, 0.5) == colors.WHITE


@pytest.mark.parametrize("bg", [(255, 255, 255), (30, 30, 30), (53, 53, 53)])
def test_text_on_every_tint_is_readable_on_light_and_dark_backgrounds(bg):
    for d in (0.0, 0.1, 0.4, 0.7, 1.0):
        for s in (-0.1, 0.1):
            tint = colors.delta_rgb(d, s, 1.0, bg)
            assert colors.contrast(colors.text_on(tint), tint) >= 4.5


@pytest.mark.parametrize("kind", list(CVD))
def test_yes_and_no_cells_stay_apart_for_colour_blind_readers(kind):
    # the timeline's Hit@1 strip: red and green collapse to one brown under deuteranopia
    yes, no = _simulate(colors.YES, kind), _simulate(colors.NO, kind)
    assert _dist(yes, no) > 0.3
    grey = _simulate(colors.UNMEASURED, kind)
    assert min(_dist(yes, grey), _dist(no, grey)) > 0.3
    red, green = _simulate((220, 60, 50), kind), _simulate((60, 170, 80), kind)
    if kind == "deuteranopia":
        assert _dist(red, green) < _dist(yes, no) / 2  # the old pair, for comparison
