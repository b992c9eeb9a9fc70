"""The bounds every input is checked against before it is used (issue 17).

Core objects:
    Limit: one bound: its name, default, the environment variable and command-line flag
        that raise it (None for bounds no real input comes near) and what it counts.
    LIMITS: every limit, by name (the README's table lists them).
    limit: the current value of a limit (its environment variable, else the default).
    how_to_raise: the words an error appends (``raise it with --max-packages N``).
    too_big: a one-line message "``what`` is N; the limit is M (how to raise it)".

Global options of the command line (``negsim --max-packages N analyze ...``) set the
environment variables, so that sweep workers see the same limits as their parent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["LIMITS", "Limit", "how_to_raise", "limit", "parse_size", "set_limits", "too_big"]


@dataclass(frozen=True)
class Limit:
    """One bound on the input (see `LIMITS`)."""

    name: str
    default: int
    counts: str
    flag: str | None = None  # the global option that raises it

    @property
    def env(self) -> str | None:
        """The environment variable that raises it (None: fixed)."""
        return None if self.flag is None else "NEGSIM_" + self.flag.upper().replace("-", "_")


LIMITS: dict[str, Limit] = {x.name: x for x in (
    Limit("file_size", 2**20, "bytes of one scenario or experiment file", "max-file-size"),
    Limit("yaml_depth", 64, "levels of nesting in a YAML file"),
    Limit("yaml_nodes", 1_000_000, "values in a YAML file once its aliases are expanded"),
    Limit("extends", 32, "files in an 'extends' chain"),
    Limit("packages", 2**25, "packages in a scenario's outcome space", "max-packages"),
    Limit("package_bytes", 4 * 2**30, "bytes to hold the outcome space and its utilities",
          "max-package-bytes"),
    Limit("options", 10_000, "listed options of one issue", "max-options"),
    Limit("rounds", 10_000, "rounds of one negotiation (deadline, --rounds)"),
    Limit("points", 1_000_000, "design points of an experiment", "max-points"),
    Limit("runs", 100_000_000, "runs of an experiment (points x replicates)", "max-runs"),
)}


def limit(name: str) -> int:
    """The current value of limit ``name``: its environment variable if set, else the default.

    Raises:
        UserError: the environment variable is not a positive whole number.
    """
    from sim.errors import UserError

    lim = LIMITS[name]
    raw = os.environ.get(lim.env) if lim.env else None
    if raw is None or raw == "":
        return lim.default
    value = parse_size(raw)
    if value is None:
        raise UserError(f"{lim.env}={raw!r}: expected a positive whole number (e.g. 8MB, 1e8)")
    return value


def parse_size(text: str) -> int | None:
    """``"8MB"`` -> 8388608, ``"1e8"`` -> 100000000; None when not a positive size."""
    t = text.strip().upper().replace("_", "").replace(",", "")
    factor = 1
    for suffix, f in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10), ("G", 2**30),
                      ("M", 2**20), ("K", 2**10), ("B", 1)):
        if t.endswith(suffix):
            t, factor = t[: -len(suffix)], f
            break
    try:
        x = float(t) if any(c in t for c in ".E") else int(t)
    except ValueError:
        return None
    if not x > 0 or x * factor >= 2**63:
        return None
    return int(x * factor)


def set_limits(given: dict[str, str | None]) -> None:
    """Set limits from global options (flag name -> value; None: not given).

    Raises:
        UserError: a value that is not a positive size or number.
    """
    from sim.errors import UserError

    for flag, raw in given.items():
        if raw is None:
            continue
        lim = next(x for x in LIMITS.values() if x.flag == flag)
        if parse_size(raw) is None:
            raise UserError(f"--{flag}: expected a positive whole number (e.g. 8MB, 1e8), "
                            f"got {raw!r}")
        assert lim.env is not None
        os.environ[lim.env] = raw


def how_to_raise(name: str) -> str:
    """``raise it with --max-packages N or NEGSIM_MAX_PACKAGES`` (or ``a fixed limit``)."""
    lim = LIMITS[name]
    if lim.flag is None:
        return "a fixed limit"
    return f"raise it with negsim --{lim.flag} N or {lim.env}=N"


def too_big(what: str, size: int, name: str, unit: str = "") -> str:
    """``<what> is 1,073,741,824<unit>; the limit is 16,777,216 (raise it with ...)``."""
    return (f"{what} is {size:,}{unit}; the limit is {limit(name):,}{unit} "
            f"({how_to_raise(name)})")
