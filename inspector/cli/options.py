"""The options several commands share, their value checks, and the Settings they make."""

from __future__ import annotations

import argparse
import sys

from ..core.results import DEFAULT_TAU, Settings


def positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return n


def _number_in(lo: float, hi: float, expected: str):
    """An argparse type: a number from ``lo`` to ``hi`` (NaN and words are refused alike)."""

    def parse(value: str) -> float:
        try:
            x = float(value)
        except ValueError:
            x = float("nan")
        if not lo <= x <= hi:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value!r}")
        return x

    return parse


fraction = _number_in(0.0, 1.0, "a number from 0 to 1")
seconds = _number_in(0.0, 3600.0, "seconds from 0 to 3600")


def settings_from_args(args) -> Settings:
    if args.seed != 0 and not args.sample:
        print("note: --seed matters only with --sample (explanations are greedy)", file=sys.stderr)

    return Settings(
        unit=args.unit,
        ablation="replace" if args.filler else "delete",
        filler=args.filler or "…",
        max_units=args.max_units,
        explain=not args.no_explain,
        counterfactual=args.counterfactual,
        word_forms=args.word_forms,
        coarse=args.coarse,
        dtype=args.dtype,
        sample=args.sample,
        seed=args.seed,
        tau=args.tau,
        top_k=args.top_k,
        shapley_s=args.shapley,
    )


def add_scale_options(p) -> None:
    """Ray workers and shards (README: Timelines beyond one machine)."""
    p.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        metavar="N",
        help="spread the work over N Ray workers (a local cluster unless --ray-address)",
    )
    p.add_argument(
        "--ray-address",
        default=None,
        metavar="ADDR",
        help="join this Ray cluster ('auto': the one running here)",
    )
    p.add_argument(
        "--shard",
        default=None,
        metavar="i/N",
        help="compute block i of N and write it to --json for inspector merge",
    )


def add_analysis_options(p) -> None:
    p.add_argument(
        "--units",
        "--unit",
        dest="unit",
        choices=["word", "phrase", "sentence", "token"],
        default="word",
        help="unit of ablation (default: word); phrase = clauses split at , ; : and and/but/or",
    )
    p.add_argument(
        "--filler", default=None, help="replace units with this text instead of deleting them"
    )
    p.add_argument(
        "--max-units",
        type=positive_int,
        default=256,
        help="ablate at most this many units (default 256)",
    )
    p.add_argument(
        "--coarse",
        action="store_true",
        help="long word sweeps: measure sentences, then the words of those that matter;"
        " the other words get an estimate, marked as such (exactness: estimated)",
    )
    p.add_argument("--no-explain", action="store_true", help="skip the stated explanation")
    p.add_argument(
        "--counterfactual",
        action="store_true",
        help="also ask the model, per unit, whether removing it changes its answer",
    )
    p.add_argument(
        "--word-forms",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="an explanation cites a unit also by an inflected form (refunds, refunded for"
        " refund); on by default",
    )
    p.add_argument(
        "--tau",
        type=fraction,
        default=DEFAULT_TAU,
        help="decisive threshold: an input whose largest Δ is below it is undecided (no Hit@1,"
        f" not in the conflict set; default {DEFAULT_TAU}, see docs/METRICS.md)",
    )
    p.add_argument(
        "--top-k",
        type=positive_int,
        default=3,
        help="how many top-Δ units the group ablation removes together (default 3)",
    )
    p.add_argument(
        "--shapley",
        type=seconds,
        default=0.0,
        metavar="SECONDS",
        help="also estimate sampled Shapley values for inputs of at most 20 units, spending"
        " about this long per input (default 0: off)",
    )
    p.add_argument(
        "--sample", action="store_true", help="sample explanations instead of greedy decoding"
    )
    p.add_argument("--seed", type=int, default=0, help="seed recorded with sampled explanations")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.add_argument(
        "--dtype",
        choices=["auto", "float32", "bfloat16", "float16"],
        default="auto",
        help="weights' dtype (auto: float32 on CPU, bfloat16 on a CUDA GPU); a lower one is"
        " checked against float32 on the first input and the agreement recorded",
    )
    p.add_argument(
        "--base",
        default=None,
        metavar="PATH",
        help="base model for LoRA adapter checkpoints (default: the one adapter_config.json names)",
    )


def add_revisions_option(p) -> None:
    p.add_argument(
        "--revisions",
        default=None,
        metavar="REGEX",
        help="only the checkpoints (hub-cache refs) whose name matches this regular expression,"
        " e.g. '^step\\d+000$'",
    )
