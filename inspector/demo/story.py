"""Does the built demo tell its story? Checked after every build, with the figures.

The story: both branches learn phase 2's new behaviour (accuracy ≥ 0.95 at their last
checkpoint); the fixed branch's explanations keep naming the old keyword (coupling ≤ −0.5
against the first checkpoint), the refreshed branch's follow the new cue (coupling ≥ 0.3). The
first demo recipe held on one CPU's rounding path only; a build that misses the story now says
so, with the numbers, instead of showing a timeline that means nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..core.tasks import TaskState

MARKER = ".complete"  # the build record series.build_demo writes last
MIN_ACCURACY = 0.95
MAX_FIXED_COUPLING = -0.5
MIN_REFRESHED_COUPLING = 0.3
BOUNDS = {"fixed": (None, MAX_FIXED_COUPLING), "refreshed": (MIN_REFRESHED_COUPLING, None)}


@dataclass
class BranchFigures:
    variant: str
    checkpoint: str
    reference: str
    accuracy: float | None
    coupling: float | None
    coupling_ci: list[float] | None
    n_conflict: int | None
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        acc = "—" if self.accuracy is None else f"{self.accuracy:.2f}"
        if self.coupling is None:
            coup = f"— (n={self.n_conflict or 0})"
        else:
            ci = self.coupling_ci
            band = f" [{ci[0]:+.2f}, {ci[1]:+.2f}]" if ci else ""
            coup = f"{self.coupling:+.2f}{band} (n={self.n_conflict})"
        return (
            f"{self.variant:<9} {self.checkpoint}: accuracy {acc}, coupling {coup}"
            f" against {self.reference}"
        )


@dataclass
class Story:
    branches: list[BranchFigures]

    @property
    def holds(self) -> bool:
        return not any(b.problems for b in self.branches)

    def report(self) -> str:
        head = (
            "the demo tells its story:"
            if self.holds
            else "warning: the demo built on this machine does NOT tell its story:"
        )
        lines = [head, *("  " + b.line() for b in self.branches)]
        lines += [f"  ✗ {p}" for b in self.branches for p in b.problems]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"holds": self.holds, "branches": [asdict(b) for b in self.branches]}


def _branch(root: Path, variant: str, task: TaskState | None, cache) -> BranchFigures:
    from ..core.inputs import load_inputs
    from ..core.probe import load_probe
    from ..core.results import Settings
    from ..core.series import discover_series
    from ..core.timeline import run_timeline

    series = discover_series(root / variant)
    names = [e.name for e in series.entries]
    first, last = names[0], names[-1]
    for name in names:
        series.exclude(name, name not in (first, last))
    probe = load_probe(root / "probe.toml")
    examples = load_inputs(root / "inputs.jsonl", probe.label_names)
    result = run_timeline(
        series, probe, examples, Settings(), reference=first, cache=cache, task=task
    )
    m = result.find(last).metrics
    fig = BranchFigures(
        variant,
        last,
        first,
        m.get("accuracy"),
        m.get("coupling"),
        m.get("coupling_ci"),
        m.get("n_conflict"),
    )
    if fig.accuracy is None or fig.accuracy < MIN_ACCURACY:
        fig.problems.append(f"{variant}: accuracy below {MIN_ACCURACY} (phase 2 not learned)")
    lo, hi = BOUNDS[variant]
    if fig.coupling is None:
        fig.problems.append(f"{variant}: no coupling (empty conflict set)")
    elif lo is not None and fig.coupling < lo:
        fig.problems.append(f"{variant}: coupling below {lo:+.1f} (explanations do not follow)")
    elif hi is not None and fig.coupling > hi:
        fig.problems.append(f"{variant}: coupling above {hi:+.1f} (explanations do not decouple)")
    if m.get("degenerate"):
        fig.problems.append(f"{variant}: {last} is degenerate: {m['degenerate']}")
    return fig


def check_story(root: str | Path, task: TaskState | None = None) -> Story:
    """The figures of the story at the last checkpoint of each branch (a timeline of two)."""
    from ..core.cache import ResultCache

    root = Path(root)
    # one cache for both branches: they share phase 1, so its reference is analysed once, and
    # the app's or the CLI's first timeline of the demo is then served from it
    cache = ResultCache()
    try:
        return Story([_branch(root, v, task, cache) for v in ("fixed", "refreshed")])
    finally:
        cache.close()


def stored_story(root: str | Path) -> dict | None:
    """The story figures recorded when ``root`` was built (``story.Story.to_dict``)."""
    try:
        story = json.loads((Path(root) / MARKER).read_text()).get("story")
    except (OSError, ValueError, AttributeError):
        return None
    return story if isinstance(story, dict) else None


def story_report(root: str | Path) -> tuple[bool, str]:
    """(holds, the lines to show) for a built demo."""
    d = stored_story(root)
    if d is None:
        return False, "warning: this demo build records no story check; rebuild it"
    story = Story([BranchFigures(**b) for b in d["branches"]])
    return story.holds, story.report()
