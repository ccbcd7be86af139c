"""Entry point: `signoff COMMAND`. Errors a user can fix exit 2 with the fix; blocks exit 1."""

from __future__ import annotations

import sys

import typer

from signoff import __version__
from signoff.errors import SignoffError

app = typer.Typer(
    name="signoff",
    help="Provenance and ownership for AI-assisted code.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"signoff {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Record, explain and gate the provenance of AI-assisted changes."""


def _register() -> None:
    # Each command module adds its commands to `app` on import.
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(f"signoff.cli.{name}").register(app)


# Order is the order of `signoff --help`.
COMMAND_MODULES: list[str] = [
    "explain",
    "blame",
    "stats",
    "index",
    "check",
    "exception",
    "policy",
    "owners",
    "incident",
    "decay",
    "init",
    "notes",
    "hook",
    "audit",
    "attest",
]


def run() -> None:
    """Console-script entry: map user errors to exit code 2 and a message, never a traceback."""
    _register()
    try:
        app()
    except SignoffError as exc:
        from rich.markup import escape

        from signoff.cli.output import err_console

        err_console.print(f"[bold red]error:[/] {escape(exc.message)}")
        if exc.hint:
            err_console.print(f"  [bold]fix:[/] {escape(exc.hint)}")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
