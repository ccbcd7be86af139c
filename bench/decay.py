"""`signoff decay` cold and warm against git's own blame of the same files, in one run.

    .venv/bin/python bench/decay.py /tmp/beads --runs 3 [--agreement]

The repository needs a work tree and a signoff.yaml (decay reads the policy); point it at a copy
(Signoff writes its index and blame cache under the git directory, and a cold run removes git's
commit-graph so that decay writes it again, as on a fresh clone). Each round times, one after
the other: git's `blame --porcelain -M -w HEAD` of every file decay blames (the default method),
and `-M -C -w` of the same files (the previous method, and `--copies`), as many at once as there
are cores (the floor for a cold decay: it is the same work), then a cold decay (blame cache and
commit-graph removed), and with `--compare SRC` a cold decay by the Signoff whose sources are in SRC
(say a checkout of the previous release: `PYTHONPATH=SRC`), in a second copy of the
repository given with `--compare-in` when the two versions' indexes differ. Warm decays follow. Figures are
medians; wall and CPU time (user + sys of the process and its git children) are both given,
with the load average before and after each figure: on a shared machine compare ratios and CPU
time, not wall seconds.

`--agreement` then runs `decay --copies` (git blame -M -C -w of every file at HEAD, the full
answer) and compares: the share of lines whose origin commit is the same in both blames (read
from the two blame caches), and the decay answer itself (decayed lines per measure, in total and
file by file).
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

_SCRIPT = Path(sys.executable).with_name("signoff")
SIGNOFF = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "signoff"]


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float  # user + sys of the children (git, signoff) while it ran
    load: str  # load average before-after


def _measure(fn: Callable[[], object]) -> Sample:
    before, cpu, start = _load(), _children_cpu(), time.perf_counter()
    fn()
    return Sample(time.perf_counter() - start, _children_cpu() - cpu, f"{before}-{_load()}")


def files_decay_blames(repo: Path) -> list[str]:
    """The files decay would blame (every file at HEAD an AI-assisted commit touched)."""
    code = (
        "import sys; from signoff.git import Repo; from signoff.incidents.decay import "
        "ai_touched_files; print('\\n'.join(ai_touched_files(Repo.discover(sys.argv[1]))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(repo)], capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


def git_blames(repo: Path, files: list[str], options: list[str]) -> None:
    def one(path: str) -> None:
        subprocess.run(
            ["git", "blame", "--porcelain", *options, "HEAD", "--", path],
            cwd=repo,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        list(pool.map(one, files))


def _git_dir(repo: Path) -> Path:
    out = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


def decay(
    repo: Path, *, cold: bool, src: str | None = None, args: tuple[str, ...] = ()
) -> dict[str, Any]:
    if cold:
        git_dir = _git_dir(repo)
        Path(git_dir, "signoff", "blame.sqlite").unlink(missing_ok=True)
        Path(git_dir, "objects", "info", "commit-graph").unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=src) if src else None
    command = [sys.executable, "-m", "signoff"] if src else SIGNOFF
    proc = subprocess.run(
        [*command, "decay", "--json", "--limit", "1000000", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"signoff decay failed: {proc.stderr.strip()[-500:]}")
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


MEASURES = ("decayed_ai_attributed_lines", "decayed_ai_assisted_unrecorded_lines")


def agreement(repo: Path, moves: dict[str, Any], copies: dict[str, Any]) -> dict[str, Any]:
    """How far the default answer (blame -M -w) is from the full one (-M -C -w of every file)."""
    import sqlite3

    def runs(options: str) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = {}
        with sqlite3.connect(_git_dir(repo) / "signoff" / "blame.sqlite") as conn:
            rows = conn.execute("SELECT blob, path, lines FROM blame WHERE options = ?", (options,))
            for blob, path, data in rows:
                out[(blob, path)] = [c for c, _o, n, _p, _b in json.loads(data) for _ in range(n)]
        return out

    a, b = runs("2 -M -w"), runs("2 -M -C -w")
    same = total = 0
    for key, lines in a.items():
        if key in b and len(b[key]) == len(lines):
            total += len(lines)
            same += sum(x == y for x, y in zip(lines, b[key], strict=True))
    out: dict[str, Any] = {
        "lines_compared": total,
        "same_origin_commit": round(same / total, 4) if total else None,
    }
    per_file = {m: [0, 0] for m in MEASURES}  # sum of |difference| per file, full answer's total
    files_a = {f["path"]: f for f in moves["files"]}
    files_b = {f["path"]: f for f in copies["files"]}
    for path in files_a.keys() | files_b.keys():
        for m in MEASURES:
            x = files_a.get(path, {}).get(m, 0)
            y = files_b.get(path, {}).get(m, 0)
            per_file[m][0] += abs(x - y)
            per_file[m][1] += y
    for m in MEASURES:
        out[m] = {
            "moves": moves["totals"][m],
            "copies": copies["totals"][m],
            "file_by_file_difference": per_file[m][0],
        }
    return out


def _median(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        ", ".join(s.load for s in samples),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("repo", type=Path)
    parser.add_argument("--rounds", type=int, default=1, help="cold rounds (each is long)")
    parser.add_argument("--runs", type=int, default=3, help="warm runs")
    parser.add_argument("--compare", default=None, help="sources of another Signoff to time too")
    parser.add_argument(
        "--compare-in",
        type=Path,
        default=None,
        help="a second copy of the repository for --compare (each version keeps its own index)",
    )
    parser.add_argument("--agreement", action="store_true", help="compare with decay --copies")
    parser.add_argument("--json", action="store_true")
    ns = parser.parse_args()
    repo = ns.repo.resolve()
    other = (ns.compare_in or ns.repo).resolve()
    decay(repo, cold=False)  # the indexes are built before anything is timed
    if ns.compare:
        decay(other, cold=False, src=ns.compare)
    files = files_decay_blames(repo)
    samples: dict[str, list[Sample]] = {"git": [], "git-C": [], "cold": [], "compare": []}
    for _ in range(ns.rounds):
        samples["git"].append(_measure(lambda: git_blames(repo, files, ["-M", "-w"])))
        samples["git-C"].append(_measure(lambda: git_blames(repo, files, ["-M", "-C", "-w"])))
        if ns.compare:
            samples["compare"].append(_measure(lambda: decay(other, cold=True, src=ns.compare)))
        samples["cold"].append(_measure(lambda: decay(repo, cold=True)))
    warm = [_measure(lambda: decay(repo, cold=False)) for _ in range(ns.runs)]
    git = _median(samples["git"])
    rows = [("git blame -M -w of the same files, cores in parallel", git)]
    rows.append(
        ("git blame -M -C -w of the same files, cores in parallel", _median(samples["git-C"]))
    )
    if ns.compare:
        rows.append(("decay, cold, compared Signoff", _median(samples["compare"])))
    rows += [("decay, cold (no blame cache)", _median(samples["cold"]))]
    rows += [("decay, warm (blame cache)", _median(warm))]
    agreed = None
    if ns.agreement:
        import sqlite3

        moves = decay(repo, cold=False)
        with sqlite3.connect(_git_dir(repo) / "signoff" / "blame.sqlite") as conn:
            conn.execute("DELETE FROM blame WHERE options = '2 -M -C -w'")  # --copies cold
        copies: dict[str, Any] = {}
        timed = _measure(lambda: copies.update(decay(repo, cold=False, args=("--copies",))))
        rows.append(("decay --copies, cold (every file at HEAD, -M -C -w)", timed))
        agreed = agreement(repo, moves, copies)
    if ns.json:
        doc = {"files": len(files), "rows": {k: asdict(v) for k, v in rows}, "agreement": agreed}
        print(json.dumps(doc, indent=2))
        return
    print(f"{repo.name}: {len(files)} files blamed; {os.cpu_count()} cores")
    print("| measure | wall | CPU (user+sys) | wall / git | CPU / git | load average |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, row in rows:
        print(
            f"| {name} | {row.wall:.1f} s | {row.cpu:.1f} s | {row.wall / git.wall:.2f}x "
            f"| {row.cpu / git.cpu:.2f}x | {row.load} |"
        )
    if agreed is not None:
        print(json.dumps(agreed, indent=2))


if __name__ == "__main__":
    main()
