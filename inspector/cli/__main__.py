"""``python -m inspector.cli``: the same command as ``inspector``."""

import sys

from . import main

sys.exit(main())
