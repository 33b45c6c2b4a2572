"""``inspector analyze``: one checkpoint, one input."""

from __future__ import annotations

import sys
from dataclasses import asdict

from ..core.adapters import use_cli_base
from ..core.analysis import Analyzer
from ..core.digests import text_or_file_sha256, weights_sha256
from ..core.loading import load_checkpoint
from ..core.probe import load_probe
from .options import settings_from_args
from .printing import print_example
from .terminal import read_stdin, write_json


def run_cli_analyze(args) -> int:
    probe = load_probe(args.probe)
    text = args.input
    if text is None:
        text = read_stdin()
    use_cli_base(args.model, args.base)
    lm = load_checkpoint(args.model, device=args.device, dtype=args.dtype)
    for notice in lm.notices:
        print(f"note: {notice}", file=sys.stderr)
    settings = settings_from_args(args)
    result = Analyzer(lm, probe).analyze(text, settings)
    d = result.to_dict(model=str(args.model), probe=probe.name)
    d["settings"] = asdict(settings)  # ablation and generation choices, seed included
    d["digests"] = _analyze_digests(lm.info, probe)
    if args.json:
        write_json(d, args.json)
    else:
        print_example(d)
    return 0


def _analyze_digests(info, probe) -> dict:
    """Full SHA-256 of the weights (and an adapter's base) and of the probe (digests.py)."""
    model = {"path": str(info.path), "sha256": weights_sha256(info)}
    if info.base is not None:
        model["base"] = {"path": str(info.base.path), "sha256": weights_sha256(info.base)}
    return {
        "model": model,
        "probe": {"path": probe.path, "sha256": text_or_file_sha256(probe.path, probe.source)},
    }
