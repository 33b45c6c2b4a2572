"""`inspector gui` opens a real window on a real X server (Xvfb), not only offscreen.

Skipped where Xvfb is not installed. Where it is, Qt's xcb plugin must find its system
libraries (`make test` installs them through inspector.sysdeps), and the window must map.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from inspector import sysdeps

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb not installed")


@pytest.fixture
def xserver():
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as f:
        display = f.readline().strip()
    yield f":{display}"
    proc.terminate()
    proc.wait(10)


def _window_titles(display: str) -> str:
    if shutil.which("xwininfo") is None:
        return ""
    out = subprocess.run(
        ["xwininfo", "-root", "-tree"],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=20,
    )
    return out.stdout


def test_the_window_maps_under_xvfb(xserver, keyword_model, sentiment_probe, tmp_path):
    assert sysdeps.missing_libraries("xcb") == [], "run `make test`: it installs them"
    env = {
        **os.environ,
        "DISPLAY": xserver,
        "QT_QPA_PLATFORM": "xcb",
        "HF_HUB_OFFLINE": "1",
    }
    app = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from inspector.app import main; sys.exit(main())",
            str(keyword_model),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and app.poll() is None:
            seen = _window_titles(xserver)
            if '"Inspector' in seen or (not seen and time.monotonic() > deadline - 100):
                break
            time.sleep(1)
        assert app.poll() is None, f"the app exited: {app.communicate()[1][-2000:]}"
        if shutil.which("xwininfo"):
            assert '"Inspector' in seen, "no Inspector window on the X server"
    finally:
        app.kill()
        app.communicate()
