"""The app's session state: what is open and what was measured, with a change event per field.

The one truth the window shows (docs/ARCHITECTURE.md, "Session state"): widgets observe these
fields through ``state.events.<field>`` and hold only what they display. Qt-free (psygnal), so it can be
built and checked without a display, as napari's viewer model and glue's state classes are.

One invariant is kept here rather than checked by every view: ``result`` always belongs to
``text``. Changing the text drops a result of another text, so a painter never has to ask
whether what it paints is stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psygnal import evented

from .inputs import Example
from .probe import Probe
from .results import ExampleResult, Settings
from .series import Series


@evented
@dataclass(eq=False)
class SessionState:
    # what is open
    series: Series | None = None  # None for a single checkpoint
    series_path: str | None = None  # the folder (or file) the user opened
    open_options: dict = field(default_factory=dict)  # how: {"base": LoRA base, "revisions"}
    checkpoints: list[tuple[str, str]] = field(default_factory=list)  # (name, path) in order
    checkpoint: str | None = None  # the path analysed now
    probe: Probe | None = None
    settings: Settings = field(default_factory=Settings)
    inputs: list[Example] = field(default_factory=list)
    inputs_path: str | None = None
    current_input: int | None = None  # the row of ``inputs`` being edited, if any
    text: str = ""
    gold: str | None = None  # the gold label of ``text`` when it is an input's own text
    baseline_text: str | None = None  # the pinned baseline
    # what was measured
    result: ExampleResult | None = None  # of ``text``: streams in, then the final one
    result_settings: Settings = field(default_factory=Settings)  # what ``result`` was run with
    outcome: Any = None  # core.cached.Cached: how the last finished result came (hit, model)
    baseline: ExampleResult | None = None  # of ``baseline_text``
    timeline: Any = None  # core.timeline.TimelineResult of the last timeline run

    def set_text(self, text: str, gold: str | None = None) -> None:
        """The edited input; a result of another text is dropped (the invariant above)."""
        if self.result is not None and self.result.input != text:
            self.result = None
        self.gold = gold
        self.text = text

    def ready(self) -> bool:
        """Whether there is something to analyse: a checkpoint, a probe and a non-blank text."""
        return bool(self.checkpoint and self.probe and self.text.strip())

    def request_key(self) -> tuple:
        """Everything the analysis of ``text`` depends on."""
        probe = self.probe.source if self.probe else None
        return (self.checkpoint, probe, self.text, self.settings, self.gold)

    def editing_input(self, text: str) -> bool:
        """Whether ``text`` is still the text of the input row being edited."""
        i = self.current_input
        return i is not None and 0 <= i < len(self.inputs) and self.inputs[i].text == text

    def checkpoint_path(self, name_or_path: str) -> str:
        return dict(self.checkpoints).get(name_or_path, name_or_path)
