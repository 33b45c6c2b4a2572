"""Smoke-test a built bundle: `inspector --version` and `inspector analyze` on a tiny checkpoint.

Usage: python packaging/smoke.py [dist/inspector/inspector]
The checkpoint (a random tiny Llama with a word-level tokenizer) is built with this interpreter,
so the bundle is checked on a real safetensors folder it has never seen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspector import __version__  # noqa: E402
from inspector.demo import tiny  # noqa: E402

WORDS = "review : . answer good bad you said because the food was great awful".split()


def build_checkpoint(folder: Path) -> Path:
    tok = tiny.word_tokenizer(WORDS)
    model = tiny.build_model(tiny.llama_config(len(tok)), tok, seed=0)
    return tiny.save_checkpoint(model, tok, folder)


def run(cmd: list[str], env: dict) -> subprocess.CompletedProcess:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    print(f"$ {' '.join(cmd)}  ({time.perf_counter() - start:.1f} s, exit {proc.returncode})")
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"smoke test failed: {cmd[1]} exited {proc.returncode}")
    return proc


def main(argv: list[str]) -> int:
    exe = Path(argv[0] if argv else ROOT / "dist" / "inspector" / "inspector").resolve()
    if not exe.exists():
        raise SystemExit(f"{exe}: no bundle here; run `make package` first")
    with tempfile.TemporaryDirectory(prefix="inspector-smoke-") as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "QT_QPA_PLATFORM": "offscreen"}
        for kind in ("config", "cache", "data", "log"):
            env[f"INSPECTOR_{kind.upper()}_DIR"] = str(tmp / kind)
        version = run([str(exe), "--version"], env).stdout.strip()
        if version != f"inspector {__version__}":
            raise SystemExit(
                f"smoke test failed: bundle says {version!r}, source says {__version__}"
            )
        ckpt = build_checkpoint(tmp / "ckpt")
        (tmp / "probe.toml").write_text(tiny.SENTIMENT_PROBE, encoding="utf-8")
        out = run(
            [
                str(exe),
                "analyze",
                "--model",
                str(ckpt),
                "--probe",
                str(tmp / "probe.toml"),
                "--input",
                "the food was great",
                "--json",
                "-",
            ],
            env,
        ).stdout
        result = json.loads(out)
        units = [u["text"] for u in result["units"]]
        if units != ["the", "food", "was", "great"] or result["prediction"]["label"] not in (
            "positive",
            "negative",
        ):
            raise SystemExit(f"smoke test failed: unexpected analysis {out[:300]}")
        print(
            f"ok: {version}; analyze predicted {result['prediction']['label']!r} over units {units}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
