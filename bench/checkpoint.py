"""How long `signoff checkpoint` holds up an agent's file edit, against `git hash-object` alone.

A scratch repository holds a 5,000-line file. Each round edits one line of it (as an agent would),
then runs, in alternation so all see the same machine load: the exact hook command
`signoff agent install claude-code` writes (through `sh -c`, as Claude Code runs it) for the `pre`
and the `post` event with Claude Code's documented payload, the console-script path
(`signoff checkpoint --agent NAME` with the generic protocol) and `git hash-object -w` on the same
file, the one git call a checkpoint makes, and a bare interpreter start (the floor). A second
scratch repository holds 5,000 files, three of them changed and not committed (a work tree in the
middle of a task): each round runs the Claude Code hook command for a `Bash` tool call's `pre`
(the work tree's snapshot), changes one file as `sed -i` would, then the `post` (the second
snapshot and the records), against `git status --porcelain=v2` alone. Prints p50/p95 of wall and
CPU milliseconds; the target is a wall p95 under 50 ms. CPU time (user and
system, all of a run's processes) is the cost on an idle machine; wall time also measures how busy
the machine is. `python bench/checkpoint.py [--runs N] [--lines L] [--files F]`;
`run(runs, lines, files)` returns the dict.
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

_SCRIPT = Path(sys.executable).with_name("signoff")
SIGNOFF = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "signoff"]


def _env(home: Path) -> dict[str, str]:
    cfg = home / "gitconfig"
    cfg.write_text("[user]\n\tname = Bench User\n\temail = bench@example.com\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"HOME": str(home), "GIT_CONFIG_GLOBAL": str(cfg), "GIT_CONFIG_NOSYSTEM": "1"})
    return env


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Series:
    """Wall and CPU milliseconds (CPU: user + system of all the run's processes) per run.

    CPU time hardly depends on how busy the machine is; wall time does, a lot on 2 shared cores.
    """

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def run(
        self,
        args: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        data: bytes = b"",
        quiet: bool = True,
    ) -> None:
        cpu = _cpu()
        start = time.perf_counter()
        proc = subprocess.run(args, cwd=cwd, env=env, input=data, capture_output=True)
        self.wall.append((time.perf_counter() - start) * 1000)
        self.cpu.append((_cpu() - cpu) * 1000)
        if proc.returncode != 0 or (quiet and (proc.stdout or proc.stderr)):
            raise SystemExit(f"{args[:3]} failed or printed: {proc.returncode} {proc.stdout!r}")


def shell_calls(root: Path, env: dict[str, str], runs: int, files: int) -> dict[str, Series]:
    """A shell tool call's two hooks on a repository of `files` files, three of them dirty."""
    from signoff.recording.agent_install import hook_command

    repo = root / "many"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    for i in range(files):
        folder = repo / f"pkg{i // 100:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"mod{i:05d}.py").write_text(f"x = {i}\ny = 'text'\n" * 20)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "base"], cwd=repo, check=True, env=env)
    for i in range(3):  # the agent's and the human's work in progress
        (repo / "pkg000" / f"mod{i:05d}.py").write_text(f"x = {i}\nwork in progress\n" * 20)
    subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=repo, env=env)
    commands = {e: ["sh", "-c", hook_command("claude-code", e)] for e in ("pre", "post")}
    out = {name: Series() for name in ("shell_pre", "shell_post", "git_status")}
    for i in range(runs):
        payload = {
            "session_id": "bench-session",
            "cwd": str(repo),
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "sed -i s/x/z/ pkg010/mod01000.py"},
            "tool_use_id": f"toolu_sh_{i}",
        }
        out["shell_pre"].run(commands["pre"], cwd=repo, env=env, data=json.dumps(payload).encode())
        k = (1000 + 37 * i) % files
        target = repo / f"pkg{k // 100:03d}" / f"mod{k:05d}.py"
        target.write_text(target.read_text().replace("x", "z", 1))
        payload["hook_event_name"] = "PostToolUse"
        out["shell_post"].run(
            commands["post"], cwd=repo, env=env, data=json.dumps(payload).encode()
        )
        out["git_status"].run(
            ["git", "status", "--porcelain=v2", "-z", "--untracked-files=all"],
            cwd=repo,
            env=env,
            quiet=False,
        )
    log = repo / ".git" / "signoff" / "capture" / "log.jsonl"
    recorded = len(log.read_text().splitlines())
    errors = repo / ".git" / "signoff" / "capture" / "errors.jsonl"
    if recorded < 2 * runs or errors.exists():
        raise SystemExit(
            f"shell: expected at least {2 * runs} records and no errors, got {recorded}"
        )
    return out


def run(runs: int = 60, lines: int = 5000, files: int = 5000) -> dict[str, object]:
    from signoff.recording.agent_install import hook_command

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = _env(root)
        repo = root / "repo"
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
        target = repo / "src" / "module.py"
        target.parent.mkdir()
        body = [
            f"value_{i} = compute({i}, 'some text to make a realistic line')\n"
            for i in range(lines)
        ]
        target.write_text("".join(body))
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
        subprocess.run(["git", "commit", "-q", "-m", "base"], cwd=repo, check=True, env=env)

        commands = {e: ["sh", "-c", hook_command("claude-code", e)] for e in ("pre", "post")}
        timings = {name: Series() for name in ("pre", "post", "console", "git", "python")}
        for i in range(runs):
            payload = {
                "session_id": "bench-session",
                "transcript_path": str(root / "t.jsonl"),
                "cwd": str(repo),
                "hook_event_name": "PreToolUse",
                "tool_name": "Edit",
                "tool_input": {"file_path": str(target), "old_string": "a", "new_string": "b"},
                "tool_use_id": f"toolu_{i}",
            }
            timings["pre"].run(
                commands["pre"], cwd=repo, env=env, data=json.dumps(payload).encode()
            )
            body[i % lines] = f"value_{i % lines} = compute({i}, 'edited by the agent')\n"
            target.write_text("".join(body))
            payload["hook_event_name"] = "PostToolUse"
            timings["post"].run(
                commands["post"], cwd=repo, env=env, data=json.dumps(payload).encode()
            )
            generic = {"event": "post", "paths": ["src/module.py"], "session": "bench-session"}
            timings["console"].run(
                [*SIGNOFF, "checkpoint", "--agent", "bench-agent"],
                cwd=repo,
                env=env,
                data=json.dumps(generic).encode(),
            )
            timings["git"].run(
                ["git", "hash-object", "-w", "src/module.py"], cwd=repo, env=env, quiet=False
            )
            timings["python"].run([sys.executable, "-I", "-S", "-c", "pass"], cwd=repo, env=env)
        log = repo / ".git" / "signoff" / "capture" / "log.jsonl"
        recorded = len(log.read_text().splitlines())
        errors = repo / ".git" / "signoff" / "capture" / "errors.jsonl"
        if recorded != 3 * runs or errors.exists():
            raise SystemExit(f"expected {3 * runs} records and no errors, got {recorded}")
        if files:
            timings.update(shell_calls(root, env, runs, files))
    out: dict[str, object] = {
        "runs": runs,
        "lines": lines,
        "files": files,
        "size_bytes": len("".join(body)),
        "load_average": round(os.getloadavg()[0], 1),
    }
    for name, series in timings.items():
        out[name] = {
            "p50_ms": round(statistics.median(series.wall), 1),
            "p95_ms": round(_percentile(series.wall, 95), 1),
            "cpu_p50_ms": round(statistics.median(series.cpu), 1),
            "cpu_p95_ms": round(_percentile(series.cpu, 95), 1),
        }
    git_p50 = statistics.median(timings["git"].wall)
    out["pre_over_git_p50"] = round(statistics.median(timings["pre"].wall) / git_p50, 1)
    out["post_over_git_p50"] = round(statistics.median(timings["post"].wall) / git_p50, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--files", type=int, default=5000, help="0: no shell-call rounds")
    args = parser.parse_args()
    result = run(args.runs, args.lines, args.files)
    print(json.dumps(result, indent=2))
    labels = {
        "pre": "checkpoint pre (hook command)",
        "post": "checkpoint post (hook command)",
        "console": "signoff checkpoint (console script, generic protocol)",
        "git": "git hash-object -w alone",
        "python": "python -I -S -c pass (the interpreter's start, the floor)",
        "shell_pre": f"Bash pre: work-tree snapshot ({result['files']} files)",
        "shell_post": "Bash post: second snapshot and the records",
        "git_status": "git status --porcelain=v2 alone",
    }
    print(
        f"\n{result['lines']}-line file, {result['runs']} runs each "
        f"(load average {result['load_average']}):"
    )
    for key, label in labels.items():
        if key not in result:
            continue
        row = result[key]
        assert isinstance(row, dict)
        print(
            f"  {label:58} wall p50 {row['p50_ms']:6.1f} p95 {row['p95_ms']:6.1f} ms   "
            f"cpu p50 {row['cpu_p50_ms']:5.1f} p95 {row['cpu_p95_ms']:5.1f} ms"
        )


if __name__ == "__main__":
    main()
