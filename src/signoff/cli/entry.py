"""The console-script entry: the hottest questions answered without loading typer.

`signoff explain <sha>` on a warm index must answer in well under 100 ms, and importing typer
with its adapters alone takes about 110 ms on the reference machine (bench/RESULTS.md). So a
plain `signoff explain TARGET [--json] [--repo R] [--no-index] [-n N]` is parsed here (by
hand, see `parse_explain`) and calls the same library function and renderer as the typer command; anything else
(`--help`, an unknown option, every other command) goes to the typer app in `cli.main`.
`signoff blame FILE` is answered the same way: git blame is the long pole there, and the CLI
framework's import would otherwise add a third to a small file's answer.
`signoff checkpoint` (what coding agents' hooks run on every file edit) is always answered here
but for `--help`: it must stay under 50 ms and never fail the agent's tool call (exit 0 always).
`tests/test_cli.py` keeps the option lists identical.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (and re) on every call
if TYPE_CHECKING:
    from signoff.errors import SignoffError

EXPLAIN_OPTIONS = {
    "repo": ("--repo", "-C"),
    "as_json": ("--json",),
    "no_index": ("--no-index",),
    "limit": ("--limit", "-n"),
}
BLAME_OPTIONS = {
    "rev": ("--rev",),
    "repo": ("--repo", "-C"),
    "as_json": ("--json",),
    "no_index": ("--no-index",),
}
# defaults; their types say how each option is read (bool: a flag, int: a number)
_DEFAULTS: dict[str, object] = {
    "repo": ".",
    "as_json": False,
    "no_index": False,
    "limit": 200,
    "rev": None,
}


def parse_options(args: list[str], options: dict[str, tuple[str, ...]]) -> dict[str, object] | None:
    """The options of a plain `explain TARGET ...` or `blame FILE ...`; None for anything else
    (help, an unknown or malformed option, two targets), which the full CLI then answers or
    refuses.

    Parsed by hand: argparse's own imports (gettext, locale, shutil) cost more than a tenth of
    the 100 ms budget.
    """
    names = {opt: name for name, opts in options.items() for opt in opts}
    out = {name: _DEFAULTS[name] for name in options}
    targets: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        opt, eq, value = arg.partition("=")
        name = names.get(opt if eq and opt.startswith("--") else arg)
        if name is None:
            if arg.startswith("-"):
                return None
            targets.append(arg)
            continue
        if isinstance(_DEFAULTS[name], bool):
            if eq:
                return None
            out[name] = True
            continue
        if not eq:
            if i >= len(args):
                return None
            value = args[i]
            i += 1
        if isinstance(_DEFAULTS[name], int):
            if not value.isdigit():
                return None
            out[name] = int(value)
        else:
            out[name] = value
    if len(targets) != 1:
        return None
    out["target"] = targets[0]
    return out


def parse_explain(args: list[str]) -> dict[str, object] | None:
    return parse_options(args, EXPLAIN_OPTIONS)


def _error(exc: SignoffError) -> int:
    from signoff.cli.output import terminal_safe

    sys.stderr.write(terminal_safe(f"error: {exc.message}") + "\n")
    if exc.hint:
        sys.stderr.write(terminal_safe(f"  fix: {exc.hint}") + "\n")
    return 2


def fast_blame(args: list[str]) -> int | None:
    """Answer `blame` directly; None when the arguments need the full CLI."""
    ns = parse_options(args, BLAME_OPTIONS)
    if ns is None:
        return None
    from signoff.errors import SignoffError
    from signoff.git.repo import Repo
    from signoff.query.blame import blame_file

    path = str(ns["target"])
    rev = str(ns["rev"]) if ns["rev"] is not None else None
    try:
        lines = blame_file(
            Repo.discover(str(ns["repo"])), path, rev=rev, use_index=not ns["no_index"]
        )
    except SignoffError as exc:
        return _error(exc)
    from signoff.cli.blame import document, render

    if ns["as_json"]:
        from signoff.cli.document import json_document

        sys.stdout.write(json_document("blame", document(path, rev, lines)))
        return 0
    render(lines)
    return 0


def fast_explain(args: list[str]) -> int | None:
    """Answer `explain` directly; None when the arguments need the full CLI."""
    ns = parse_explain(args)
    if ns is None:
        return None
    from signoff.errors import SignoffError
    from signoff.git.repo import Repo
    from signoff.query.explain import explain

    try:
        result = explain(
            Repo.discover(str(ns["repo"])),
            str(ns["target"]),
            use_index=not ns["no_index"],
            limit=int(ns["limit"]),  # type: ignore[call-overload]
        )
    except SignoffError as exc:
        return _error(exc)
    if ns["as_json"]:
        from signoff.cli.document import json_document

        sys.stdout.write(json_document("explain", result.to_json(), long_list="commits"))
        return 0
    from signoff.cli.explain import render

    render(result)
    return 0


def fast_checkpoint(args: list[str]) -> int | None:
    """Record one agent edit (`signoff.recording.checkpoint`); None only for `--help`."""
    if "--help" in args or "-h" in args:
        return None
    from signoff.recording.checkpoint import main

    return main(args, light=True)


def _quiet_on_closed_pipe() -> None:
    """Output piped into `head` (or any reader that stops early) ends the process the way it
    ends git: killed by SIGPIPE, exit status 141, no traceback, never 1 (1 means blocked)."""
    import signal

    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def run() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["checkpoint"]:
        # first: an agent runs this on every edit and it prints nothing (no SIGPIPE set-up)
        code = fast_checkpoint(argv[1:])
        if code is not None:
            sys.exit(code)
    _quiet_on_closed_pipe()
    if argv == ["--version"]:
        from signoff import __version__

        sys.stdout.write(f"signoff {__version__}\n")  # without loading the CLI framework
        return
    fast = {"explain": fast_explain, "blame": fast_blame}.get(argv[0] if argv else "")
    if fast is not None:
        try:
            code = fast(argv[1:])
        except BrokenPipeError:
            code = 0
        except KeyboardInterrupt:
            code = 130
        if code is not None:
            sys.exit(code)
    from signoff.cli.main import run as full

    full()
