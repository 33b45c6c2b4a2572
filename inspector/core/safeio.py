"""Reading untrusted files and writing outputs without surprises (issue 18).

Every file Inspector reads on the user's behalf goes through ``read_bytes_capped`` (a regular
file, under a size cap, never a FIFO or a device that would block or never end) and
``decode_utf8`` (invalid bytes named by line and byte offset). Every JSON it writes goes
through ``dumps`` (NaN/Infinity become null, so the output is JSON) and every output file
through ``atomic_write_text`` (a failure leaves the previous file whole).
"""

from __future__ import annotations

import json
import math
import os
import stat
import tempfile
from pathlib import Path

from .errors import InputError

MiB = 1 << 20
# Caps on files read whole. Generous for real use; a file past them is a mistake or an attack.
PROBE_MAX_BYTES = 1 * MiB
INPUTS_MAX_BYTES = 64 * MiB
CONFIG_MAX_BYTES = 4 * MiB
TOKENIZER_MAX_BYTES = 512 * MiB
TEMPLATE_MAX_CHARS = 256 * 1024
STATE_MAX_BYTES = 16 * MiB  # session.json, preferences.json, report JSON


def check_regular(path: Path, what: str, error=InputError) -> os.stat_result:
    """``path``'s stat when it is a regular file; FIFOs, sockets and devices are refused.

    Opening a FIFO blocks until a writer comes; a device such as /dev/zero never ends.
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror or exc})") from exc
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise error(f"{path}: {what} is {kind} (a pipe, device or socket is never read)")
    return st


def read_bytes_capped(path, what: str, cap: int, error=InputError) -> bytes:
    path = Path(path)
    st = check_regular(path, what, error)
    if st.st_size > cap:
        raise error(
            f"{path}: {what} is {st.st_size / MiB:.1f} MiB, over the {cap / MiB:.0f} MiB cap"
            f" for {what}s"
        )
    try:
        with path.open("rb") as fh:
            raw = fh.read(cap + 1)  # a file growing while read still stops at the cap
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror or exc})") from exc
    if len(raw) > cap:
        raise error(f"{path}: {what} is over the {cap / MiB:.0f} MiB cap for {what}s")
    return raw


def utf8_error_place(raw: bytes, exc: UnicodeDecodeError) -> str:
    line = raw.count(b"\n", 0, exc.start) + 1
    return f"not UTF-8 text at line {line}, byte {exc.start} (0x{raw[exc.start]:02x})"


def decode_utf8(raw: bytes, where: str, error=InputError, sig: bool = False) -> str:
    """``raw`` as text; invalid bytes → one line naming ``where``, the line and byte offset."""
    try:
        return raw.decode("utf-8-sig" if sig else "utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{where}: {utf8_error_place(raw, exc)}; re-save it as UTF-8") from exc


def read_text_capped(path, what: str, cap: int, error=InputError, sig: bool = False) -> str:
    return decode_utf8(read_bytes_capped(path, what, cap, error), str(path), error, sig)


def json_safe(obj):
    """``obj`` with every non-finite float replaced by None (JSON has no NaN or Infinity)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    return obj


def has_non_finite(obj) -> bool:
    if isinstance(obj, float):
        return not math.isfinite(obj)
    if isinstance(obj, dict):
        return any(has_non_finite(v) for v in obj.values())
    if isinstance(obj, list | tuple):
        return any(has_non_finite(v) for v in obj)
    return False


def dumps(obj, **kw) -> str:
    """JSON text that every parser accepts: non-finite numbers are written as null."""
    return json.dumps(json_safe(obj), allow_nan=False, **kw)


def move_aside(path: Path, why: str = "corrupt") -> Path:
    """Rename a bad state file to ``NAME.corrupt-<unix time>`` beside it; returns where it went.

    The user's file is kept for them to look at, and the next start does not trip on it again.
    """
    import time

    bad = path.with_name(f"{path.name}.{why}-{int(time.time())}")
    n = 1
    while bad.exists():
        bad = path.with_name(f"{path.name}.{why}-{int(time.time())}-{n}")
        n += 1
    try:
        path.replace(bad)
    except OSError:
        return path  # cannot rename (read-only folder): it stays, and is not read again this run
    return bad


def read_state_json(path: Path):
    """An app state file (session, preferences) parsed; raises ValueError on any damage."""
    try:
        raw = read_bytes_capped(path, path.name, STATE_MAX_BYTES, ValueError)
        text = decode_utf8(raw, str(path), ValueError)
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except ValueError as exc:
        raise ValueError(str(exc).removeprefix(f"{path}: ")) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path, text: str) -> None:
    """Write ``text`` to a temp file beside ``path``, then rename it over ``path``.

    A failure at any point (disk full, killed, an encoding error) leaves the previous file whole.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
