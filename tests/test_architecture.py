"""The layers hold (docs/ARCHITECTURE.md, "Layers"): core/ and reports/ stay Qt-free, so the
CLI and scripts never need a display, and the contracts of pyproject.toml are kept.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "superqt", "qtpy")


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_no_qt_imports_in_core_or_reports():
    offenders = [
        f"{p.relative_to(ROOT)}: {name}"
        for pkg in ("core", "reports", "demo", "training")
        for p in (ROOT / "inspector" / pkg).rglob("*.py")
        for name in _imports(p)
        if name.split(".")[0] in QT
    ]
    assert offenders == []


def test_importing_core_loads_no_qt():
    code = (
        "import importlib, pkgutil, sys, inspector.core, inspector.reports, inspector.cli\n"
        "for pkg in (inspector.core, inspector.reports, inspector.cli):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        if m.name != '__main__':  # running it would run the CLI\n"
        "            importlib.import_module(pkg.__name__ + '.' + m.name)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {QT!r}]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on the package and pyproject.toml in ``cwd`` (first on its sys.path)."""
    code = "import sys; from importlinter.cli import lint_imports_command as m; sys.exit(m())"
    return subprocess.run(
        [sys.executable, "-c", code, "--no-cache"],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_import_contracts_are_kept():
    proc = _lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_a_forbidden_import_breaks_its_contract(tmp_path):
    """The check can fail: core importing the CLI, even lazily, breaks the "core" contract."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(
        ROOT / "inspector", tmp_path / "inspector", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "inspector" / "core" / "_layer_breach.py").write_text(
        "def f():\n    from ..cli import main\n\n    return main\n", encoding="utf-8"
    )
    proc = _lint_imports(tmp_path)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "core is the bottom layer: no reports, Qt, CLI or app BROKEN" in proc.stdout
    assert "inspector.core._layer_breach -> inspector.cli" in proc.stdout
    assert "1 broken" in proc.stdout
