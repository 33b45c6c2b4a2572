"""The desktop app: a thin Qt view over inspector.core (docs/ARCHITECTURE.md, "Layers")."""
