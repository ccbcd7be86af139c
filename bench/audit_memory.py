"""Peak memory of `signoff audit --out` over 10,000, 100,000 and 300,000 changes.

The repositories are bench/audit.py's (bench/generate.py's history with a `signoff.yaml` in
the first commit), indexed first so the audit reads a warm index. Each audit runs in its own
process; its peak resident memory is read from `wait4` (the largest of the process and the git
processes it ran). Measured the same way, as floors: git's own `log --numstat` walk of the
branch (any tool that reads the history), and the `rev-list --first-parent --since --until`
the audit itself runs to check its population against git's count.
With `--attest`, the audit also signs one in-toto statement per change into the pack.
Run with `.venv/bin/python bench/audit_memory.py [--commits 10000 100000 300000] [--attest]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from audit import with_policy  # noqa: E402
from generate import generate  # noqa: E402
from notes_memory import SIGNOFF, peak_rss  # noqa: E402


def measure(commits: int, attest: bool = False) -> dict[str, float]:
    """Seconds and peak MiB of the index build, the audit with its pack, and git's walk."""
    path = with_policy(generate(HERE / "work" / f"repo-{commits}", commits), commits)
    index_s, index_mib = peak_rss([*SIGNOFF, "index"], path)
    with tempfile.TemporaryDirectory() as tmp:
        audit = [*SIGNOFF, "audit", "--since", "2000-01-01", "--until", "2099-12-31"]
        if attest:
            keys = Path(tmp) / "keys"
            peak_rss([*SIGNOFF, "keygen", "--out", str(keys)], path)
            audit += ["--attest", "--attest-key", str(keys / "signoff-attest.key")]
        audit_s, audit_mib = peak_rss([*audit, "--out", str(Path(tmp) / "pack")], path)
    git_s, git_mib = peak_rss(["git", "log", "--numstat", "--format=%H", "main"], path)
    count = ["git", "rev-list", "--first-parent", "--since=@946684800", "--until=@4102444799"]
    _, count_mib = peak_rss([*count, "main"], path)
    return {
        "commits": commits,
        "index_seconds": round(index_s, 1),
        "index_mib": round(index_mib),
        "audit_seconds": round(audit_s, 1),
        "audit_mib": round(audit_mib),
        "git_seconds": round(git_s, 1),
        "git_mib": round(git_mib),
        "count_mib": round(count_mib),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--attest", action="store_true", help="sign every change too")
    ns = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print(
        f"| changes | audit --out{' --attest' if ns.attest else ''} | peak RSS | git log --numstat peak RSS "
        "| git rev-list --first-parent peak RSS |"
    )
    print("| --- | --- | --- | --- | --- |")
    for commits in ns.commits:
        m = measure(commits, ns.attest)
        print(
            f"| {commits:,} | {m['audit_seconds']} s | {m['audit_mib']} MiB | {m['git_mib']} MiB "
            f"| {m['count_mib']} MiB |",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
