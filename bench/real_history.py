"""Index build on real histories, against git's own walk over the same commits, in one run.

`python bench/real_history.py [--runs 3] REPO...` runs, in each repository (a clone or a bare
copy; never one you mind being indexed), a cold `signoff index --rebuild` and the bare
`git log --numstat` over the same commits (every branch and HEAD), alternating, and prints one
Markdown row per repository: medians, the ratio, and how many commits came out without line
counts. When git itself cannot finish the walk (objects missing), the row says so and the
ratio is against the part git managed; for a fair ratio on such a history, give the missing
blobs stand-ins first (`git update-ref refs/replace/<missing> <empty blob>` in a copy).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

_SCRIPT = Path(sys.executable).with_name("signoff")
SIGNOFF = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "signoff"]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


CPU: dict[str, list[float]] = {}  # CPU seconds (user + sys, with children) per command name
LOADS: list[float] = []  # the 1-minute load average before and after every timed command


def _timed(args: list[str], cwd: Path) -> tuple[float, int, str]:
    # git's output goes to /dev/null, the cheapest place: the baseline is never slowed by us
    stdout = subprocess.DEVNULL if args[0] == "git" else subprocess.PIPE
    LOADS.append(os.getloadavg()[0])
    cpu = _cpu()
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    CPU.setdefault(args[0], []).append(_cpu() - cpu)
    LOADS.append(os.getloadavg()[0])
    out = proc.stdout.decode("utf-8", "replace") if proc.stdout else ""
    err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return seconds, proc.returncode, out or (err[-1] if err else "")


def bench(repo: Path, runs: int) -> dict[str, object]:
    count = subprocess.run(
        ["git", "rev-list", "--count", "--branches", "HEAD"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    CPU.clear()
    LOADS.clear()
    git_samples, index_samples = [], []
    git_note = ""
    doc: dict[str, object] = {}
    for _ in range(runs):
        seconds, code, err = _timed(["git", "log", "--numstat", "--branches", "HEAD"], repo)
        git_samples.append(seconds)
        if code != 0:
            git_note = f"git log --numstat fails: {err}"
        seconds, code, out = _timed([*SIGNOFF, "index", "--rebuild", "--json"], repo)
        if code != 0:
            raise SystemExit(f"signoff index failed in {repo}: {out}")
        index_samples.append(seconds)
        doc = json.loads(out)
    git_s = statistics.median(git_samples)
    index_s = statistics.median(index_samples)
    git_cpu = statistics.median(CPU["git"])
    index_cpu = statistics.median([x for k, xs in CPU.items() if k != "git" for x in xs])
    return {
        "git_cpu": round(git_cpu, 1),
        "index_cpu": round(index_cpu, 1),
        "cpu_ratio": round(index_cpu / git_cpu, 2),
        "load": f"{min(LOADS):.1f}-{max(LOADS):.1f}",
        "repo": repo.name,
        "commits": int(count),
        "git_seconds": round(git_s, 2),
        "index_seconds": round(index_s, 2),
        "ratio": round(index_s / git_s, 2),
        "without_counts": doc.get("commits_without_line_counts"),
        "reasons": list(doc.get("line_counts_missing_reasons") or {}),
        "note": git_note,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    ns = parser.parse_args()
    print(
        "| history | commits | git log --numstat | signoff index --rebuild | ratio "
        "| CPU: git / signoff (ratio) | load average | commits without line counts | note |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |")
    for repo in ns.repos:
        row = bench(repo.resolve(), ns.runs)
        print(
            f"| {row['repo']} | {row['commits']} | {row['git_seconds']} s "
            f"| {row['index_seconds']} s | {row['ratio']}x "
            f"| {row['git_cpu']} s / {row['index_cpu']} s ({row['cpu_ratio']}x) | {row['load']} "
            f"| {row['without_counts']} "
            f"| {row['note']} {'; '.join(str(r) for r in row['reasons'])} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
