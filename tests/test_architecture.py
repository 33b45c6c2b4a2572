"""core/ and reports/ stay Qt-free, so the CLI and scripts never need a display."""

import ast
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
        "import importlib, pkgutil, sys, inspector.core, inspector.reports\n"
        "for pkg in (inspector.core, inspector.reports):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
        "import inspector.cli\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {QT!r}]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
