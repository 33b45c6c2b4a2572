"""Packaging: one version everywhere, valid desktop metadata, the icon set, the spec, logging."""

from __future__ import annotations

import ast
import configparser
import importlib.metadata
import logging
import logging.handlers
import re
import shutil
import struct
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import inspector
from inspector.core import paths
from inspector.core.logs import BACKUPS, MAX_BYTES, setup_logging

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "packaging"
APP_ID = "io.github.inspector.Inspector"
DESKTOP = PKG / f"{APP_ID}.desktop"
METAINFO = PKG / f"{APP_ID}.metainfo.xml"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _desktop() -> configparser.SectionProxy:
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str  # desktop keys are case-sensitive
    cp.read(DESKTOP, encoding="utf-8")
    return cp["Desktop Entry"]


def test_version_is_written_in_one_place_only():
    pattern = re.compile(r"""__version__\s*=\s*["']""")
    holders = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "inspector").rglob("*.py")
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert holders == ["inspector/__init__.py"]
    project = _pyproject()
    assert "version" in project["project"]["dynamic"] and "version" not in project["project"]
    assert project["tool"]["hatch"]["version"]["path"] == "inspector/__init__.py"


def test_installed_metadata_matches_the_source_version():
    assert importlib.metadata.version("inspector-faithfulness") == inspector.__version__


def test_cli_and_about_show_the_same_version(capsys):
    from inspector.cli import main
    from inspector.qt.about import about_text

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"inspector {inspector.__version__}"
    text = about_text("cpu")
    assert text.splitlines()[0] == f"Inspector {inspector.__version__}"
    for name, path in paths.all_paths().items():
        assert f"{name}" in text and str(path) in text


def test_metainfo_release_is_the_current_version():
    root = ET.parse(METAINFO).getroot()
    releases = root.find("releases").findall("release")
    assert releases[0].get("version") == inspector.__version__


def test_desktop_file_launches_a_declared_script_with_the_apps_icon():
    entry = _desktop()
    assert entry["Type"] == "Application" and entry["Name"] == "Inspector"
    command = entry["Exec"].split()[0]
    project = _pyproject()["project"]
    assert command in project["scripts"] or command in project["gui-scripts"]
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")


def test_app_id_is_the_same_in_desktop_file_metainfo_and_app():
    from inspector.qt.about import APP_ID as app_id

    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == app_id == DESKTOP.stem
    assert root.find("launchable").text == DESKTOP.name
    assert "setDesktopFileName(APP_ID)" in (ROOT / "inspector" / "app.py").read_text(
        encoding="utf-8"
    )
    flatpak = (PKG / f"{app_id}.yml").read_text(encoding="utf-8")
    assert re.search(rf"^app-id: {re.escape(app_id)}$", flatpak, re.M)


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-validate not installed (apt-get install desktop-file-utils)",
)
def test_desktop_file_validates():
    proc = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert proc.returncode == 0 and "error" not in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.skipif(
    shutil.which("appstreamcli") is None,
    reason="appstreamcli not installed (apt-get install appstream)",
)
def test_metainfo_validates():
    proc = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_icon_set_has_every_declared_size():
    icons = paths.resources_dir() / "icons"
    assert (icons / "inspector.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    for size in ICON_SIZES:
        assert _png_size(icons / f"inspector-{size}.png") == (size, size)
    script = (PKG / "render_icons.py").read_text(encoding="utf-8")
    assert f"SIZES = {ICON_SIZES}" in script


def test_pyinstaller_spec_parses_and_bundles_resources_and_the_entry_point():
    tree = ast.parse((PKG / "inspector.spec").read_text(encoding="utf-8"))
    calls = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= calls  # COLLECT: a onedir bundle
    text = ast.unparse(tree)
    assert "'inspector/resources'" in text and "'entry.py'" in text
    assert (PKG / "entry.py").is_file()


def test_wheel_force_includes_resources_where_resources_dir_looks():
    include = _pyproject()["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include["resources"] == "inspector/resources"
    # resources_dir() looks beside the package first (installed), then in the repository
    assert paths.resources_dir() == ROOT / "resources"


def test_logging_goes_to_a_rotating_file_once(tmp_path):
    logger = logging.getLogger("inspector")
    before = list(logger.handlers)
    try:
        first = setup_logging()
        second = setup_logging()
        assert first == second == paths.log_dir() / "inspector.log"
        ours = [h for h in logger.handlers if h not in before]
        rotating = [h for h in ours if isinstance(h, logging.handlers.RotatingFileHandler)]
        assert len(rotating) == 1
        assert (rotating[0].maxBytes, rotating[0].backupCount) == (MAX_BYTES, BACKUPS)
        logging.getLogger("inspector.test").warning("a line the user can find later")
        rotating[0].flush()
        assert "a line the user can find later" in first.read_text(encoding="utf-8")
        assert str(first).startswith(str(tmp_path))  # conftest redirects the log dir
    finally:
        for h in list(logger.handlers):
            if h not in before:
                logger.removeHandler(h)
                h.close()
