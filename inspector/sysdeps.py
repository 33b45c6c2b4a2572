"""The system libraries Qt's platform plugin needs, found before Qt is started.

A bare Debian/Ubuntu has Python but not the X11 client libraries that PySide6's xcb plugin
links against (libxcb-icccm4, libxcb-cursor0, …). Qt then aborts with "could not load the Qt
platform plugin xcb", naming none of them. So we ask the dynamic linker (``ldd`` on the plugin
and the libraries it pulls in) which ones are missing, without importing Qt, and name the one
command that installs them. ``make run`` runs ``python -m inspector.sysdeps --install``;
``inspector`` itself refuses to start with that message instead of letting Qt abort.

Stdlib only, no Qt import: it must work where Qt cannot load.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

# soname -> Debian/Ubuntu package (names identical on Debian 11-13 and Ubuntu 20.04-24.04)
PACKAGES = {
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}


def _qt_dir() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "Qt"


def _not_found(binary: Path) -> set[str]:
    try:
        out = subprocess.run(
            ["ldd", str(binary)], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {line.split()[0] for line in out.splitlines() if "not found" in line}


def missing_libraries(platform: str = "xcb") -> list[str]:
    """Sonames that Qt's ``platform`` plugin (and the Qt libraries it loads) cannot find."""
    qt = _qt_dir()
    if qt is None or not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return []
    plugin = qt / "plugins" / "platforms" / f"libq{platform}.so"
    if not plugin.exists():
        return []
    binaries = [plugin, *sorted((qt / "lib").glob("libQt6Gui.so*"))[:1]]
    if platform == "xcb":
        binaries += sorted((qt / "lib").glob("libQt6XcbQpa.so*"))[:1]
    missing: set[str] = set()
    for b in binaries:
        # Qt's own libraries resolve through the plugin's rpath; only system ones can be missing
        missing |= {m for m in _not_found(b) if not m.startswith("libQt6")}
    return sorted(missing)


def install_command(missing: list[str]) -> str:
    pkgs = sorted({PACKAGES.get(m, m) for m in missing})
    sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    return f"{sudo}apt-get install -y " + " ".join(pkgs)


def wanted_platform() -> str | None:
    """The Qt platform the app will use here, or None when no system library is involved."""
    name = os.environ.get("QT_QPA_PLATFORM", "")
    if name.startswith(("offscreen", "minimal", "vnc")):
        return None
    if name.startswith("wayland") or (not name and os.environ.get("WAYLAND_DISPLAY")):
        return None  # the wayland plugin has its own (rarely missing) needs
    return "xcb"


def problem() -> str | None:
    """A message naming the missing libraries and the command that installs them, else None."""
    platform = wanted_platform()
    if platform is None:
        return None
    missing = missing_libraries(platform)
    if not missing:
        return None
    return (
        f"Qt's {platform} display plugin needs system libraries this machine lacks: "
        f"{', '.join(missing)}.\nInstall them with:  {install_command(missing)}"
    )


def _install(missing: list[str]) -> bool:
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return False
    pkgs = sorted({PACKAGES[m] for m in missing if m in PACKAGES})
    if not pkgs:
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    ok = subprocess.run(["apt-get", "update", "-qq"], env=env, check=False).returncode == 0
    return (
        ok
        and subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *pkgs],
            env=env,
            check=False,
        ).returncode
        == 0
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m inspector.sysdeps [--install] [PLATFORM...]`` (default xcb).

    Exit 0 when Qt can start on every named platform, else 1 with the install command.
    """
    argv = sys.argv[1:] if argv is None else argv
    platforms = [a for a in argv if not a.startswith("-")] or ["xcb"]

    def missing() -> list[str]:
        return sorted({m for p in platforms for m in missing_libraries(p)})

    found = missing()
    if found and "--install" in argv:
        print(f"installing Qt's system libraries: {', '.join(found)}", file=sys.stderr)
        _install(found)
        found = missing()
    if not found:
        return 0
    print(
        f"inspector: error: Qt ({'/'.join(platforms)}) needs system libraries this machine "
        f"lacks: {', '.join(found)}\nInstall them with:  {install_command(found)}",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
