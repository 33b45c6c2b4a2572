"""The desktop app: a thin Qt view over inspector.core (DESIGN.md §4)."""
