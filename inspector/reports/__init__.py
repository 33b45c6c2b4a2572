"""Qt-free report model and writers (HTML, JSON, CSV)."""
