"""Peak memory of `signoff audit --out` over 25,000, 50,000 and 100,000 changes.

The repositories are bench/audit.py's (bench/generate.py's history with a `signoff.yaml` in
the first commit), indexed first so the audit reads a warm index. Each audit runs in its own
process; its peak resident memory is read from `wait4`, and git's own `log --numstat` walk of
the same branch is measured the same way as the floor of any tool that reads the history.
Run with `.venv/bin/python bench/audit_memory.py [--commits 25000 50000 100000]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from audit import with_policy  # noqa: E402
from generate import generate  # noqa: E402
from notes_memory import SIGNOFF, peak_rss  # noqa: E402


def measure(commits: int) -> dict[str, float]:
    """Seconds and peak MiB of the index build, the audit with its pack, and git's walk."""
    path = with_policy(generate(HERE / "work" / f"repo-{commits}", commits), commits)
    index_s, index_mib = peak_rss([*SIGNOFF, "index"], path)
    with tempfile.TemporaryDirectory() as tmp:
        audit = [*SIGNOFF, "audit", "--since", "2000-01-01", "--until", "2099-12-31"]
        audit_s, audit_mib = peak_rss([*audit, "--out", str(Path(tmp) / "pack")], path)
    git_s, git_mib = peak_rss(["git", "log", "--numstat", "--format=%H", "main"], path)
    return {
        "commits": commits,
        "index_seconds": round(index_s, 1),
        "index_mib": round(index_mib),
        "audit_seconds": round(audit_s, 1),
        "audit_mib": round(audit_mib),
        "git_seconds": round(git_s, 1),
        "git_mib": round(git_mib),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, nargs="+", default=[25_000, 50_000, 100_000])
    ns = parser.parse_args()
    print("| changes | audit --out | peak RSS | git log --numstat peak RSS |")
    print("| --- | --- | --- | --- |")
    for commits in ns.commits:
        m = measure(commits)
        print(
            f"| {commits:,} | {m['audit_seconds']} s | {m['audit_mib']} MiB | {m['git_mib']} MiB |",
            flush=True,
        )


if __name__ == "__main__":
    main()
