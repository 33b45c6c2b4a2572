"""What every command reads from and writes to the terminal: argv, stdin, JSON, progress."""

from __future__ import annotations

import sys
from pathlib import Path

from ..core import safeio
from ..core.errors import InputError


def write_json(obj, dest: str) -> None:
    # NaN/Infinity are not JSON: they are written as null (the checkpoint is marked non-finite)
    text = safeio.dumps(obj, indent=2, ensure_ascii=False)
    if dest == "-":
        sys.stdout.write(text + "\n")
        return
    try:  # a temp file renamed over dest: a failure leaves the previous file whole
        safeio.atomic_write_text(Path(dest), text + "\n")
    except OSError as exc:
        raise InputError(f"{dest}: cannot write the JSON ({exc.strerror or exc})") from exc


def check_argv_utf8(argv: list[str]) -> None:
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


def read_stdin() -> str:
    return safeio.decode_utf8(sys.stdin.buffer.read(), "<stdin>")


def stderr_progress(done: int, total: int, message: str = "") -> None:
    if sys.stderr.isatty():
        print(f"\r{message} {done}/{total}   ", end="" if done < total else "\n", file=sys.stderr)


def table_out(json_dest: str | None):
    """Tables go to stdout, or to stderr when the JSON takes stdout (``--json -``)."""
    return sys.stderr if json_dest == "-" else sys.stdout
