"""The CLI's own error: arguments that do not make sense together (:class:`UsageError`).

A module of its own so the subcommand modules import it from here, not from the package
``retrostudy.cli`` (whose ``__init__`` imports them).
"""

from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(Exception):
    """The arguments do not make sense together: printed with the subcommand's usage line,
    exit code 2 (as argparse does for its own checks)."""
