"""The console-script entry: the hottest question answered without loading typer.

`signoff explain <sha>` on a warm index must answer in well under 100 ms, and importing typer
with its adapters alone takes about 110 ms on the reference machine (bench/RESULTS.md). So a
plain `signoff explain TARGET [--json] [--repo R] [--no-index] [-n N]` is parsed here (by
hand, see `parse_explain`) and calls the same library function and renderer as the typer command; anything else
(`--help`, an unknown option, every other command) goes to the typer app in `cli.main`.
`tests/test_cli.py` keeps the two option lists identical.
"""

from __future__ import annotations

import sys

EXPLAIN_OPTIONS = {
    "repo": ("--repo", "-C"),
    "as_json": ("--json",),
    "no_index": ("--no-index",),
    "limit": ("--limit", "-n"),
}


def parse_explain(args: list[str]) -> dict[str, object] | None:
    """The options of a plain `explain TARGET ...`; None for anything else (help, an unknown
    or malformed option, two targets), which the full CLI then answers or refuses.

    Parsed by hand: argparse's own imports (gettext, locale, shutil) cost more than a tenth of
    the 100 ms budget.
    """
    flags = {opt: name for name in ("as_json", "no_index") for opt in EXPLAIN_OPTIONS[name]}
    valued = {opt: name for name in ("repo", "limit") for opt in EXPLAIN_OPTIONS[name]}
    out: dict[str, object] = {"repo": ".", "as_json": False, "no_index": False, "limit": 200}
    targets: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg in flags:
            out[flags[arg]] = True
            continue
        opt, eq, value = arg.partition("=")
        if opt in valued and opt.startswith("--") and eq:
            pass
        elif arg in valued and i < len(args):
            value = args[i]
            i += 1
        elif arg.startswith("-"):
            return None
        else:
            targets.append(arg)
            continue
        name = valued[opt if eq else arg]
        if name == "limit":
            if not value.isdigit():
                return None
            out[name] = int(value)
        else:
            out[name] = value
    if len(targets) != 1:
        return None
    out["target"] = targets[0]
    return out


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
        sys.stderr.write(f"error: {exc.message}\n")
        if exc.hint:
            sys.stderr.write(f"  fix: {exc.hint}\n")
        return 2
    if ns["as_json"]:
        from signoff.cli.document import json_document

        sys.stdout.write(json_document("explain", result.to_json(), long_list="commits"))
        return 0
    from signoff.cli.explain import render

    render(result)
    return 0


def _quiet_on_closed_pipe() -> None:
    """Output piped into `head` (or any reader that stops early) ends the process the way it
    ends git: killed by SIGPIPE, exit status 141, no traceback, never 1 (1 means blocked)."""
    import signal

    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def run() -> None:
    _quiet_on_closed_pipe()
    argv = sys.argv[1:]
    if argv == ["--version"]:
        from signoff import __version__

        sys.stdout.write(f"signoff {__version__}\n")  # without loading the CLI framework
        return
    if argv and argv[0] == "explain":
        try:
            code = fast_explain(argv[1:])
        except BrokenPipeError:
            code = 0
        except KeyboardInterrupt:
            code = 130
        if code is not None:
            sys.exit(code)
    from signoff.cli.main import run as full

    full()
