"""Benchmarks on a real history: Signoff against git in the same run, medians of several runs.

Nothing is downloaded. Point it at a clone you made yourself, preferably a copy (Signoff writes
its index under the repository's git directory and blame needs a work tree):

    git clone https://github.com/astral-sh/ruff /tmp/ruff
    .venv/bin/python bench/real.py /tmp/ruff --runs 11

Results are printed as a Markdown table (and JSON with --json); bench/RESULTS.md keeps the latest.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import SIGNOFF, _row, machine, table_lines, timed  # noqa: E402


def _quiet(args: list[str], cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def sh(args: list[str], cwd: Path) -> Callable[[], None]:
    return lambda: _quiet(args, cwd)


def paired(
    signoff: Callable[[], None], baseline: Callable[[], None], runs: int
) -> tuple[float, float]:
    """Median seconds of each, the two runs alternating: on a shared machine load drifts, and
    timing all of one before all of the other would charge the drift to one side."""
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(runs):
        for fn, samples in ((baseline, theirs), (signoff, ours)):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
    return statistics.median(ours), statistics.median(theirs)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def file_of_about(repo: Path, lines: int) -> str:
    """A tracked Python file of about `lines` lines: blame cost grows with history and size."""
    best, best_gap = "", 10**9
    for path in git(repo, "ls-files", "*.py").splitlines()[:4000]:
        try:
            n = (repo / path).read_bytes().count(b"\n")
        except OSError:
            continue
        if abs(n - lines) < best_gap:
            best, best_gap = path, abs(n - lines)
    return best


def run(
    repo: Path, runs: int, commits: int, blame_path: str | None, decay: bool
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    _quiet([*SIGNOFF, "index"], repo)  # warm the index once (not timed here)
    sha = git(repo, "rev-parse", "HEAD~100")
    git_log = sh(["git", "log", "-1", sha], repo)
    cli, base = paired(sh([*SIGNOFF, "explain", sha], repo), git_log, runs * 3)
    rows.append(_row("explain <sha> (warm, CLI)", cli, "git log -1 <sha>", base, "< 100 ms"))
    cli, base = paired(sh([*SIGNOFF, "explain", sha, "--json"], repo), git_log, runs * 3)
    rows.append(_row("explain <sha> --json (warm, CLI)", cli, "git log -1 <sha>", base, "< 100 ms"))

    old = git(repo, "rev-parse", f"HEAD~{commits}")
    span = f"{old}..HEAD"
    n = len(git(repo, "rev-list", span).split())
    cli, base = paired(
        sh([*SIGNOFF, "explain", span, "--json", "-n", str(commits)], repo),
        sh(["git", "log", span], repo),
        runs,
    )
    rows.append(
        _row(
            f"explain A..B --json ({n} commits)",
            cli,
            "git log A..B",
            base,
            "about 1 s",
            extra=f"{n / cli:,.0f} commits/s",
        )
    )
    for fmt in ("jsonl", "csv"):
        try:
            _quiet([*SIGNOFF, "export", "--format", fmt], repo)
        except subprocess.CalledProcessError:
            continue  # an older Signoff without `export`
        cli, base = paired(
            sh([*SIGNOFF, "export", "--format", fmt], repo), sh(["git", "log"], repo), runs
        )
        rows.append(_row(f"export --format {fmt} (whole history)", cli, "git log", base, ""))

    path = blame_path or file_of_about(repo, 1500)
    cli, base = paired(
        sh([*SIGNOFF, "blame", path], repo),
        sh(["git", "blame", "-M", "-C", "-w", "--", path], repo),
        runs,
    )
    rows.append(_row(f"blame {path} (piped)", cli, "git blame -M -C -w", base, "<= 1.3x"))

    if decay:
        base = timed(sh(["git", "log"], repo), runs)
        cache = Path(git(repo, "rev-parse", "--path-format=absolute", "--git-common-dir"))
        cache = cache / "signoff" / "blame.sqlite"
        cache.unlink(missing_ok=True)
        start = time.perf_counter()
        _quiet([*SIGNOFF, "decay", "--json"], repo)
        cold = time.perf_counter() - start
        rows.append(_row("decay, cold (no blame cache; one run)", cold, "git log", base, "< 60 s"))
        warm = timed(sh([*SIGNOFF, "decay", "--json"], repo), runs)
        rows.append(_row("decay, warm (blame cache)", warm, "git log", base, "< 60 s"))
    return rows


def table(rows: list[dict[str, object]], repo: Path, runs: int) -> str:
    count = git(repo, "rev-list", "--count", "HEAD")
    lines = [
        f"Repository: {repo.name} ({int(count):,} commits on HEAD); {machine()}; medians of {runs} runs",
        "(explain <sha>: 3x as many). Ratio = Signoff time / git time in the same run.",
        "",
        *table_lines(rows),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("repo", type=Path, help="a clone of a real repository (with a work tree)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commits", type=int, default=10_000, help="size of the A..B range")
    parser.add_argument("--blame", default=None, help="file to blame (default: one of ~1500 lines)")
    parser.add_argument(
        "--decay", action="store_true", help="also time `signoff decay` (needs a signoff.yaml)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    repo = args.repo.resolve()
    rows = run(repo, args.runs, args.commits, args.blame, args.decay)
    print(json.dumps(rows, indent=2) if args.json else table(rows, repo, args.runs))


if __name__ == "__main__":
    main()
