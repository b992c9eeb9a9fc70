"""The user-error type every command raises for bad input (exit code 2)."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from the user: ``lines`` holds one readable message per problem."""

    def __init__(self, lines: list[str] | str):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines))
