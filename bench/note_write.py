"""The post-commit note write: the installed sh loop against the same write in Python.

The installed post-commit script appends the note commit-msg prepared with a compare-and-swap
loop written in sh, so an agent commit starts Python once (commit-msg), not twice. The one
Python mechanism (`signoff.git.hooks.swap_notes`, what every other note write uses) would cost
a second interpreter start per agent commit. Both are run here on the same repository, in
alternation, R rounds of N writes: the sh script as git runs it (with a prepared note), and the
hook's Python entry doing the same (`hooks.post_commit` takes the prepared note and appends it
through `swap_notes`). `python bench/note_write.py [N] [--rounds R]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))


def run(n: int = 20, rounds: int = 5) -> dict[str, object]:
    from signoff.git.repo import Repo
    from signoff.recording.hooks import COMMIT_PLACEHOLDER
    from signoff.recording.install import BOOTSTRAP, install

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        cfg = home / "gitconfig"
        cfg.write_text("[user]\n\tname = Bench\n\temail = bench@example.com\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update({"HOME": str(home), "GIT_CONFIG_GLOBAL": str(cfg), "GIT_CONFIG_NOSYSTEM": "1"})
        repo = Path(tmp) / "repo"
        subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "x"], cwd=repo, env=env,
                       check=True)  # fmt: skip
        install(Repo(repo))
        tree = subprocess.run(["git", "rev-parse", "HEAD^{tree}"], cwd=repo, env=env,
                              capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
        doc = {"schema": "signoff/provenance/v1", "commit": COMMIT_PLACEHOLDER, "status": "ai"}
        note = json.dumps(doc, separators=(",", ":")) + "\n"
        pending = repo / ".git" / "signoff" / f"pending-{os.getpid()}-{tree}"
        pending.parent.mkdir(parents=True, exist_ok=True)
        hook = str(repo / ".git" / "hooks" / "post-commit")
        package = str(HERE.parent / "src")
        python = [sys.executable, "-I", "-S", "-c", BOOTSTRAP, package, "post-commit"]
        shell_env = {k: v for k, v in env.items() if k not in ("CLAUDECODE", "SIGNOFF_AI")}
        py_env = {**shell_env, "SIGNOFF_GIT_PID": str(os.getpid())}

        def once(cmd: list[str], e: dict[str, str]) -> float:
            pending.write_text(note)
            started = time.perf_counter()
            subprocess.run(cmd, cwd=repo, env=e, check=True, capture_output=True)
            elapsed = time.perf_counter() - started
            assert not pending.exists(), "the prepared note was not taken"
            return elapsed

        sh_rounds, py_rounds = [], []
        for _ in range(rounds):
            sh_rounds.append(statistics.median(once(["sh", hook], shell_env) for _ in range(n)))
            py_rounds.append(statistics.median(once(python, py_env) for _ in range(n)))
        docs = subprocess.run(["git", "notes", "--ref=refs/notes/signoff", "show", "HEAD"],
                              cwd=repo, env=env, capture_output=True, text=True).stdout  # fmt: skip
        assert len(docs.splitlines()) >= 2 * n * rounds * 2 - 1  # every write kept
        sh_ms = statistics.median(sh_rounds) * 1000
        py_ms = statistics.median(py_rounds) * 1000
        return {
            "writes_per_round": n,
            "rounds": rounds,
            "sh_loop_ms": round(sh_ms, 1),
            "python_swap_notes_ms": round(py_ms, 1),
            "python_extra_ms": round(py_ms - sh_ms, 1),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("writes", nargs="?", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(run(args.writes, args.rounds), indent=2))


if __name__ == "__main__":
    main()
