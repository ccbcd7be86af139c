"""Time and peak memory of `signoff check` over a change that adds one very large file.

`python bench/large_check.py [--mb 55] [--runs 3]` builds (once) a repository whose last commit,
AI-assisted, adds a generated file of about `--mb` MB (80-character lines) beside a small one,
then measures `signoff check --base HEAD~1 --json` (wall time and peak resident memory of the
one process, `os.wait4`) next to `git diff -U0` over the same range, in the same run; medians
of `--runs`. The gate reads the diff as a stream and keeps no line text past a per-file cap, so
its peak should not grow with the file.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import fresh_repo  # noqa: E402

_SCRIPT = Path(sys.executable).with_name("signoff")
SIGNOFF = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "signoff"]
ROW = "x = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'\n"
POLICY = (
    "schema: signoff/policy/v1\n"
    "people:\n  - {id: ada, name: Ada Lovelace, emails: [ada@example.com]}\n"
    "workflows:\n  - id: data\n    description: data\n    paths: [/data/]\n    tier: moderate\n"
    "    accountable: ada\n"
)


def _git(path: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)


def generate(path: Path, mb: int) -> Path:
    if not fresh_repo(path, f"large:{mb}"):
        return path
    _git(path, "config", "user.name", "Dev")
    _git(path, "config", "user.email", "dev@example.com")
    (path / "signoff.yaml").write_text(POLICY)
    (path / "a.py").write_text("a = 1\n")
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "base")
    (path / "data").mkdir()
    with open(path / "data" / "gen.py", "w") as fh:
        for n in range(mb * 1_000_000 // len(ROW)):
            fh.write(f"{ROW[:-12]}{n:010d}'\n")
    (path / "data" / "small.py").write_text("b = 2\n")
    _git(path, "add", "-A")
    _git(
        path,
        "commit",
        "-q",
        "-m",
        "generated\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>",
    )
    (path / ".generated").write_text(f"large:{mb}")
    return path


def measure(args: list[str], cwd: Path) -> tuple[float, float]:
    """Seconds and peak resident memory (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: the gate blocked, an answer
        raise SystemExit(f"{' '.join(args)} exited {code} in {cwd}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=55)
    parser.add_argument("--runs", type=int, default=3)
    ns = parser.parse_args()
    path = generate(HERE / "work" / f"large-{ns.mb}", ns.mb)
    git_runs, check_runs = [], []
    for _ in range(ns.runs):
        git_runs.append(measure(["git", "diff", "-U0", "HEAD~1", "HEAD"], path))
        check_runs.append(measure([*SIGNOFF, "check", "--base", "HEAD~1", "--json"], path))
    g = statistics.median(t for t, _ in git_runs)
    g_rss = statistics.median(m for _, m in git_runs)
    c = statistics.median(t for t, _ in check_runs)
    rss = statistics.median(m for _, m in check_runs)
    # ru_maxrss of a waited-for process covers its children: the gate's figure includes the
    # git diff it runs, so git's own peak is printed beside it
    print(
        f"{ns.mb} MB added file: git diff -U0 {g:.2f} s, peak RSS {g_rss:.0f} MiB; signoff check "
        f"{c:.2f} s ({c / g:.1f}x), peak RSS {rss:.0f} MiB with its git children "
        f"(medians of {ns.runs})"
    )


if __name__ == "__main__":
    main()
