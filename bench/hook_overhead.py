"""What Signoff's commit hooks add to a `git commit`, measured against plain git on this machine.

Two scratch repositories, one plain and one set up by `signoff init`, get the same small commits
in alternation (so both see the same machine load). Each round commits N times into each; the
figure per round is the median, and the result is the median of the round medians. Commits run
both as a human (hooks decide there is nothing to record) and as an agent (`CLAUDECODE=1`: trailers
added, note written). With `--baseline SRC` a third repository gets the hooks of another
checkout's `src` (say the main branch's), and its agent commits alternate with the others: a
before/after comparison under the same load.
`python bench/hook_overhead.py [N] [--rounds R] [--baseline SRC]`; `run(n)` returns the dict.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

AGENT_VARS = (
    "CLAUDECODE",
    "SIGNOFF_AI",
    "AI_AGENT",
    "CODEX_THREAD_ID",
    "CURSOR_AGENT",
    "GEMINI_CLI",
)


def _env(home: Path) -> dict[str, str]:
    cfg = home / "gitconfig"
    cfg.write_text("[user]\n\tname = Bench User\n\temail = bench@example.com\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k not in AGENT_VARS}
    env.update({"HOME": str(home), "GIT_CONFIG_GLOBAL": str(cfg), "GIT_CONFIG_NOSYSTEM": "1"})
    return env


def _repo(path: Path, env: dict[str, str], *, hooked: bool, source: Path | None = None) -> Path:
    """A one-file repository; `hooked`: with Signoff's hooks, of `source` (a `src` folder)
    when given, else of this checkout."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=env)
    (path / "f.txt").write_text("0\n")
    subprocess.run(["git", "add", "-A"], cwd=path, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "base"], cwd=path, check=True, env=env)
    if hooked:
        code = (
            "import sys; from pathlib import Path; from signoff.git.repo import Repo; "
            "from signoff.recording.install import install; install(Repo(Path(sys.argv[1])))"
        )
        subprocess.run(
            [sys.executable, "-c", code, str(path)],
            check=True,
            env={**env, "PYTHONPATH": str(source or HERE.parent / "src")},
        )
    return path


def _commit_times(
    path: Path, env: dict[str, str], n: int, tag: str, cpu: list[float] | None = None
) -> list[float]:
    """Wall-clock seconds of n commits; their CPU seconds (all processes) go to `cpu`."""
    times = []
    for i in range(n):
        with (path / "f.txt").open("a") as fh:
            fh.write(f"{tag} {i}\n")
        subprocess.run(["git", "add", "f.txt"], cwd=path, check=True, env=env)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(["git", "commit", "-q", "-m", f"{tag} {i}"], cwd=path, check=True, env=env)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if cpu is not None:
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return times


def run(n: int = 20, rounds: int = 5, baseline: Path | None = None) -> dict[str, object]:
    """Median ms of a plain commit, a hooked human commit and a hooked agent commit (and an
    agent commit with the baseline's hooks, when given)."""
    load_before = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="signoff-hook-bench-") as tmp:
        root = Path(tmp)
        env = _env(root)
        agent_env = {**env, "CLAUDECODE": "1"}
        plain = _repo(root / "plain", env, hooked=False)
        hooked = _repo(root / "hooked", env, hooked=True)
        kinds = [("plain", plain, env), ("human", hooked, env), ("agent", hooked, agent_env)]
        if baseline is not None:
            base = _repo(root / "base", env, hooked=True, source=baseline)
            kinds.append(("baseline_agent", base, agent_env))
        for _, where, kind_env in kinds:
            _commit_times(where, kind_env, 3, "warm")  # page cache, .pyc files
        medians: dict[str, list[float]] = {k: [] for k, _, _ in kinds}
        cpu: dict[str, list[float]] = {k: [] for k, _, _ in kinds}
        for r in range(rounds):
            for kind, where, kind_env in kinds:
                times = _commit_times(where, kind_env, n, f"{kind}{r}", cpu[kind])
                medians[kind].append(statistics.median(times))
        notes = subprocess.run(
            ["git", "notes", "--ref=signoff", "list"], cwd=hooked, capture_output=True, env=env
        ).stdout.count(b"\n")
    ms = {k: statistics.median(v) * 1000 for k, v in medians.items()}
    plain_ms, human_ms, agent_ms = ms["plain"], ms["human"], ms["agent"]
    out: dict[str, object] = {
        "commits_per_round": n,
        "rounds": rounds,
        "plain_ms": round(plain_ms, 1),
        "hooked_ms": round(agent_ms, 1),
        "hooked_human_ms": round(human_ms, 1),
        "overhead_ms": round(agent_ms - plain_ms, 1),
        "overhead_human_ms": round(human_ms - plain_ms, 1),
        "ratio": round(agent_ms / plain_ms, 2) if plain_ms else None,
        "ratio_human": round(human_ms / plain_ms, 2) if plain_ms else None,
        "round_medians_ms": {k: [round(v * 1000, 1) for v in vs] for k, vs in medians.items()},
        # CPU time of git and the hooks per commit: what the hooks cost regardless of machine load
        "cpu_ms": {k: round(statistics.median(vs) * 1000, 1) for k, vs in cpu.items()},
        "load_average": round(os.getloadavg()[0], 2),
        "load_average_before": load_before,
        "notes_written": notes,
        "target": "overhead < 80 ms",
    }
    if baseline is not None:
        out["baseline"] = str(baseline)
        out["baseline_overhead_ms"] = round(ms["baseline_agent"] - plain_ms, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", nargs="?", type=int, default=20, help="commits per round and kind")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another checkout's src folder to compare")
    args = parser.parse_args()
    result = run(args.n, args.rounds, args.baseline)
    print(json.dumps(result, indent=2))
    print(
        f"plain git commit {result['plain_ms']} ms; with Signoff hooks: agent commit "
        f"{result['hooked_ms']} ms (+{result['overhead_ms']} ms, {result['ratio']}x), "
        f"human commit {result['hooked_human_ms']} ms (+{result['overhead_human_ms']} ms); "
        f"CPU per commit {result['cpu_ms']}; load average {result['load_average']}"
    )


if __name__ == "__main__":
    main()
