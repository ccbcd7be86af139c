"""`signoff checkpoint --agent NAME`: what an agent's hook runs (usually via the fast path).

`cli.entry` answers every plain call without loading the CLI framework; this typer command
exists for `--help` and calls the same function. Whatever happens it exits 0 and prints
nothing: an agent's tool call must never fail because of Signoff (errors: `agent status`).
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("checkpoint")(checkpoint_command)


def checkpoint_command(
    agent: str = typer.Option(
        None, "--agent", help="The agent whose hook payload is on stdin (claude-code, ...)."
    ),
    event: str = typer.Option(
        None, "--event", help="pre or post (default: from the payload's event name)."
    ),
    repo: str = typer.Option(None, "--repo", "-C", help="Where to look for the repository."),
) -> None:
    """Record one agent edit (hook JSON on stdin) in the capture working log; always exits 0."""
    from signoff.recording.checkpoint import main

    argv: list[str] = []
    for flag, value in (("--agent", agent), ("--event", event), ("--repo", repo)):
        if value is not None:
            argv += [flag, value]
    main(argv)
