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
    "  negsim report results/demo",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (scenario_cmds, score_cmd, run_cmd, solve_cmd, sweep_cmd, reachable_cmd,
                report_cmd, dashboard_cmd):
    _module.register(app)
for _command in app.registered_commands:  # prose reflowed, examples one a line
    _command.help = _command.help or reflow(getattr(_command.callback, "__doc__", None))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors exit with code 2 and one line per problem."""
    try:
        code = app(args=argv, prog_name="negsim", standalone_mode=False)
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
        raise
    return code if isinstance(code, int) else 0  # typer.Exit codes (130 after Ctrl-C)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
