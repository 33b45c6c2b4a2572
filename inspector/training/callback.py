"""``CouplingCallback``: explanation–behaviour coupling logged while a transformers Trainer trains.

At each save (or every N optimizer steps) the probe runs on the model in memory through the
same Analyzer the CLI uses, and ``inspector/*`` figures go into the Trainer's log, so
``trainer_state.json``'s ``log_history``, TensorBoard, W&B and MLflow receive them like the
loss. At a save, the per-input results are also left in the checkpoint folder
(``inspector_results.json``) so a later ``inspector timeline`` over the run reads them
instead of measuring again.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

from transformers import Trainer, TrainerCallback

from ..core.cached import checkpoint_hash, input_key
from ..core.errors import InputError, InspectorError
from ..core.results import ExampleResult, Settings
from ..core.stored import STORED_NAME, read_stored, write_stored
from .measure import as_examples, as_probe, measure_model, subsample, unwrap
from .summary import PREFIX, log_entries

log = logging.getLogger(__name__)


class CouplingCallback(TrainerCallback):
    """Measure the probe on ``inputs`` during training and log ``inspector/*`` figures.

    probe: a Probe or a probe TOML path. inputs: an inputs file, or a list of texts / dicts
    with ``text`` and optional ``label`` / Examples. every: "save" (at each checkpoint save)
    or a number of optimizer steps. reference: the checkpoint folder coupling is measured
    against (default: the first measured step). max_inputs: measure only this many inputs,
    the same seeded subset each time (logged as ``inspector/n_inputs``). settings: the
    analysis settings (default: the CLI's defaults, so the timeline reuses the results).
    """

    def __init__(
        self,
        probe,
        inputs,
        tokenizer=None,
        every: str | int = "save",
        reference=None,
        max_inputs: int | None = None,
        seed: int = 0,
        settings: Settings | None = None,
    ):
        if not (every == "save" or (isinstance(every, int) and every >= 1)):
            raise InputError(f"every must be 'save' or a number of steps >= 1, not {every!r}")
        if max_inputs is not None and max_inputs < 1:
            raise InputError(f"max_inputs must be at least 1, not {max_inputs!r}")
        self.probe = as_probe(probe)
        self.all_inputs = as_examples(inputs, self.probe.label_names)
        self.inputs = subsample(self.all_inputs, max_inputs, seed)
        self.tokenizer = tokenizer
        self.every = every
        self.seed = seed
        self.settings = settings or Settings()
        self.reference_path = Path(reference) if reference is not None else None
        self.reference: list[ExampleResult] | None = None
        self.reference_step: int | None = None
        self.trainer: Trainer | None = None
        self.steps: list[int] = []  # the optimizer steps measured so far
        # the latest measurement, kept until its checkpoint is saved (only that one: memory)
        self.last: tuple[int, list[ExampleResult], dict] | None = None
        self.measurements = 0  # how many times the model was run (for tests and benchmarks)
        self.seconds = 0.0  # spent measuring and storing, all steps together

    def bind(self, trainer: Trainer) -> CouplingCallback:
        """Log through this trainer (found on its own when the callback runs inside train())."""
        self.trainer = trainer
        return self

    # -- Trainer events --------------------------------------------------------------
    def on_train_begin(self, args, state, control, **kwargs):
        strategy = getattr(args, "save_strategy", None)
        if self.every == "save" and getattr(strategy, "value", strategy) == "no":
            log.warning("inspector: every='save' but the Trainer never saves; nothing is measured")
        if self.reference is None and self.reference_path is None:
            self._resume_reference(args, state)

    def _resume_reference(self, args, state) -> None:
        """A resumed run keeps its reference: the results stored at that step are read back."""
        steps = [
            e["inspector/reference_step"]
            for e in state.log_history
            if "inspector/reference_step" in e
        ]
        if not steps:
            return
        step = steps[-1]
        folder = Path(args.output_dir) / f"checkpoint-{step}"
        stored = read_stored(folder)
        digest = _stored_hash(folder)
        keys = [
            input_key(digest or "", self.probe, ex.text, self.settings, ex.label)
            for ex in self.inputs
        ]
        if digest and all(k in stored for k in keys):
            self.reference = [ExampleResult.from_dict(stored[k]) for k in keys]
            self.reference_step = step
        else:
            log.warning(
                "inspector: the reference results of step %d are not in %s; coupling is measured"
                " against the first step measured from now",
                step,
                folder,
            )

    def on_step_end(self, args, state, control, **kwargs):
        due = control.should_save if self.every == "save" else state.global_step % self.every == 0
        if due:
            self._measure(args, state, kwargs)

    def on_epoch_end(self, args, state, control, **kwargs):
        if self.every == "save" and control.should_save:
            self._measure(args, state, kwargs)

    def on_save(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        if self.every == "save" and self.steps[-1:] != [state.global_step]:
            self._measure(args, state, kwargs)  # a save decided after evaluation ("best")
        if self.last is not None and self.last[0] == state.global_step:
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if folder.is_dir():
                self._store(folder, state.global_step)

    # -- the work ----------------------------------------------------------------------
    def _measure(self, args, state, kwargs) -> None:
        # only the main process measures and logs; the others wait for it at the next sync
        if not state.is_world_process_zero or self.steps[-1:] == [state.global_step]:
            return
        t0 = time.perf_counter()
        model = unwrap(kwargs.get("model"))
        tokenizer = self.tokenizer or kwargs.get("processing_class")
        try:
            results = measure_model(model, tokenizer, self.probe, self.inputs, self.settings)
            self._ensure_reference(results, model, state.global_step)
        except InspectorError as exc:  # a bad probe or input must not end a training run
            log.warning("inspector: step %d not measured: %s", state.global_step, exc)
            return
        self.measurements += 1
        metrics, logs = log_entries(
            results, self.reference, len(self.all_inputs), self.settings.tau
        )
        if self.reference_step is not None:
            logs[PREFIX + "reference_step"] = self.reference_step
        self.steps.append(state.global_step)
        self.last = (state.global_step, results, metrics)
        spent = time.perf_counter() - t0
        self.seconds += spent
        logs[PREFIX + "seconds"] = spent  # what the measurement cost the run
        self._log(state, logs)

    def _ensure_reference(self, results, model, step: int) -> None:
        if self.reference is not None:
            return
        if self.reference_path is None:
            self.reference, self.reference_step = results, step
            return
        from ..core.analysis import Analyzer
        from ..core.loading import load_checkpoint

        lm = load_checkpoint(self.reference_path, device=next(model.parameters()).device.type)
        analyzer = Analyzer(lm, self.probe)
        self.reference = [
            analyzer.analyze(ex.text, self.settings, gold=ex.label) for ex in self.inputs
        ]
        self.reference_step = lm.info.step

    def _log(self, state, logs: dict) -> None:
        trainer = self.trainer or _calling_trainer()
        if trainer is not None:
            trainer.log(dict(logs))  # log_history and every reporting callback, as Trainer does
            return
        entry = dict(logs, step=state.global_step)  # no Trainer: the log history at least
        if state.epoch is not None:
            entry["epoch"] = state.epoch
        state.log_history.append(entry)

    def _store(self, folder: Path, step: int) -> None:
        t0 = time.perf_counter()
        _step, results, metrics = self.last
        try:
            digest = checkpoint_hash(folder)
        except (InspectorError, OSError) as exc:
            log.warning("inspector: %s: results not stored (%s)", folder, exc)
            return
        keyed = {
            input_key(digest, self.probe, ex.text, self.settings, ex.label): r.to_dict()
            for ex, r in zip(self.inputs, results, strict=True)
        }
        about = {"step": step, "hash": digest, "reference_step": self.reference_step}
        write_stored(folder, keyed, {**about, "probe": self.probe.name, "metrics": metrics})
        self.seconds += time.perf_counter() - t0


def _stored_hash(folder: Path) -> str | None:
    try:
        return json.loads((folder / STORED_NAME).read_text(encoding="utf-8")).get("hash")
    except (OSError, ValueError, AttributeError):
        return None


def _calling_trainer() -> Trainer | None:
    """The Trainer whose event called this callback (callbacks are not handed the trainer)."""
    frame = sys._getframe(1)
    for _ in range(12):
        if frame is None:
            return None
        owner = frame.f_locals.get("self")
        if isinstance(owner, Trainer):
            return owner
        frame = frame.f_back
    return None
