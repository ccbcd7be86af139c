"""`signoff reattach` on a 200-commit pull request, against git's own reading of the same commits.

A scratch repository gets a feature branch of N commits (each inserts a block of lines into one of
20 files; each commit's line record marks its block, part `ai`, part `human`), while the base
branch moves on above the feature's lines. The pull request is then merged twice, as a forge
would: squashed into one commit, and rebased (one new commit per commit, no notes copied).
`reattach` maps the records onto each; the baseline is `git log -p` of the pull request's commits
(what reading them costs git alone). Medians of R runs, the notes ref reset between runs so each
run writes. `python bench/reattach.py [N] [--runs R]`; `run(n, runs)` returns the dict.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

FILES = 20


def _git(repo: Path, env: dict[str, str], *args: str, data: bytes | None = None) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=repo, env=env, input=data, capture_output=True, check=True
    )
    return proc.stdout.decode()


def build(root: Path, n: int) -> tuple[Path, dict[str, str], str, str, str]:
    """The repository, its environment, the PR head, the squash commit, the rebased tip."""
    from signoff.provenance.model import ToolUse
    from signoff.provenance.notes import build_note, range_hash

    home = root / "home"
    home.mkdir()
    cfg = home / "gitconfig"
    cfg.write_text("[user]\n\tname = Bench\n\temail = bench@example.com\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"HOME": str(home), "GIT_CONFIG_GLOBAL": str(cfg), "GIT_CONFIG_NOSYSTEM": "1"})
    repo = root / "repo"
    _git(root, env, "init", "-q", "-b", "main", str(repo))
    rng = random.Random(7)
    files = {
        f"src/m{i:02d}.py": [f"# module {i} line {j}" for j in range(40)] for i in range(FILES)
    }

    def write_all() -> None:
        for path, lines in files.items():
            (repo / path).parent.mkdir(parents=True, exist_ok=True)
            (repo / path).write_text("\n".join(lines) + "\n")

    write_all()
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "-m", "base")
    _git(repo, env, "checkout", "-q", "-b", "feature")
    tool = ToolUse("claude-code", "opus", "bench")
    for c in range(n):
        path = f"src/m{rng.randrange(FILES):02d}.py"
        lines = files[path]
        at = rng.randrange(len(lines) + 1)
        block = [
            f"    value_{c}_{k} = compute({c}, {k})  # step {c}" for k in range(rng.randint(5, 25))
        ]
        lines[at:at] = block
        write_all()
        _git(repo, env, "commit", "-q", "-a", "-m", f"step {c}")
        sha = _git(repo, env, "rev-parse", "HEAD").strip()
        start, end = at + 1, at + len(block)
        cut = start + (len(block) * 3) // 4
        spans = [(start, cut - 1, 0, "ai", range_hash(lines[start - 1 : cut - 1]))]
        spans.append((cut, end, None, "human", range_hash(lines[cut - 1 : end])))
        note = build_note(status="ai", tools=[tool], accepted_by=None, recorded_by="hook",
                          files={path: spans}, commit=sha)  # fmt: skip
        _git(repo, env, "notes", "--ref=refs/notes/signoff", "add", "-F", "-", sha, data=note)
    head = _git(repo, env, "rev-parse", "HEAD").strip()
    _git(repo, env, "checkout", "-q", "main")
    for i in range(0, FILES, 2):  # main moves on: new lines above everything
        path = repo / f"src/m{i:02d}.py"
        path.write_text("# header added on main\n" + path.read_text())
    _git(repo, env, "commit", "-q", "-a", "-m", "main moves")
    moved = _git(repo, env, "rev-parse", "HEAD").strip()
    _git(repo, env, "merge", "-q", "--squash", "feature")
    _git(repo, env, "commit", "-q", "-m", "feature (#1)")
    squash = _git(repo, env, "rev-parse", "HEAD").strip()
    _git(repo, env, "checkout", "-q", "-b", "rebased", moved)
    base = _git(repo, env, "merge-base", moved, head).strip()
    _git(repo, env, "cherry-pick", f"{base}..{head}")
    rebased = _git(repo, env, "rev-parse", "HEAD").strip()
    return repo, env, head, squash, rebased


def _median_time(fn: object, runs: int, reset: object = None) -> float:
    times = []
    for _ in range(runs):
        if callable(reset):
            reset()
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(n: int = 200, runs: int = 3) -> dict[str, object]:
    from signoff.git.repo import Repo
    from signoff.recording.reattach import reattach

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        repo, env, head, squash, rebased = build(Path(tmp), n)
        setup = time.perf_counter() - started
        notes = _git(repo, env, "rev-parse", "refs/notes/signoff").strip()

        def reset() -> None:
            _git(repo, env, "update-ref", "refs/notes/signoff", notes)

        r = Repo(repo)
        out: dict[str, object] = {"commits": n, "runs": runs, "setup_s": round(setup, 1)}
        base = _git(repo, env, "merge-base", squash, head).strip()
        git_s = _median_time(
            lambda: _git(repo, env, "log", "-p", "--reverse", head, f"^{base}"), runs
        )
        out["git_log_p_s"] = round(git_s, 3)
        for name, merged in (("squash", squash), ("rebase", rebased)):
            last: list[object] = []

            def once(merged: str = merged, last: list[object] = last) -> None:
                last[:] = [reattach(r, merged, head)]

            seconds = _median_time(once, runs, reset)
            result = last[0]
            written = [e for e in result.results if e["status"] == "written"]  # type: ignore[attr-defined]
            out[name] = {
                "seconds": round(seconds, 3),
                "vs_git_log_p": round(seconds / git_s, 1),
                "merged_commits": len(result.merged),  # type: ignore[attr-defined]
                "records_written": len(written),
                "lines_carried": sum(e["carried_lines"] for e in written),
                "lines_dropped": sum(e["dropped_lines"] for e in written),
            }
        reset()
        cli = [sys.executable, "-m", "signoff", "reattach", "--base", squash, "--head", head]
        out["cli_squash_s"] = round(
            _median_time(lambda: subprocess.run(cli, cwd=repo, env=env, check=True,
                                                capture_output=True), runs, reset), 3)  # fmt: skip
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commits", nargs="?", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(run(args.commits, args.runs), indent=2))


if __name__ == "__main__":
    main()
