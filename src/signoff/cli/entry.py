"""The console-script entry: the hottest question answered without loading typer.

`signoff explain <sha>` on a warm index must answer in well under 100 ms, and importing typer
with its adapters alone takes about 110 ms on the reference machine (bench/RESULTS.md). So a
plain `signoff explain TARGET [--json] [--repo R] [--no-index] [-n N]` is parsed here with
argparse and calls the same library function and renderer as the typer command; anything else
(`--help`, an unknown option, every other command) goes to the typer app in `cli.main`.
`tests/test_cli.py` keeps the two option lists identical.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

EXPLAIN_OPTIONS = {
    "repo": ("--repo", "-C"),
    "as_json": ("--json",),
    "no_index": ("--no-index",),
    "limit": ("--limit", "-n"),
}


class _Quiet(argparse.ArgumentParser):
    """A parser that never prints: anything it cannot parse goes to the full CLI, which says why."""

    def error(self, message: str) -> NoReturn:
        raise argparse.ArgumentError(None, message)


def _explain_parser() -> argparse.ArgumentParser:
    parser = _Quiet(prog="signoff explain", add_help=False, exit_on_error=False)
    parser.add_argument("target")
    parser.add_argument(*EXPLAIN_OPTIONS["repo"], dest="repo", default=".")
    parser.add_argument(*EXPLAIN_OPTIONS["as_json"], dest="as_json", action="store_true")
    parser.add_argument(*EXPLAIN_OPTIONS["no_index"], dest="no_index", action="store_true")
    parser.add_argument(*EXPLAIN_OPTIONS["limit"], dest="limit", type=int, default=200)
    return parser


def fast_explain(args: list[str]) -> int | None:
    """Answer `explain` directly; None when the arguments need the full CLI."""
    if any(
        a in ("--help", "-h") or a.startswith("--install") or a.startswith("--show") for a in args
    ):
        return None
    try:
        ns, extra = _explain_parser().parse_known_args(args)
    except (argparse.ArgumentError, SystemExit):
        return None
    if extra:
        return None
    from signoff.errors import SignoffError
    from signoff.git.repo import Repo
    from signoff.query.explain import explain

    try:
        result = explain(
            Repo.discover(ns.repo), ns.target, use_index=not ns.no_index, limit=ns.limit
        )
    except SignoffError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        if exc.hint:
            sys.stderr.write(f"  fix: {exc.hint}\n")
        return 2
    if ns.as_json:
        from signoff.cli.document import json_document

        sys.stdout.write(json_document("explain", result.to_json()))
        return 0
    from signoff.cli.explain import render

    render(result)
    return 0


def run() -> None:
    argv = sys.argv[1:]
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
