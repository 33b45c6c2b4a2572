"""Qt-free analysis core. Nothing under this package may import Qt."""
