"""Generate a synthetic repository with a realistic mix of provenance markers, fast.

Uses `git fast-import` so 100,000 commits take seconds, not hours. Deterministic for a seed.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

AGENT_TRAILERS = [
    "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>",
    "Co-authored-by: aider (openai/gpt-4o) <aider@aider.chat>",
    "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
    "AI-Assisted: cursor/claude-sonnet-4\nAccepted-by: Dev One <dev1@example.com>",
    "Assisted-by: Codex:gpt-5-codex",
    "Amp-Thread-ID: https://ampcode.com/threads/T-0000\nCo-authored-by: Amp <amp@ampcode.com>",
]
HUMANS = [(f"Dev {i}", f"dev{i}@example.com") for i in range(1, 13)]
BOTS = [("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")]


def fresh_repo(path: Path, want: str) -> bool:
    """False when `path` already holds the repository `want` describes (its `.generated`
    marker says so); else an empty repository on main is made there and True returned."""
    marker = path / ".generated"
    if marker.exists() and marker.read_text() == want:
        return False
    if path.exists():
        subprocess.run(["rm", "-rf", str(path)], check=True)
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    return True


def finish_import(proc: subprocess.Popen[bytes], path: Path, want: str) -> None:
    """End a `git fast-import --done` stream, check it, check out main and mark the repository
    as built for `want` (see `fresh_repo`)."""
    assert proc.stdin is not None
    proc.stdin.write(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=path, check=True)
    (path / ".generated").write_text(want)


def generate(path: Path, commits: int, *, seed: int = 7, files: int = 400) -> Path:
    """Create (or reuse) a repository at `path` with `commits` commits on main."""
    want = f"{commits}:{seed}:{files}"
    if not fresh_repo(path, want):
        return path
    rng = random.Random(seed)
    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"], cwd=path, stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    out = proc.stdin
    contents: dict[int, list[str]] = {}
    when = 1_600_000_000
    for n in range(1, commits + 1):
        when += rng.randint(60, 3600)
        roll = rng.random()
        author = rng.choice(HUMANS)
        message = f"Change {n}: update module {n % files}\n"
        if roll < 0.30:
            message += "\n" + rng.choice(AGENT_TRAILERS) + "\n"
        elif roll < 0.33:
            author = (author[0] + " (aider)", author[1])
        elif roll < 0.35:
            author = BOTS[0]
            message = f"Bump dependency {n}\n"
        data = message.encode()
        out.write(b"commit refs/heads/main\n")
        out.write(f"mark :{n}\n".encode())
        out.write(f"author {author[0]} <{author[1]}> {when} +0000\n".encode())
        committer = HUMANS[n % len(HUMANS)]
        out.write(f"committer {committer[0]} <{committer[1]}> {when} +0000\n".encode())
        out.write(f"data {len(data)}\n".encode() + data)
        if n > 1:
            out.write(f"from :{n - 1}\n".encode())
        for _ in range(rng.randint(1, 3)):
            f = rng.randrange(files)
            lines = contents.setdefault(f, [])
            for _ in range(rng.randint(1, 8)):
                lines.insert(rng.randint(0, len(lines)), f"value_{n}_{rng.randrange(10**6)} = {n}")
            if len(lines) > 60:
                del lines[: rng.randint(1, 10)]
            blob = ("\n".join(lines) + "\n").encode()
            out.write(f"M 100644 inline src/module_{f}.py\n".encode())
            out.write(f"data {len(blob)}\n".encode() + blob)
        out.write(b"\n")
    finish_import(proc, path, want)
    return path


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    target = (
        Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parent / "work" / f"repo-{n}"
    )
    print(generate(target, n))
