"""The command-line interface: a thin layer that parses, validates and dispatches.

Every command module exposes ``register(app)``. Invalid input (``ScenarioError``,
``ExperimentError``: every `UserError`) is printed as one line per problem on stderr with
exit code 2; a bug in negsim, a strategy or a protocol (`InternalError`) as one line and a
request for a bug report, exit code 1. Commands dispatch to the Python API (`sim.api`).
"""

from __future__ import annotations

import sys

import typer

from sim.cli import (
    dashboard_cmd,
    reachable_cmd,
    report_cmd,
    run_cmd,
    scenario_cmds,
    score_cmd,
    solve_cmd,
    sweep_cmd,
)
from sim.cli.helptext import reflow
from sim.errors import BUG_REPORT, InternalError, UserError
from sim.scenario.limits import set_limits

app = typer.Typer(
    name="negsim",
    help="negsim: agent-based simulator of multi-party negotiations.\n\n"
    "Start with a scenario file (scenarios/*.yaml): analyze its outcome space, run one "
    "negotiation, solve its equilibrium; sweep an experiment file (experiments/*.yaml) "
    "and report on its results directory.\n\n"
    "Examples:\n"
    "  negsim analyze scenarios/alaska_summit.yaml\n"
    "  negsim run scenarios/zelenskyy_at_table.yaml --seed 1\n"
    "  negsim sweep experiments/demo.yaml --out results/demo\n"
    "  negsim report results/demo\n\n"
    "The options below raise the input limits (README: Input limits); --debug, anywhere "
    "on the line, shows the traceback of an internal error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# -- input limits (issue 17): global options that raise a limit, for every command --------
def _raise_limits(
    max_file_size: str | None = typer.Option(
        None, "--max-file-size", metavar="SIZE", help="Largest scenario or experiment file "
        "read (default 1MB; e.g. 8MB)."),
    max_packages: str | None = typer.Option(
        None, "--max-packages", metavar="N", help="Largest outcome space (default 2^25)."),
    max_package_bytes: str | None = typer.Option(
        None, "--max-package-bytes", metavar="SIZE", help="Memory for the outcome space "
        "(default 4GB)."),
    max_options: str | None = typer.Option(
        None, "--max-options", metavar="N", help="Listed options per issue (default 10,000)."),
    max_points: str | None = typer.Option(
        None, "--max-points", metavar="N", help="Design points of a sweep (default 10^6)."),
    max_runs: str | None = typer.Option(
        None, "--max-runs", metavar="N", help="Runs of a sweep (default 10^8)."),
) -> None:
    """Set the limits given on the command line (environment variables, seen by workers)."""
    given = {"max-file-size": max_file_size, "max-packages": max_packages,
             "max-package-bytes": max_package_bytes, "max-options": max_options,
             "max-points": max_points, "max-runs": max_runs}
    set_limits(given)


app.callback()(_raise_limits)

for _module in (scenario_cmds, score_cmd, run_cmd, solve_cmd, sweep_cmd, reachable_cmd,
                report_cmd, dashboard_cmd):
    _module.register(app)
for _command in app.registered_commands:  # prose reflowed, examples one a line
    _command.help = _command.help or reflow(getattr(_command.callback, "__doc__", None))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors exit with code 2 and one line per problem."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args  # a traceback instead of the one-line internal error
    args = [a for a in args if a != "--debug"]
    try:
        code = app(args=args, prog_name="negsim", standalone_mode=False)
    except UserError as exc:
        for line in exc.lines:
            print(line, file=sys.stderr)
        return 2
    except InternalError as exc:
        print(f"internal error: {exc} ({BUG_REPORT})", file=sys.stderr)
        return 1
    except SystemExit as exc:  # pragma: no cover - typer exits
        return int(exc.code or 0)
    except KeyboardInterrupt:  # pragma: no cover
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        # Usage errors from click (or the copy of click that newer typer vendors):
        # recognised by shape so that both work.
        kind = type(exc).__name__
        if kind == "Exit":
            return int(getattr(exc, "exit_code", 0) or 0)
        if kind == "Abort":
            return 1
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            return 2
        if debug:
            raise
        text = str(exc).splitlines()[0][:300] if str(exc) else ""
        print(f"internal error: {kind}{': ' + text if text else ''} ({BUG_REPORT}; run it "
              "again with --debug for the traceback)", file=sys.stderr)
        return 1
    return code if isinstance(code, int) else 0  # typer.Exit codes (130 after Ctrl-C)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
