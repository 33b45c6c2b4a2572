"""Inspector: compare a language model's stated explanation with its measured behaviour."""

import os

# Spinning OpenMP workers fight the UI thread and other processes for cores; on a shared
# 2-core machine PASSIVE made the sweep 2.6x faster (benchmarks/README.md). Must be set
# before torch is imported; users can still override it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
