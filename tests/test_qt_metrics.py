"""The app shows every timeline mean with its interval (bands) and says why a unit is cited."""

from __future__ import annotations

from inspector.core.aggregate import checkpoint_metrics
from inspector.core.explanation import Explanation
from inspector.core.inputs import Example
from inspector.core.probe import parse_probe
from inspector.core.results import ExampleResult, Settings
from inspector.core.timeline import CheckpointResult, TimelineResult
from inspector.core.timeline_plot import hover_text
from inspector.core.units import word_units
from inspector.demo.tiny import SENTIMENT_PROBE


def _ex(text, top, said, cited):
    units = word_units(text)
    rows = [[0.9, 0.1] for _ in units]
    if top is not None:
        rows[top] = [0.2, 0.8]  # Δ 0.7 on the top unit, 0 elsewhere
    return ExampleResult(text, ["pos", "neg"], [0.9, 0.1], units, rows, Explanation(said, cited))


def _timeline() -> TimelineResult:
    texts = [f"w{i} x{i} y{i}" for i in range(8)]
    ref = [_ex(t, 0, t.split()[0], [0]) for t in texts]  # top and cited: the first word
    now = [_ex(t, 1, t.split()[0], [0]) for t in texts[:6]]  # top moved, explanation did not
    now += [_ex(t, None, "", []) for t in texts[6:]]  # nothing moves: undecided
    tau = Settings().tau
    cks = [
        CheckpointResult("p1/ck-1", "/r/p1/ck-1", 1, checkpoint_metrics(ref, ref, tau), ref),
        CheckpointResult("p2/ck-2", "/r/p2/ck-2", 2, checkpoint_metrics(now, ref, tau), now),
        CheckpointResult("p2/ck-3", "/r/p2/ck-3", 3, checkpoint_metrics(now, ref, tau), now),
    ]
    return TimelineResult(
        "/r", "p1/ck-1", cks, Settings(), parse_probe(SENTIMENT_PROBE), [Example(t) for t in texts]
    )


def test_hover_gives_intervals_undecided_counts_and_coupling_with_its_conflict_set():
    tr = _timeline()
    m = tr.checkpoints[1].metrics
    assert (m["n_undecided"], m["n_conflict"], m["coupling"], m["coupling_ci"]) == (
        2,
        6,
        -1.0,
        [-1.0, -1.0],
    )
    text = hover_text(tr, 1)
    assert "2 of 8 undecided" in text
    assert "coupling -1.00 [-1.00, -1.00] n=6 over |C_t| = 6" in text
    assert "Hit@1 0.00 [0.00, 0.00] n=6" in text


def test_the_timeline_draws_a_band_per_shown_curve(window):
    view = window.timeline
    window.state.timeline = _timeline()  # the view redraws from the state
    keys = {getattr(b, "band_key", None) for b in view.plot.bands}
    shown = {k for k, box in view.toggles.items() if box.isChecked()}
    assert {"hit_at_1", "coupling"} <= keys <= shown
    view.toggles["hit_at_1"].setChecked(False)  # redraws without its band
    assert "hit_at_1" not in {getattr(b, "band_key", None) for b in view.plot.bands}
