"""The ``--help`` text of a command, from its docstring.

Core object:
    reflow: a command's docstring as typer's rich help shows it well: the lines of each
        prose paragraph joined (rich wraps them to the terminal), the lines of an
        ``Example:`` / ``Examples:`` paragraph kept, one command a line.

Every command's docstring ends with such a paragraph (`EXAMPLE` is its heading), after at
least one prose paragraph: typer dedents the text after the first line, which would strip
the examples' indent if they came right after it.

Example:
    >>> print(reflow('''Do a thing.
    ...
    ...     Longer words
    ...     that wrap.
    ...
    ...     Examples:
    ...       negsim thing a
    ...       negsim thing b
    ...     '''))
    Do a thing.
    <BLANKLINE>
    Longer words that wrap.
    <BLANKLINE>
    Examples:
      negsim thing a
      negsim thing b
"""

from __future__ import annotations

import inspect

__all__ = ["EXAMPLE", "reflow"]

EXAMPLE = ("Example:", "Examples:")


def reflow(doc: str | None) -> str | None:
    """A docstring with its prose paragraphs joined into single lines (see the module)."""
    if not doc:
        return doc
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    out = []
    for text in paragraphs:
        lines = text.splitlines()
        if lines and lines[0].strip() in EXAMPLE:
            out.append("\n".join(lines))
        else:
            out.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(out)
