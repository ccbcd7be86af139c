"""What line capture adds to a `git commit`: a 20-file agent commit with checkpoints, against a
plain `git commit` of the same edits on this machine, in the same run.

Scratch repositories, one plain and one set up by `signoff init`, each with 20 files of 300
lines. Per commit, an agent edits every file in three places; in the hooked repository each edit
is recorded the way `signoff checkpoint` records it (a `pre` and a `post` record with blob ids)
before the timed `git commit` runs as the agent (`CLAUDECODE=1`), so the hooks write trailers,
attribute every line and write the note. The repositories alternate, so all see the same load.
Also timed in the hooked repository: the same agent commit made with `git commit --no-verify`
(commit-msg skipped: post-commit attributes in Python, the fallback path) and a human commit
(working log present, no checkpoint for its file). With `--baseline SRC` a further repository
gets the hooks of another checkout's `src` (say the main branch's) and is timed alternately
with the others: a before/after comparison under the same load.

Each commit's wall time and CPU time (user + sys of git and every hook process it waits for:
what load inflates least) are kept; the figure per round is the median commit, the result the
median of the rounds, with the load average before and after.

It also measures the two ways to diff a 5,000-line file between snapshots: Python's
`difflib.SequenceMatcher` on lines after cutting the common head and tail and splitting at
unique common lines (what `recording/attribute.py` does; also on a code-like file whose `}` and
blank lines repeat) and one `git diff` of two blob ids (a git process per pair).

`python bench/commit_hook.py [--commits N] [--rounds R] [--files F] [--baseline SRC]`;
`run()` returns the dict.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from hook_overhead import _env  # noqa: E402

LINES = 300


def _git(path: Path, env: dict[str, str], *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", *args], cwd=path, env=env, input=stdin, check=True, capture_output=True
    ).stdout


def _repo(
    path: Path, env: dict[str, str], files: int, *, hooked: bool, source: Path | None = None
) -> Path:
    """A repository of `files` files; `hooked`: with Signoff's hooks, of `source` (a `src`
    folder) when given, else of this checkout."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=env)
    for i in range(files):
        (path / f"src/m{i}.py").parent.mkdir(exist_ok=True)
        (path / f"src/m{i}.py").write_text("".join(f"v{i}_{n} = {n}\n" for n in range(LINES)))
    _git(path, env, "add", "-A")
    _git(path, env, "commit", "-q", "-m", "base")
    if hooked:
        code = (
            "import sys; from signoff.git.repo import Repo; "
            "from pathlib import Path; from signoff.recording.install import install; "
            "install(Repo(Path(sys.argv[1])))"
        )
        src = source or HERE.parent / "src"
        subprocess.run(
            [sys.executable, "-c", code, str(path)],
            check=True,
            env={**env, "PYTHONPATH": str(src)},
        )
    return path


def _edit(path: Path, files: int, tag: str, rng: random.Random) -> list[str]:
    """Three edits (replace, insert, append) in each file; returns the paths."""
    names = []
    for i in range(files):
        name = f"src/m{i}.py"
        target = path / name
        lines = target.read_text().splitlines(keepends=True)
        at = rng.randrange(len(lines))
        lines[at] = f"changed_{tag} = {at}\n"
        lines.insert(rng.randrange(len(lines)), f"inserted_{tag} = 1\n")
        lines.append(f"appended_{tag} = 2\n")
        target.write_text("".join(lines))
        names.append(name)
    return names


def _agent_round(path: Path, env: dict[str, str], files: int, tag: str, seed: int) -> None:
    """The agent's edits with checkpoints (outside the timed commit)."""
    from signoff.recording import worklog

    names = [f"src/m{i}.py" for i in range(files)]
    gitdir = str(path / ".git")

    def snapshot(event: str) -> None:
        blobs = _git(
            path, env, "hash-object", "-w", "--stdin-paths", stdin="\n".join(names).encode()
        )
        worklog.append(
            gitdir,
            [
                worklog.make_record(
                    event, name, blob, agent="claude-code", model="claude-opus-4-5", session="b1"
                )
                for name, blob in zip(names, blobs.decode().split(), strict=True)
            ],
        )

    snapshot("pre")
    _edit(path, files, tag, random.Random(seed))
    snapshot("post")


def _timed_commit(
    path: Path,
    env: dict[str, str],
    message: str,
    cpu: list[float] | None = None,
    *options: str,
) -> float:
    """Wall-clock seconds of one commit; its CPU seconds (git and the hooks) go to `cpu`."""
    _git(path, env, "add", "-A")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    _git(path, env, "commit", "-q", *options, "-m", message)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return took


def diff_methods(lines: int = 5000, edits: int = 50, runs: int = 9) -> dict[str, float]:
    """Median ms to diff a `lines`-line file with `edits` scattered edits: difflib (as
    attribute.py runs it) and `git diff` of two blob ids (one git process per pair)."""
    from signoff.recording.attribute import opcodes

    rng = random.Random(5)
    a = [f"    value_{n} = compute({n}, {rng.random():.6f})" for n in range(lines)]
    b = list(a)
    for k in range(edits):
        b[rng.randrange(len(b))] = f"    edited_{k} = 0"
    # code-like: a quarter of the lines are `}` or blank, which defeats difflib alone
    code = [("}", "", f"fn f{n}() {{", f"    call({n});")[n % 4] for n in range(lines)]
    code_b = list(code)
    for k in range(edits):
        code_b.insert(rng.randrange(len(code_b)), f"    // edit {k}")
    with tempfile.TemporaryDirectory(prefix="signoff-diff-bench-") as tmp:
        root = Path(tmp)
        env = _env(root)
        subprocess.run(["git", "init", "-q", str(root / "r")], check=True, env=env)
        repo = root / "r"
        blob_a = _git(repo, env, "hash-object", "-w", "--stdin", stdin="\n".join(a).encode())
        blob_b = _git(repo, env, "hash-object", "-w", "--stdin", stdin="\n".join(b).encode())
        python, gitdiff, local, repeated = [], [], [], []
        for _ in range(runs):
            start = time.perf_counter()
            opcodes(a, b)
            python.append(time.perf_counter() - start)
            start = time.perf_counter()
            _git(repo, env, "diff", "-U0", blob_a.decode().strip(), blob_b.decode().strip())
            gitdiff.append(time.perf_counter() - start)
            c = list(a)
            c[lines // 2] = "one local edit"
            start = time.perf_counter()
            opcodes(a, c)
            local.append(time.perf_counter() - start)
            start = time.perf_counter()
            opcodes(code, code_b)
            repeated.append(time.perf_counter() - start)
    return {
        "difflib_ms": round(statistics.median(python) * 1000, 2),
        "difflib_one_edit_ms": round(statistics.median(local) * 1000, 2),
        "code_like_ms": round(statistics.median(repeated) * 1000, 2),
        "git_diff_ms": round(statistics.median(gitdiff) * 1000, 2),
    }


def run(
    commits: int = 5, rounds: int = 5, files: int = 20, baseline: Path | None = None
) -> dict[str, object]:
    """Median ms of a plain commit, an agent commit with line capture (also with --no-verify,
    and with the baseline's hooks when given), and a human commit."""
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="signoff-commit-bench-") as tmp:
        root = Path(tmp)
        env = _env(root)
        agent_env = {**env, "CLAUDECODE": "1", "CLAUDE_CODE_SESSION_ID": "b1"}
        plain = _repo(root / "plain", env, files, hooked=False)
        hooked = _repo(root / "hooked", env, files, hooked=True)
        fallback = _repo(root / "fallback", env, files, hooked=True)
        base = _repo(root / "base", env, files, hooked=True, source=baseline) if baseline else None
        kinds = ["plain", "agent", "agent_no_verify", "human"] + (
            ["baseline_agent"] if base else []
        )
        medians: dict[str, list[float]] = {k: [] for k in kinds}
        cpu: dict[str, list[float]] = {k: [] for k in kinds}
        seed = 0
        for r in range(rounds + 1):  # the first round warms caches and is not counted
            times: dict[str, list[float]] = {k: [] for k in kinds}
            used: dict[str, list[float]] | None = cpu if r else None
            for c in range(commits):
                seed += 1
                tag = f"r{r}c{c}"
                _edit(plain, files, tag, random.Random(seed))
                times["plain"].append(_timed_commit(plain, env, tag, used and used["plain"]))
                _agent_round(hooked, env, files, tag, seed)
                times["agent"].append(_timed_commit(hooked, agent_env, tag, used and used["agent"]))
                _agent_round(fallback, env, files, tag, seed)
                times["agent_no_verify"].append(
                    _timed_commit(
                        fallback, agent_env, tag, used and used["agent_no_verify"], "--no-verify"
                    )
                )
                if base is not None:
                    _agent_round(base, env, files, tag, seed)
                    times["baseline_agent"].append(
                        _timed_commit(base, agent_env, tag, used and used["baseline_agent"])
                    )
                (hooked / "notes.txt").write_text(f"{tag}\n")
                times["human"].append(
                    _timed_commit(hooked, env, f"human {tag}", used and used["human"])
                )
            if r:
                for k, v in times.items():
                    medians[k].append(statistics.median(v))
        note = _git(hooked, env, "notes", "--ref=signoff", "show", "HEAD~1").decode()
        doc = json.loads(note.splitlines()[0])
        lines_recorded = sum(s["end"] - s["start"] + 1 for f in doc["files"].values() for s in f)
        fallback_note = _git(fallback, env, "notes", "--ref=signoff", "show", "HEAD").decode()
        fallback_doc = json.loads(fallback_note.splitlines()[0])
        same = doc["files"] == fallback_doc["files"]
    ms = {k: statistics.median(v) * 1000 for k, v in medians.items()}
    cpu_ms = {k: statistics.median(vs) * 1000 for k, vs in cpu.items()}
    out: dict[str, object] = {
        "files": files,
        "commits_per_round": commits,
        "rounds": rounds,
        "plain_ms": round(ms["plain"], 1),
        "agent_ms": round(ms["agent"], 1),
        "agent_no_verify_ms": round(ms["agent_no_verify"], 1),
        "human_ms": round(ms["human"], 1),
        "overhead_ms": round(ms["agent"] - ms["plain"], 1),
        "overhead_no_verify_ms": round(ms["agent_no_verify"] - ms["plain"], 1),
        "overhead_human_ms": round(ms["human"] - ms["plain"], 1),
        "ratio": round(ms["agent"] / ms["plain"], 2) if ms["plain"] else None,
        "lines_recorded_last_commit": lines_recorded,
        "line_record_complete": doc["line_record"]["complete"],
        "attribution_ms_last_commit": doc["line_record"].get("elapsed_ms"),
        "no_verify_ranges_match_last_round": same,
        # CPU time of git and the hooks per commit: what the hooks cost whatever the machine's load
        "cpu_ms": {k: round(v, 1) for k, v in cpu_ms.items()},
        "cpu_overhead_ms": round(cpu_ms["agent"] - cpu_ms["plain"], 1),
        "round_medians_ms": {k: [round(v * 1000, 1) for v in vs] for k, vs in medians.items()},
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "target": "overhead < 80 ms",
    }
    if base is not None:
        out["baseline"] = str(baseline)
        out["baseline_agent_ms"] = round(ms["baseline_agent"], 1)
        out["baseline_overhead_ms"] = round(ms["baseline_agent"] - ms["plain"], 1)
        out["baseline_cpu_overhead_ms"] = round(cpu_ms["baseline_agent"] - cpu_ms["plain"], 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--baseline", type=Path, help="another checkout's src folder to compare")
    parser.add_argument("--diff", action="store_true", help="also time the 5,000-line diffs")
    args = parser.parse_args()
    result = run(args.commits, args.rounds, args.files, args.baseline)
    if args.diff:
        result["diff_5000_lines"] = diff_methods()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
