"""A generated corpus of hostile and odd files (issue 18), built in a test's tmp_path.

Each case is a function ``case(root, good) -> Case``: it writes its files under ``root``
(``good`` is a healthy tiny checkpoint to copy and damage) and says how the CLI is run on
them and what the user must get: the exit code and a fragment of the one-line error.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

WORDS = "review : answer good bad the food was great awful".split()
PROBE = (
    'name = "tiny"\nprompt = "review : {input} . answer :"\n'
    '[labels]\npositive = ["good"]\nnegative = ["bad"]\n'
)
CHAT_PROBE = PROBE.replace("[labels]", "chat = true\n[labels]")
INPUTS = '{"text": "the food was great"}\n{"text": "awful"}\n'
REPORT_MIN = Path(__file__).parent / "report_min.json"  # a small valid report to damage
LOOPING_TEMPLATE = (
    "{% for a in range(100000) %}{% for b in range(100000) %}{{ a }}{% endfor %}{% endfor %}"
)


@dataclass
class Case:
    argv: list[str]
    code: int
    fragment: str  # in the one error line
    out: str | None = None  # an output file that holds a previous result and must stay whole


def build_good(folder: Path) -> Path:
    from inspector.demo import tiny

    tok = tiny.word_tokenizer(WORDS, chat=True)
    model = tiny.build_model(tiny.llama_config(len(tok), hidden=32, layers=1), tok)
    return tiny.save_checkpoint(model, tok, folder)


def _probe(root: Path, text: str = PROBE, name: str = "probe.toml") -> Path:
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path


def _analyze(root: Path, model: Path, probe: Path | None = None, text="the food was great"):
    out = root / "previous.json"
    out.write_text('{"previous": true}\n')
    argv = ["analyze", "--model", str(model), "--probe", str(probe or _probe(root))]
    return [*argv, "--input", text, "--no-explain", "--json", str(out)], str(out)


def _copy(root: Path, good: Path, name: str = "ckpt") -> Path:
    return Path(shutil.copytree(good, root / name))


def _rewrite_header(path: Path, header: bytes, length: int | None = None) -> None:
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    body = raw[8 + n :]
    path.write_bytes(struct.pack("<Q", len(header) if length is None else length) + header + body)


def _checkpoint_case(fragment: str, code: int = 3):
    def wrap(damage):
        def case(root: Path, good: Path) -> Case:
            ckpt = _copy(root, good)
            damage(ckpt)
            argv, out = _analyze(root, ckpt)
            return Case(argv, code, fragment, out)

        case.__name__ = damage.__name__
        case.damage = damage  # the damage alone, for a checkpoint inside a series
        return case

    return wrap


# -- checkpoint shapes ----------------------------------------------------------------
@_checkpoint_case("corrupt safetensors header (not a JSON object)")
def header_not_an_object(ckpt):
    _rewrite_header(ckpt / "model.safetensors", b"[1,2,3]")


@_checkpoint_case("bad header length")
def header_huge_length(ckpt):
    path = ckpt / "model.safetensors"
    raw = path.read_bytes()
    path.write_bytes(struct.pack("<Q", 2**63) + raw[8:])


@_checkpoint_case("shape or data_offsets is not a list of whole numbers")
def header_wrong_types(ckpt):
    path = ckpt / "model.safetensors"
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    key = next(k for k in header if k != "__metadata__")
    header[key]["shape"] = ["32", None]
    _rewrite_header(path, json.dumps(header).encode())


@_checkpoint_case("field hidden_size: expected a whole number")
def config_wrong_type(ckpt):
    cfg = json.loads((ckpt / "config.json").read_text())
    cfg["hidden_size"] = "thirty-two"
    (ckpt / "config.json").write_text(json.dumps(cfg))


@_checkpoint_case("config.json: Validation error for field 'rms_norm_eps'")
def config_field_transformers_refuses(ckpt):
    cfg = json.loads((ckpt / "config.json").read_text())
    cfg["rms_norm_eps"] = "tiny"  # checked by transformers, named as the config's field
    (ckpt / "config.json").write_text(json.dumps(cfg))


@_checkpoint_case("more than this machine's")
def config_promises_a_huge_model(ckpt):
    cfg = json.loads((ckpt / "config.json").read_text())
    cfg["vocab_size"] = 10**12  # a terabyte of embeddings: refused before any allocation
    (ckpt / "config.json").write_text(json.dumps(cfg))


@_checkpoint_case("weights file is not a regular file")
def weights_are_a_fifo(ckpt):
    (ckpt / "model.safetensors").unlink()
    os.mkfifo(ckpt / "model.safetensors")  # opening it would block forever


@_checkpoint_case("tokenizer file is not a regular file")
def tokenizer_is_a_fifo(ckpt):
    (ckpt / "tokenizer.json").unlink()
    os.mkfifo(ckpt / "tokenizer.json")


def _scale_tensor(ckpt: Path, pick, value) -> None:
    from safetensors.torch import load_file, save_file

    tensors = load_file(ckpt / "model.safetensors")
    name = next(k for k in tensors if pick(k))
    tensors[name].fill_(value)
    save_file(tensors, ckpt / "model.safetensors", metadata={"format": "pt"})


# -- non-finite numbers -----------------------------------------------------------------
@_checkpoint_case("non-finite weights (NaN/Inf in model.layers.0.input_layernorm.weight)")
def nan_weights(ckpt):
    _scale_tensor(ckpt, lambda k: k.endswith("input_layernorm.weight"), float("nan"))


@_checkpoint_case("logits are not finite")
def overflowing_logits(ckpt):
    # finite weights whose product overflows float32: the logits are Inf, the softmax NaN
    _scale_tensor(ckpt, lambda k: k == "model.norm.weight", 3e38)


# -- templates ------------------------------------------------------------------------------
def looping_chat_template(root: Path, good: Path) -> Case:
    ckpt = _copy(root, good)
    (ckpt / "chat_template.jinja").write_text(LOOPING_TEMPLATE)
    argv, out = _analyze(root, ckpt, _probe(root, CHAT_PROBE))
    return Case(argv, 3, "chat template did not finish", out)


# -- resources --------------------------------------------------------------------------------
def many_verbalizers(root: Path, good: Path) -> Case:
    verbs = ", ".join(f'"good{i}"' for i in range(500))
    probe = _probe(root, PROBE.replace('positive = ["good"]', f"positive = [{verbs}]"))
    argv, out = _analyze(root, good, probe)
    return Case(argv, 2, "500 verbalizers, over the cap of 32 per label", out)


def huge_probe_file(root: Path, good: Path) -> Case:
    probe = _probe(root, PROBE + "#" * (2 << 20) + "\n")
    argv, out = _analyze(root, good, probe)
    return Case(argv, 2, "over the 1 MiB cap", out)


def probe_is_a_fifo(root: Path, good: Path) -> Case:
    os.mkfifo(root / "probe.toml")
    argv, out = _analyze(root, good, root / "probe.toml")
    return Case(argv, 2, "probe file is not a regular file", out)


# -- text encodings ---------------------------------------------------------------------------
def _timeline(root: Path, good: Path, inputs: Path) -> tuple[list[str], str]:
    series = root / "series"
    series.mkdir(exist_ok=True)
    if not (series / "checkpoint-1").exists():
        shutil.copytree(good, series / "checkpoint-1")
    out = root / "previous.json"
    out.write_text('{"previous": true}\n')
    argv = ["timeline", "--series", str(series), "--probe", str(_probe(root))]
    return [*argv, "--inputs", str(inputs), "--no-explain", "--json", str(out)], str(out)


def inputs_invalid_utf8(root: Path, good: Path) -> Case:
    inputs = root / "inputs.jsonl"
    inputs.write_bytes(b'{"text": "the food"}\n{"text": "was \xff great"}\n')
    argv, out = _timeline(root, good, inputs)
    return Case(argv, 2, "inputs.jsonl: not UTF-8 text at line 2, byte 35 (0xff)", out)


def argv_invalid_utf8(root: Path, good: Path) -> Case:
    argv, out = _analyze(root, good, text="the \udcff food")  # bytes b"the \xff food"
    return Case(argv, 2, "(the value of --input): not UTF-8 text at byte 4 (0xff)", out)


# -- report data ---------------------------------------------------------------------------------
def _report_from(root: Path, mutate, fragment: str) -> Case:
    data = json.loads(REPORT_MIN.read_text())
    mutate(data)
    src = root / "report.json"
    src.write_text(json.dumps(data))
    out = root / "previous.html"
    out.write_text("<p>previous</p>\n")
    return Case(["report", "--from", str(src), "--out", str(out)], 2, fragment, str(out))


def report_wrong_structure(root: Path, good: Path) -> Case:
    return _report_from(
        root,
        lambda d: d["timeline"].update(checkpoints={"a": 1}),
        "$.timeline.checkpoints: expected array",
    )


def report_missing_field(root: Path, good: Path) -> Case:
    def drop(d):
        del d["timeline"]["checkpoints"][0]["examples"][0]["prediction"]

    return _report_from(root, drop, "$.timeline.checkpoints[0].examples[0]: missing 'prediction'")


def report_newer_version(root: Path, good: Path) -> Case:
    return _report_from(
        root, lambda d: d.update(format_version=99), "field format_version is 99, newer than"
    )


def report_label_not_in_probs(root: Path, good: Path) -> Case:
    def relabel(d):
        d["timeline"]["checkpoints"][0]["examples"][0]["prediction"]["label"] = "neutral"

    return _report_from(root, relabel, "prediction.label: 'neutral' is not a key of")


CASES = [
    header_not_an_object,
    header_huge_length,
    header_wrong_types,
    config_wrong_type,
    config_field_transformers_refuses,
    config_promises_a_huge_model,
    weights_are_a_fifo,
    tokenizer_is_a_fifo,
    nan_weights,
    overflowing_logits,
    looping_chat_template,
    many_verbalizers,
    huge_probe_file,
    probe_is_a_fifo,
    inputs_invalid_utf8,
    argv_invalid_utf8,
    report_wrong_structure,
    report_missing_field,
    report_newer_version,
    report_label_not_in_probs,
]


def odd_series(root: Path, good: Path) -> Path:
    """A series folder holding everything a walk can trip on, and one good checkpoint."""
    series = root / "odd"
    shutil.copytree(good, series / "checkpoint-1")
    (series / "runs").mkdir()
    os.symlink("..", series / "runs" / "loop")  # a symlink loop back to the root
    os.symlink("self", series / "self")  # a symlink to itself
    os.symlink("/dev/zero", series / "zero.gguf")  # a device that never ends
    os.mkfifo(series / "model.gguf")  # a pipe that blocks whoever opens it
    os.mkfifo(series / "notes.txt")
    half = series / "checkpoint-2"
    half.mkdir()
    shutil.copy(good / "config.json", half / "config.json")
    os.mkfifo(half / "model.safetensors")
    locked = series / "locked"
    locked.mkdir()
    locked.chmod(0)
    deep = series
    for i in range(40):
        deep = deep / f"d{i}"
    deep.mkdir(parents=True)
    return series
