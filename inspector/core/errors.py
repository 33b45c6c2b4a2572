"""User-facing errors: each carries one line that names the problem.

The CLI maps them to exit codes (2 bad input, 3 a checkpoint that cannot be loaded); the app
shows them non-modally.
"""


class InspectorError(Exception):
    """A problem the user can fix; ``str(err)`` is a one-line message."""

    exit_code = 2


class ProbeError(InspectorError):
    """A probe file that cannot be used (bad TOML, missing field, bad label)."""


class InputError(InspectorError):
    """An input or input file that cannot be used."""


class CheckpointError(InspectorError):
    """A checkpoint that cannot be loaded."""

    exit_code = 3


class Cancelled(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised inside a task when the user cancelled it."""
