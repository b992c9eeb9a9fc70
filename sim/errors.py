"""The two kinds of failure a command reports.

Core objects:
    UserError: bad input from the user (a file, a field, an option): exit code 2, one
        readable line per problem.
    InternalError: a bug in negsim, a strategy or a protocol (e.g. a strategy that
        proposes outside its own red lines): exit code 1 and a request for a bug report.
"""

from __future__ import annotations

__all__ = ["BUG_REPORT", "InternalError", "UserError"]

#: Appended to every internal error the command line prints.
BUG_REPORT = "this is a bug in negsim, not in your input: please report it with the command you ran"


class UserError(Exception):
    """Bad input from the user: ``lines`` holds one readable message per problem."""

    def __init__(self, lines: list[str] | str):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines))


class InternalError(RuntimeError):
    """A bug in negsim or in a registered strategy or protocol (never bad input)."""
