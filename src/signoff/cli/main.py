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


def _register(argv: list[str] | None = None) -> None:
    """Add commands to `app`: only the one asked for when its module is named like it.

    Importing every command module costs about as much as answering `explain` itself, so
    `signoff explain X` loads the explain module alone; `--help`, completion and commands whose
    module has another name load them all.
    """
    import importlib

    wanted = next((a for a in (argv or [])[1:] if not a.startswith("-")), None)
    if wanted in COMMAND_MODULES and wanted not in _REGISTERED:
        importlib.import_module(f"signoff.cli.{wanted}").register(app)
        _REGISTERED.add(wanted)
        if _has_command(wanted):
            return
    for name in COMMAND_MODULES:
        if name not in _REGISTERED:
            importlib.import_module(f"signoff.cli.{name}").register(app)
            _REGISTERED.add(name)


_REGISTERED: set[str] = set()


def _has_command(name: str) -> bool:
    commands = {c.name for c in app.registered_commands}
    groups = {g.name for g in app.registered_groups}
    return name in commands or name in groups


# Order is the order of `signoff --help`.
COMMAND_MODULES: list[str] = [
    "explain",
    "blame",
    "diff",
    "stats",
    "export",
    "trace_import",
    "index",
    "check",
    "exception",
    "policy",
    "owners",
    "incident",
    "decay",
    "init",
    "reattach",
    "notes",
    "hook",
    "agent",
    "checkpoint",
    "audit",
    "attest",
    "serve",
    "push",
    "db",
]


def run() -> None:
    """Console-script entry: map user errors to exit code 2 and a message, never a traceback."""
    _register(sys.argv)
    try:
        try:
            app()
        except OSError as exc:
            if exc.filename is None or isinstance(exc, BrokenPipeError):
                raise
            raise _path_error(exc) from None
    except SignoffError as exc:
        from signoff.cli.output import err_console, escape

        err_console.print(f"[bold red]error:[/] {escape(exc.message)}")
        if exc.hint:
            err_console.print(f"  [bold]fix:[/] {escape(exc.hint)}")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)


def _path_error(exc: OSError) -> SignoffError:
    """A file the user named (an -o, --sarif or --out path) could not be read or written."""
    import os

    name = os.fsdecode(exc.filename)  # atomic writes name the user's file, never their own
    return SignoffError(
        f"cannot use {name}: {exc.strerror or exc}",
        "check the path: its folder must exist and be writable (and the file readable)",
    )
