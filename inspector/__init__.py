"""Inspector: compare a language model's stated explanation with its measured behaviour."""

__version__ = "0.1.0"
