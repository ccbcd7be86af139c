"""Benchmarks: Signoff against git's own speed on the same machine, in the same run.

Run with `make bench` (or `.venv/bin/python bench/run.py [--commits N] [--runs R]`). Every figure
is a median of several runs; ratios compare against the git command that does the same walk.
Results are written to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from generate import generate  # noqa: E402

# The console script users run (not `python -m`, which adds runpy's own imports).
_SCRIPT = Path(sys.executable).with_name("signoff")
SIGNOFF = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "signoff"]


def timed(fn: Callable[[], object], runs: int) -> float:
    """Median wall-clock seconds of `runs` calls."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def sh(args: Sequence[str], cwd: Path) -> Callable[[], None]:
    def call() -> None:
        subprocess.run(
            args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    return call


def bench_history(repo: Path, runs: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    git_numstat = timed(sh(["git", "log", "--numstat"], repo), runs)
    index_path = repo / ".git" / "signoff" / "index.sqlite"

    def rebuild() -> None:
        index_path.unlink(missing_ok=True)
        sh([*SIGNOFF, "index", "--rebuild"], repo)()

    build = timed(rebuild, runs)
    rows.append(_row("index build (cold, CLI)", build, "git log --numstat", git_numstat, "<= 1.5x"))
    stats = timed(sh([*SIGNOFF, "stats", "--json"], repo), runs)
    rows.append(_row("stats HEAD (warm index, CLI)", stats, "git log --numstat", git_numstat, ""))
    return rows


def bench_explain(repo: Path, runs: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD~10"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    git_show = timed(sh(["git", "show", "--stat", sha], repo), runs * 3)
    cli = timed(sh([*SIGNOFF, "explain", sha, "--json"], repo), runs * 3)
    rows.append(
        _row("explain <sha> (warm index, CLI)", cli, "git show --stat <sha>", git_show, "< 100 ms")
    )
    lib = _library_explain(repo, sha, runs * 3)
    rows.append(
        _row(
            "explain <sha> (warm index, library call)",
            lib,
            "git show --stat <sha>",
            git_show,
            "< 100 ms",
        )
    )
    path = "src/module_7.py"
    git_blame = timed(sh(["git", "blame", "-M", "-C", "-w", "-L", "5,5", "--", path], repo), runs)
    line = timed(sh([*SIGNOFF, "explain", f"{path}:5", "--json"], repo), runs)
    rows.append(_row("explain file:line (CLI)", line, "git blame -M -C -w -L", git_blame, ""))
    return rows


def _library_explain(repo: Path, sha: str, runs: int) -> float:
    code = (
        "import statistics, time, sys\n"
        "from signoff.git import Repo\n"
        "from signoff.query.explain import explain\n"
        f"r = Repo.discover({str(repo)!r})\n"
        "explain(r, sys.argv[1])\n"
        "s = []\n"
        f"for _ in range({runs}):\n"
        "    t = time.perf_counter(); explain(r, sys.argv[1]); s.append(time.perf_counter() - t)\n"
        "print(statistics.median(s))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, sha], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


CHECK_POLICY = """\
schema: signoff/policy/v1
people:
  - {id: ada, name: Ada, emails: [ada@example.com], roles: [security-reviewer]}
  - {id: bob, name: Bob, emails: [bob@example.com]}
workflows:
  - id: general
    description: everything
    paths: ["*"]
    tier: moderate
    accountable: ada
    conditions: {context: {met: true, evidence: e}, authority: {met: true, evidence: e}, time: {met: true, evidence: e}, incentive: {met: true, evidence: e}, escalation: {met: true, evidence: e}}
    escalation: [{person: bob, respond_within: 1d}]
    incident_path: {paged: [ada], authority: revert}
"""


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


def check_repo(files: int = 500) -> Path:
    """A repository whose feature branch changes `files` files: one AI commit, one human."""
    repo = HERE / "work" / f"check-{files}"
    if (repo / ".generated").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Bob",
        "GIT_AUTHOR_EMAIL": "bob@example.com",
        "GIT_COMMITTER_NAME": "Bob",
        "GIT_COMMITTER_EMAIL": "bob@example.com",
    }
    _git(repo, "init", "-q", "-b", "main")
    (repo / "signoff.yaml").write_text(CHECK_POLICY)
    for i in range(files):
        path = repo / "src" / f"pkg{i % 20}" / f"mod{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"value_{j} = {j}\n" for j in range(40)))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base", env=env)
    _git(repo, "checkout", "-q", "-b", "feature")
    for i in range(files):
        path = repo / "src" / f"pkg{i % 20}" / f"mod{i}.py"
        lines = path.read_text().splitlines(keepends=True)
        lines[5:8] = [f"ai_{i}_{k} = {k}\n" for k in range(3)]
        path.write_text("".join(lines))
    _git(
        repo,
        "commit",
        "-q",
        "-am",
        "AI change\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>",
        env=env,
    )
    for i in range(0, files, 5):
        path = repo / "src" / f"pkg{i % 20}" / f"mod{i}.py"
        path.write_text(path.read_text() + f"human_{i} = 1\n")
    _git(repo, "commit", "-q", "-am", "human follow-up\n\nAI-Assisted: none", env=env)
    (repo / ".generated").write_text(str(files))
    return repo


def bench_check(runs: int) -> list[dict[str, object]]:
    repo = check_repo(500)
    sh([*SIGNOFF, "index"], repo)()
    diff = timed(sh(["git", "diff", "--stat", "main...feature"], repo), runs)

    def gate(*extra: str) -> Callable[[], None]:
        def call() -> None:
            subprocess.run(
                [*SIGNOFF, "check", "--base", "main", "--head", "feature", "--json", *extra],
                cwd=repo,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

        return call

    rows = [
        _row(
            "check, 500-file change set, no scanners",
            timed(gate("--no-scan"), runs),
            "git diff --stat main...feature",
            diff,
            "",
        ),
        _row(
            "check, 500-file change set, bandit + detect-secrets",
            timed(gate(), runs),
            "git diff --stat main...feature",
            diff,
            "",
        ),
    ]
    return rows


def bench_audit() -> list[dict[str, object]]:
    try:
        import audit  # type: ignore[import-not-found]
    except ImportError:
        return []
    return list(audit.run().get("rows", []))


def bench_hook(runs: int) -> list[dict[str, object]]:
    try:
        import hook_overhead  # type: ignore[import-not-found]
    except ImportError:
        return []
    result = hook_overhead.run(max(10, runs * 5))
    rows = []
    if "plain_ms" in result and "hooked_ms" in result:
        rows.append(
            _row(
                "git commit with Signoff hooks",
                result["hooked_ms"] / 1000,
                "plain git commit",
                result["plain_ms"] / 1000,
                "overhead < 80 ms",
                extra=f"agent commit: overhead {result['hooked_ms'] - result['plain_ms']:.1f} ms",
            )
        )
        rows.append(
            _row(
                "git commit with Signoff hooks, no agent",
                result["hooked_human_ms"] / 1000,
                "plain git commit",
                result["plain_ms"] / 1000,
                "overhead < 80 ms",
                extra=f"human commit: overhead {result['hooked_human_ms'] - result['plain_ms']:.1f} ms",
            )
        )
    return rows


def _row(
    what: str, seconds: float, baseline: str, base_seconds: float, target: str, extra: str = ""
) -> dict[str, object]:
    return {
        "what": what,
        "seconds": round(seconds, 4),
        "baseline": baseline,
        "baseline_seconds": round(base_seconds, 4),
        "ratio": round(seconds / base_seconds, 2) if base_seconds else None,
        "target": target,
        "note": extra,
    }


def machine() -> str:
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {git}"
    )


REAL_SECTION = "## Real histories"


def table_lines(rows: list[dict[str, object]]) -> list[str]:
    """The results table (header and one line per measure), shared with bench/real.py."""
    lines = [
        "| measure | Signoff | git baseline | git | ratio | target | note |",
        "| --- | ---: | --- | ---: | ---: | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['what']} | {float(r['seconds']) * 1000:.1f} ms | {r['baseline']} | "  # type: ignore[arg-type]
            f"{float(r['baseline_seconds']) * 1000:.1f} ms | {r['ratio']}x | {r['target']} | {r['note']} |"  # type: ignore[arg-type]
        )
    return lines


def write_results(rows: list[dict[str, object]], commits: int, runs: int) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Latest run: {time.strftime('%Y-%m-%d')} on {machine()}.",
        f"Repository: {commits:,} synthetic commits (bench/generate.py, seed 7); medians of {runs} runs",
        "(explain: 3x as many). Ratio = Signoff time / git time in the same run.",
        "",
        *table_lines(rows),
    ]
    lines.append("")
    text = "\n".join(lines)
    results = HERE / "RESULTS.md"
    old = results.read_text() if results.exists() else ""
    real = old[old.index(REAL_SECTION) :] if REAL_SECTION in old else ""
    results.write_text(text + ("\n" + real if real else ""))  # keep bench/real.py's section
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--only", choices=["history", "explain", "hook", "check", "audit"], default=None
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not shutil.which("git"):
        raise SystemExit("git is required")
    repo = generate(HERE / "work" / f"repo-{args.commits}", args.commits)
    rows: list[dict[str, object]] = []
    if args.only in (None, "history"):
        rows += bench_history(repo, args.runs)
    if args.only in (None, "explain"):
        sh([*SIGNOFF, "index"], repo)()
        rows += bench_explain(repo, args.runs)
    if args.only in (None, "hook"):
        rows += bench_hook(args.runs)
    if args.only in (None, "check"):
        rows += bench_check(args.runs)
    if args.only in (None, "audit"):
        rows += bench_audit()
    if args.json:
        print(json.dumps(rows, indent=2))
    print(write_results(rows, args.commits, args.runs))


if __name__ == "__main__":
    main()
