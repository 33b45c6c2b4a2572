"""Entry point frozen by PyInstaller: the same `inspector` CLI (no arguments opens the app)."""

from inspector.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
