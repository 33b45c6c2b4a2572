"""One input, one checkpoint: prediction, measured shifts, stated explanation, metrics.

The GUI worker, the CLI and the timeline all call :meth:`Analyzer.analyze`.
Results stream through ``on_event``: "prediction" first, then "units" as sweep
chunks finish, then "explanation", then "done".
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

import torch

from . import coarse, precision
from .citing import citations
from .errors import InputError, ProbeError
from .example_metrics import example_metrics
from .explanation import Explanation, generate
from .loading import LoadedModel
from .probe import Probe
from .prompting import Rendered, encode, input_token_offsets, render
from .redundancy import SHAPLEY_MAX_UNITS, sampled_shapley
from .results import ExampleResult, Settings
from .scoring import label_probs, tokenize_verbalizers
from .sweep import Sweeper
from .tasks import TaskState, ensure_task
from .units import (
    Unit,
    ablate,
    keep_only,
    phrase_units,
    sentence_units,
    span_units,
    token_units,
    word_units,
)

EventFn = Callable[[str, ExampleResult], None]
MAX_INPUT_CHARS = 200_000
LONG_SWEEP_S = 15.0  # estimates above this are told to the user before the sweep starts


class Analyzer:
    """Binds a loaded model to a probe; reusable across inputs and settings."""

    def __init__(self, lm: LoadedModel, probe: Probe, max_batch_tokens: int = 384):
        self.lm = lm
        self.probe = probe
        self.verbs = self._verbalizers("[labels]", probe.labels)
        self.sweeper = Sweeper(lm.model, self.verbs, max_batch_tokens)
        self._explanations: OrderedDict[tuple, Explanation] = OrderedDict()
        self._cf_verbs = None
        self._precision: dict | None = None  # dtype and agreement with fp32, from the first input
        cfg = lm.model.config.get_text_config()
        self.max_positions = getattr(cfg, "max_position_embeddings", None) or getattr(
            cfg, "n_positions", None
        )

    def _verbalizers(self, table: str, labels: dict):
        try:
            return tokenize_verbalizers(self.lm.tokenizer, labels)
        except ProbeError as exc:  # name the file and the model: the same probe may suit another
            where = self.probe.path or f"probe {self.probe.name!r}"
            raise ProbeError(f"{where} {table} with {self.lm.info.path.name}: {exc}") from exc

    # -- prompts ---------------------------------------------------------------
    def render(self, text: str, template: str | None = None, **fields: str) -> Rendered:
        """One of the probe's templates (the prompt by default) around ``text``."""
        return render(
            template or self.probe.prompt,
            self.lm.tokenizer,
            self.probe.chat,
            text,
            labels=self.probe.labels_text,
            **fields,
        )

    def ids(self, text: str, template: str | None = None, **fields: str) -> list[int]:
        ids = encode(self.lm.tokenizer, self.render(text, template, **fields), self.probe.chat)[0]
        if self.max_positions and len(ids) + ANSWER_ROOM > self.max_positions:
            raise InputError(
                f"the prompt is {len(ids)} tokens; this model reads at most {self.max_positions}"
                f" ({self.max_positions - ANSWER_ROOM} for the prompt, {ANSWER_ROOM} kept for"
                " the answer)"
            )
        return ids

    def units(self, text: str, settings: Settings) -> list[Unit]:
        if settings.unit == "word":
            return word_units(text)
        if settings.unit == "span":
            return span_units(text, list(settings.spans)) if settings.spans else word_units(text)
        if settings.unit == "phrase":
            return phrase_units(text)
        if settings.unit == "sentence":
            return sentence_units(text)
        if settings.unit == "token":
            rendered = self.render(text)
            offsets = encode(self.lm.tokenizer, rendered, self.probe.chat)[1]
            return token_units(text, input_token_offsets(rendered, offsets))
        raise InputError(
            f"unknown unit kind {settings.unit!r} (word, phrase, sentence, token or span)"
        )

    def variant_ids(self, text: str, units: list[Unit], settings: Settings) -> list[list[int]]:
        filler = settings.filler_or_none
        return [self.ids(ablate(text, units, {i}, filler)) for i in range(len(units))]

    def plan(self, text: str, settings: Settings) -> dict:
        """What a sweep will cost, before running it."""
        units = self.units(text, settings)
        n = min(len(units), settings.max_units)
        base = len(self.ids(text)) if text.strip() else 0
        return {
            "units": len(units),
            "ablated": n,
            "prompt_tokens": base,
            "forward_tokens_upper": base * (n + 1),
        }

    # -- the analysis ----------------------------------------------------------
    def analyze(
        self,
        text: str,
        settings: Settings | None = None,
        task: TaskState | None = None,
        on_event: EventFn | None = None,
        gold: str | None = None,
        preview: bool = False,
    ) -> ExampleResult:
        settings = settings or Settings()
        task = ensure_task(task)
        emit = on_event or (lambda kind, result: None)
        if not text.strip():
            raise InputError("the input is empty")
        if len(text) > MAX_INPUT_CHARS:
            raise InputError(
                f"the input is {len(text):,} characters; the limit is {MAX_INPUT_CHARS:,}"
            )
        t0 = time.perf_counter()  # ``preview``: show a long word sweep coarse-to-fine first
        all_units = self.units(text, settings)
        units = all_units[: settings.max_units]
        result = ExampleResult(text, self.probe.label_names, [], units, gold=gold)
        if len(all_units) > len(units):
            result.notes.append(
                f"the input has {len(all_units)} units; only the first {len(units)} are ablated"
                " (raise 'max units' to measure all)"
            )

        result.precision = self._precision_check(text, settings)
        if "note" in result.precision:
            result.notes.append(result.precision["note"])
        prefix = self.sweeper.prefix(self.ids(text))
        result.probs = label_probs(self.sweeper.baseline(prefix)[None], self.verbs)[0].tolist()
        result.seconds["prediction"] = time.perf_counter() - t0
        emit("prediction", result)

        t1 = time.perf_counter()
        variants = self.variant_ids(text, units, settings)
        coarse_run = (preview or settings.coarse) and coarse.applies(units, settings, text)
        self._estimate(result, prefix, variants, task, coarse_run)
        emit("plan", result)
        result.unit_probs = [[0.0] * len(result.labels) for _ in units]
        sweep = self._streamed_sweep(prefix, variants, result, task, emit)
        if coarse_run:
            coarse.run(self, text, units, settings, prefix, result, variants, task, emit, sweep, t0)
        else:
            sweep(list(range(len(units))))
        if result.exact is not None and all(result.exact):
            result.exact = None
        result.seconds["sweep"] = time.perf_counter() - t1

        if settings.explain and self.probe.explanation_prompt:
            t2 = time.perf_counter()
            result.explanation = self.explain(text, result.label, units, settings, task)
            result.seconds["explanation"] = time.perf_counter() - t2
            emit("explanation", result)
        if settings.counterfactual:
            try:
                result.counterfactual = self.counterfactual(text, result, settings, task)
            except ProbeError as exc:  # the sweep and explanation stand on their own
                result.notes.append(f"counterfactual mode skipped: {exc}")
        result.metrics = self.metrics(text, result, settings, prefix)
        if settings.shapley_s > 0:
            t3 = time.perf_counter()
            self._shapley(text, result, settings, prefix, task)
            result.seconds["shapley"] = time.perf_counter() - t3
        result.seconds["total"] = time.perf_counter() - t0
        emit("done", result)
        return result

    def _precision_check(self, text: str, settings: Settings) -> dict:
        if self._precision is None:
            self._precision = precision.check(self, text, settings)
            line = precision.describe(self._precision)
            if line:
                self._precision["note"] = line
        return dict(self._precision)

    def _streamed_sweep(self, prefix, variants, result: ExampleResult, task, emit):
        """A function scoring some word variants exactly, streaming "units" per chunk.

        Units come in order on a plain sweep, so until it ends only the swept head is shown;
        in a coarse-to-fine run every unit already holds an estimate and chunks replace them.
        The time left is re-estimated after every chunk from the forwards timed so far.
        """
        n = len(variants)
        done = 0

        def sweep(indices: list[int]) -> None:
            nonlocal done
            if not indices:
                return
            probs = result.unit_probs
            plain = result.exact is None
            if plain:
                result.unit_probs = []

            def on_chunk(chunk, logprobs):
                nonlocal done
                rows = label_probs(logprobs, self.verbs).tolist()
                for j, row in zip(chunk, rows, strict=True):
                    probs[indices[j]] = row
                    if not plain:
                        result.exact[indices[j]] = True
                done += len(chunk)
                if plain:
                    result.unit_probs = probs[:done] if done < n else probs
                left = self.sweeper.remaining
                result.seconds["sweep_remaining"] = left
                tail = f" (≈{_duration(left)} left)" if left else ""
                task.progress(done, n, f"sweeping units{tail}")
                emit("units", result)

            self.sweeper.score(prefix, [variants[i] for i in indices], task, on_chunk)
            result.unit_probs = probs

        return sweep

    def _estimate(
        self, result: ExampleResult, prefix, variants, task: TaskState, coarse_run=False
    ) -> None:
        """Tokens and seconds the sweep will take, from this model's recent forwards."""
        tokens = self.sweeper.cost(prefix, variants)
        seconds = self.sweeper.estimate(prefix, variants) or 0.0
        if coarse_run:  # the sentence pass comes on top: about one variant per sentence
            extra = len(coarse.sentence_units(result.input))
            seconds *= 1 + extra / max(len(variants), 1)
        result.seconds["sweep_estimate"] = seconds
        n = len(variants)
        task.progress(0, n, f"sweeping {n} units (≈{_duration(seconds)})")
        if seconds > LONG_SWEEP_S:
            result.notes.append(
                f"this sweep runs {tokens:,} tokens for {n} units: about {_duration(seconds)}"
                " (Esc cancels; fewer units or a shorter input is faster)"
            )

    def explain(
        self, text: str, label: str, units: list[Unit], settings: Settings, task=None
    ) -> Explanation:
        max_new = settings.max_new_tokens or self.probe.max_new_tokens
        key = (text, label, max_new, settings.sample, settings.seed if settings.sample else None)
        if key not in self._explanations:
            ids = self.ids(text, self.probe.explanation_prompt, label=label)
            said, n = generate(
                self.lm.model,
                self.lm.tokenizer,
                ids,
                max_new,
                settings.sample,
                settings.seed,
                task=task,
            )
            self._explanations[key] = Explanation(said, [], n)
            while len(self._explanations) > 256:
                self._explanations.popitem(last=False)
        cached = self._explanations[key]
        why = citations(cached.text, units, settings.word_forms)
        return Explanation(cached.text, [c["unit"] for c in why], cached.n_tokens, why)

    def counterfactual(
        self, text: str, result: ExampleResult, settings: Settings, task=None
    ) -> list[dict]:
        """Ask, per unit, whether removing it would change the answer, and to which label.

        Yes/no and the labels are read by log-prob; the new label is asked only where
        the answer is yes (a "no" states the current label).
        """
        if not result.units:
            return []
        if self._cf_verbs is None:
            self._cf_verbs = self._verbalizers(
                "[counterfactual] yes/no",
                {"yes": self.probe.counterfactual_yes, "no": self.probe.counterfactual_no},
            )
        yes_no = self._ask_per_unit(
            self.probe.counterfactual_prompt,
            self._cf_verbs,
            text,
            result,
            range(len(result.units)),
            task,
        )
        p_yes = yes_no[:, 0].tolist()
        said = [i for i, p in enumerate(p_yes) if p > 0.5]
        stated = {}
        if said:
            labels = self._ask_per_unit(
                self.probe.counterfactual_label_prompt, self.verbs, text, result, said, task
            )
            stated = {
                i: result.labels[_argmax(row)] for i, row in zip(said, labels.tolist(), strict=True)
            }
        return [
            {
                "unit": i,
                "p_yes": p,
                "stated_flip": p > 0.5,
                "measured_flip": f,
                "stated_label": stated.get(i),
                "measured_label": result.labels[_argmax(result.unit_probs[i])],
            }
            for i, (p, f) in enumerate(zip(p_yes, result.flips, strict=True))
        ]

    def _ask_per_unit(self, prompt, verbs, text: str, result: ExampleResult, units, task):
        """[len(units), n_labels of ``verbs``] probabilities of one question asked per unit."""
        sweeper = Sweeper(self.lm.model, verbs, self.sweeper.max_tokens)
        seqs = [
            self.ids(text, prompt, unit=result.units[i].text, label=result.label) for i in units
        ]
        return label_probs(sweeper.score(sweeper.prefix(seqs[0]), seqs, task), verbs)

    def metrics(self, text: str, result: ExampleResult, settings: Settings, prefix) -> dict:
        """The per-example metrics of a finished result (core/example_metrics.py)."""
        return example_metrics(self, text, result, settings, prefix)

    def _shapley(self, text: str, result: ExampleResult, settings: Settings, prefix, task):
        """Sampled Shapley values of p(predicted label) over the units, within the time budget."""
        units = result.units
        if len(units) > SHAPLEY_MAX_UNITS or len(units) != len(self.units(text, settings)):
            result.notes.append(
                f"Shapley values skipped: the input has {len(units)} units; they are sampled"
                f" for inputs of at most {SHAPLEY_MAX_UNITS}"
            )
            return
        k, filler = result.predicted, settings.filler_or_none

        def value(coalitions):
            task.check()
            ids = [self.ids(keep_only(text, units, set(c), filler)) for c in coalitions]
            return label_probs(self.sweeper.score(prefix, ids), self.verbs)[:, k].tolist()

        result.shapley = {
            "value": f"p({result.label})",
            **sampled_shapley(len(units), value, settings.shapley_s, settings.seed),
        }


ANSWER_ROOM = 8  # positions kept free after the prompt for multi-token verbalizers


def _argmax(row) -> int:
    return max(range(len(row)), key=row.__getitem__)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 1 else "<1 s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def torch_threads(n: int | None) -> None:
    if n:
        torch.set_num_threads(n)
