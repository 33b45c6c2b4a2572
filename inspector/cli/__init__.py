"""Headless commands (DESIGN.md §7). Same core calls as the GUI.

Exit codes: 0 ok, 2 bad usage or bad input, 3 a checkpoint that cannot be loaded.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import asdict
from pathlib import Path

from .. import __version__
from ..core.errors import InputError, InspectorError

log = logging.getLogger("inspector")


def _write_json(obj, dest: str) -> None:
    from ..core import safeio

    # NaN/Infinity are not JSON: they are written as null (the checkpoint is marked non-finite)
    text = safeio.dumps(obj, indent=2, ensure_ascii=False)
    if dest == "-":
        sys.stdout.write(text + "\n")
        return
    try:  # a temp file renamed over dest: a failure leaves the previous file whole
        safeio.atomic_write_text(Path(dest), text + "\n")
    except OSError as exc:
        raise InputError(f"{dest}: cannot write the JSON ({exc.strerror or exc})") from exc


def _check_argv_utf8(argv: list[str]) -> None:
    """Arguments arrive undecodable as lone surrogates; name the one and its byte offset."""
    for i, arg in enumerate(argv, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError as exc:
            raw = arg.encode("utf-8", "surrogateescape")
            offset = len(arg[: exc.start].encode("utf-8", "surrogateescape"))
            option = argv[i - 2] if i > 1 and argv[i - 2].startswith("-") else ""
            raise InputError(
                f"argument {i}{f' (the value of {option})' if option else ''}: not UTF-8 text"
                f" at byte {offset} (0x{raw[offset]:02x})"
            ) from None


def _read_stdin() -> str:
    from ..core.safeio import decode_utf8

    return decode_utf8(sys.stdin.buffer.read(), "<stdin>")


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return n


def _fraction(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        x = -1.0
    if not 0.0 <= x <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {value!r}")
    return x


def _seconds(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        x = -1.0
    if not 0.0 <= x <= 3600.0:
        raise argparse.ArgumentTypeError(f"expected seconds from 0 to 3600, got {value!r}")
    return x


def _settings(args):
    from ..core.results import Settings

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


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def print_example(d: dict, out=None) -> None:
    out = out or sys.stdout
    pred = d["prediction"]
    probs = "  ".join(f"{k} {v:.3f}" for k, v in pred["probs"].items())
    print(f"prediction: {pred['label']}   ({probs})", file=out)
    cited = set((d.get("explanation") or {}).get("cited", []))
    if d["units"]:
        print(f"{'unit':<20} {'Δ':>7} {'flips':>5}  cited", file=out)
        for i, u in enumerate(d["units"]):
            bar = "█" * round(u["delta"] * 20)
            mark = "◆" if i in cited else ""
            flip = "yes" if u["flips"] else ""
            est = "~" if u.get("exact") is False else " "  # a coarse estimate, not measured
            print(
                f"{u['text'][:20]:<20}{est}{u['delta']:>7.3f} {flip:>5}  {mark:<2}{bar}", file=out
            )
        if d.get("exactness") == "estimated":
            n = sum(u.get("exact") is False for u in d["units"])
            print(f"~ {n} of {len(d['units'])} shifts are estimates (sentence Δ / words)", file=out)
    if d.get("explanation"):
        print(f"explanation: {d['explanation']['text']!r}", file=out)
    _print_counterfactual(d, out)
    m = d.get("metrics", {})
    from ..core.analysis import (
        CHANCE_METRICS,
        COUNTERFACTUAL_METRICS,
        EXPLANATION_METRICS,
        GROUP_METRICS,
    )

    # explanation_words sits beside the cited metrics: long explanations cite more by chance
    keys = (*EXPLANATION_METRICS, *COUNTERFACTUAL_METRICS)
    print("metrics: " + "  ".join(f"{k} {_fmt(m[k])}" for k in keys if k in m), file=out)
    extra = "  ".join(f"{k} {_fmt(m[k])}" for k in (*CHANCE_METRICS, *GROUP_METRICS) if k in m)
    if extra:
        print(f"beside them: {extra}", file=out)
    if m.get("decided") is False:
        print(
            f"undecided: the largest Δ is below τ = {m.get('tau')}; no unit decides the answer",
            file=out,
        )
    _print_shapley(d, out)
    for note in d.get("notes", []):
        print(f"note: {note}", file=out)


def _print_shapley(d: dict, out) -> None:
    sh = d.get("shapley")
    if not sh:
        return
    print(
        f"sampled Shapley values of {sh['value']} ({sh['permutations']} orders,"
        f" {sh['seconds']:.1f} s, seed {sh['seed']}):",
        file=out,
    )
    for u, v, se in zip(d["units"], sh["values"], sh["se"], strict=False):
        err = "" if se is None else f" ± {se:.3f}"
        print(f"  {u['text'][:20]:<20} {v:+.3f}{err}", file=out)


def _print_counterfactual(d: dict, out) -> None:
    rows = d.get("counterfactual") or []
    if rows:
        print(f"{'counterfactual':<20} {'p(yes)':>6}  stated / measured flip, label", file=out)
    for c in rows:
        said = f"yes → {c.get('stated_label')}" if c["stated_flip"] else "no"
        measured = f"yes → {c.get('measured_label')}" if c["measured_flip"] else "no"
        unit = d["units"][c["unit"]]["text"] if c["unit"] < len(d["units"]) else "?"
        print(f"{unit[:20]:<20} {c['p_yes']:>6.2f}  {said} / {measured}", file=out)


def cmd_analyze(args) -> int:
    from ..core.analysis import Analyzer
    from ..core.loading import load_checkpoint
    from ..core.probe import load_probe

    probe = load_probe(args.probe)
    text = args.input
    if text is None:
        text = _read_stdin()
    from ..core.adapters import use_cli_base

    use_cli_base(args.model, args.base)
    lm = load_checkpoint(args.model, device=args.device, dtype=args.dtype)
    for notice in lm.notices:
        print(f"note: {notice}", file=sys.stderr)
    settings = _settings(args)
    result = Analyzer(lm, probe).analyze(text, settings)
    d = result.to_dict(model=str(args.model), probe=probe.name)
    d["settings"] = asdict(settings)  # ablation and generation choices, seed included
    d["digests"] = _analyze_digests(lm.info, probe)
    if args.json:
        _write_json(d, args.json)
    else:
        print_example(d)
    return 0


def _analyze_digests(info, probe) -> dict:
    """Full SHA-256 of the weights (and an adapter's base) and of the probe (digests.py)."""
    from ..core.digests import text_or_file_sha256, weights_sha256

    model = {"path": str(info.path), "sha256": weights_sha256(info)}
    if info.base is not None:
        model["base"] = {"path": str(info.base.path), "sha256": weights_sha256(info.base)}
    return {
        "model": model,
        "probe": {"path": probe.path, "sha256": text_or_file_sha256(probe.path, probe.source)},
    }


def cmd_demo(args) -> int:
    from ..demo.series import build_demo
    from ..demo.story import story_report

    folder = build_demo(args.out, rebuild=args.rebuild, progress=_stderr_progress)
    print(folder)
    holds, report = story_report(folder)
    print(report, file=sys.stderr)
    return 0 if holds else 1  # a demo that tells no story is not a silent success


def cmd_timeline(args) -> int:
    from .timeline import run_cli_timeline

    if args.watch:
        if args.series:
            raise InputError("give --series or --watch, not both")
        from .watch import run_cli_watch

        return run_cli_watch(args, _settings(args), _stderr_progress, _write_json)
    if not args.series:
        raise InputError("timeline needs --series DIR (or --watch DIR for a run still training)")

    return run_cli_timeline(args, _settings(args), _stderr_progress, _write_json)


def cmd_merge(args) -> int:
    from .timeline import run_cli_merge

    return run_cli_merge(args, _stderr_progress, _write_json)


def cmd_report(args) -> int:
    from .report import run_cli_report

    if args.from_:
        defaults = vars(parser().parse_args(["report", "--out", args.out]))
        extra = [
            "--" + k.replace("_", "-")
            for k, v in vars(args).items()
            if k not in ("from_", "out", "func", "verbose", "command") and v != defaults.get(k)
        ]
        if extra:
            raise InputError(
                f"report --from writes the report as it was run; {', '.join(extra)} cannot"
                " change it (run the report again without --from)"
            )
    return run_cli_report(args, _settings(args) if not args.from_ else None, _stderr_progress)


def cmd_gui(args) -> int:
    from ..app import main as gui_main

    if getattr(args, "base", None) and getattr(args, "path", None):
        from ..core.adapters import use_cli_base

        use_cli_base(args.path, args.base)  # adapters under PATH apply to this base

    return gui_main([args.path] if getattr(args, "path", None) else [])


def _stderr_progress(done: int, total: int, message: str = "") -> None:
    if sys.stderr.isatty():
        print(f"\r{message} {done}/{total}   ", end="" if done < total else "\n", file=sys.stderr)


def _add_scale_options(p) -> None:
    """Ray workers and shards (README: Timelines beyond one machine)."""
    p.add_argument(
        "--workers",
        type=_positive_int,
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


def _add_analysis_options(p) -> None:
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
        type=_positive_int,
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
    from ..core.results import DEFAULT_TAU

    p.add_argument(
        "--tau",
        type=_fraction,
        default=DEFAULT_TAU,
        help="decisive threshold: an input whose largest Δ is below it is undecided (no Hit@1,"
        f" not in the conflict set; default {DEFAULT_TAU}, see docs/METRICS.md)",
    )
    p.add_argument(
        "--top-k",
        type=_positive_int,
        default=3,
        help="how many top-Δ units the group ablation removes together (default 3)",
    )
    p.add_argument(
        "--shapley",
        type=_seconds,
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


def _add_revisions_option(p) -> None:
    p.add_argument(
        "--revisions",
        default=None,
        metavar="REGEX",
        help="only the checkpoints (hub-cache refs) whose name matches this regular expression,"
        " e.g. '^step\\d+000$'",
    )


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="inspector", description=__doc__.splitlines()[0])
    ap.add_argument("--version", action="version", version=f"inspector {__version__}")
    ap.add_argument("-v", "--verbose", action="store_true")
    sub = ap.add_subparsers(dest="command")

    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument("path", nargs="?", help="a checkpoint or series folder")
    p.add_argument("--base", default=None, metavar="PATH", help="base model for LoRA adapters")
    p.set_defaults(func=cmd_gui)

    p = sub.add_parser("demo", help="build the demo series (idempotent) and print its folder")
    p.add_argument("--out", default=None, help="where to build it (default: the user data dir)")
    p.add_argument("--rebuild", action="store_true", help="build again even if it exists")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("analyze", help="one checkpoint, one input")
    p.add_argument("--model", required=True, help="checkpoint folder or .gguf file")
    p.add_argument("--probe", required=True, help="probe TOML file")
    p.add_argument("--input", default=None, help="the input text (default: read stdin)")
    p.add_argument("--json", default=None, metavar="OUT", help="write JSON here ('-' for stdout)")
    _add_analysis_options(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("timeline", help="metrics for every checkpoint of a series")
    p.add_argument("--series", default=None)
    p.add_argument(
        "--watch",
        default=None,
        metavar="DIR",
        help="follow a training output folder: analyse each checkpoint once saved (Ctrl-C stops)",
    )
    p.add_argument(
        "--watch-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop watching once no new checkpoint has appeared for this long (for scripts)",
    )
    p.add_argument(
        "--poll", type=float, default=5.0, metavar="SECONDS", help="--watch: look this often"
    )
    p.add_argument("--probe", required=True)
    p.add_argument(
        "--inputs", required=True, help="text (one input per line) or JSONL with text/label"
    )
    p.add_argument(
        "--reference", default=None, help="reference checkpoint name (default: the first)"
    )
    p.add_argument("--json", default=None, metavar="OUT")
    p.add_argument(
        "--no-cache", action="store_true", help="recompute instead of reusing cached results"
    )
    _add_revisions_option(p)
    _add_analysis_options(p)
    _add_scale_options(p)
    p.set_defaults(func=cmd_timeline)

    p = sub.add_parser("merge", help="combine the parts of timeline --shard runs into a timeline")
    p.add_argument("parts", nargs="+", metavar="PART", help="the parts' JSON files")
    p.add_argument("--json", default=None, metavar="OUT", help="write the timeline JSON here")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("report", help="write a comparison report (.html, .json or .csv)")
    p.add_argument("--series", default=None)
    p.add_argument("--probe", default=None)
    p.add_argument("--inputs", default=None)
    p.add_argument("--reference", default=None)
    p.add_argument(
        "--from",
        dest="from_",
        default=None,
        metavar="REPORT.json",
        help="re-create a report from its JSON",
    )
    p.add_argument("--out", required=True)
    p.add_argument("--no-cache", action="store_true")
    _add_revisions_option(p)
    _add_analysis_options(p)
    p.set_defaults(func=cmd_report)
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = parser()
    try:
        _check_argv_utf8(sys.argv[1:] if argv is None else argv)
    except InputError as exc:
        print(f"inspector: error: {exc}", file=sys.stderr)
        return exc.exit_code
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
    if args.command is None:
        return cmd_gui(args)
    try:
        return args.func(args)
    except InspectorError as exc:
        print(f"inspector: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("inspector: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `inspector … | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # an output path that cannot be written (a folder, a missing parent)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"inspector: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
